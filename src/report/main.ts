import { reportMain } from './run.js'

void reportMain()
