// The ports main runs on: the real ones on a runner, scripted ones in tests.
import * as tc from '@actions/tool-cache'
import type { User } from '../host/facts.js'
import { type HostFs, realHostFs } from '../host/fs.js'
import { currentUser } from '../host/index.js'
import { actionsCache, type Cache } from '../install/archive-cache.js'
import { run } from '../ports/exec.js'
import { createHttp, type HttpOptions } from '../ports/http.js'
import { realProcs, startService, unixHttp } from '../ports/service.js'
import type { Http, Run, ToolCache } from '../ports/types.js'
import type { DockerSocketPorts } from './docker-socket.js'

export interface Deps {
  run: Run
  tc: ToolCache
  cache: Cache
  makeHttp: (o: HttpOptions) => Http
  env: NodeJS.ProcessEnv
  /** the machine's files as the host gate reads them */
  fs: HostFs
  /** the runner user the gate checks rootless podman for */
  user: User
  /** docker-socket: the API service, its socket, and /proc to stop it */
  services: DockerSocketPorts
}

export const realDeps = (): Deps => ({
  run,
  tc,
  cache: actionsCache(),
  makeHttp: createHttp,
  env: process.env,
  fs: realHostFs(),
  user: currentUser(),
  services: { startService, unixHttp, procs: realProcs },
})
