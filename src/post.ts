import { post } from './cleanup.js'

void post()
