import { main } from './run.js'

void main()
