import * as core from '@actions/core'
import { guardRejections } from './ports/guard.js'
import { main } from './step/run.js'

guardRejections(core.setFailed)
void main()
