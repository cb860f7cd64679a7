import { main } from './step/run.js'

void main()
