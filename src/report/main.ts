import * as core from '@actions/core'
import { guardRejections } from '../ports/guard.js'
import { reportMain } from './run.js'

guardRejections(core.setFailed)
void reportMain()
