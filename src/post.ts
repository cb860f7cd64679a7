import * as core from '@actions/core'
import { guardRejections } from './ports/guard.js'
import { post } from './step/post.js'

// Post never fails the job: what it could not do is a warning, like its own failures.
guardRejections(core.warning)
void post()
