// What every source yields and what it is given: the step consumes an Installation and
// nothing else of a source.
import type { HostFs } from '../host/fs.js'
import type { User } from '../host/facts.js'
import type { Inputs, Variant } from '../inputs.js'
import type { Cache } from '../install/archive-cache.js'
import type { Installed } from '../install/layout.js'
import type { InstallResult } from '../install/types.js'
import type { Http, Run, ToolCache } from '../ports/types.js'
import type { Arch } from '../release/assets.js'
import type { Clock } from '../ports/timings.js'

/** The pipeline owns the shape of a result; every source, system included, yields it. */
export type { InstallResult }

export interface Installation {
  result: InstallResult
  installed: Installed
  /** the `variant` and `libc` outputs ('' where they do not apply) */
  variant: string
  libc: string
  /** the requirement table the gate applies: what this install bundles */
  gateVariant: Variant
  /** completes missing pieces from the same release's full asset; undefined: nothing to offer */
  installFull?: () => Promise<string>
  /** put bin on PATH (not for the runner's own podman, already there) */
  exportPath: boolean
  cacheSaves: { key: string; paths: string[] }[]
}

/** The ports a source uses (a part of the step's Deps). */
interface SourceDeps {
  run: Run
  tc: ToolCache
  cache: Cache
  /** the machine's files and the runner user: `variant: auto` probes the host with them */
  fs: HostFs
  user: User
  /** the step's phase clock */
  clock?: Pick<Clock, 'time'>
}

export interface SourceContext {
  deps: SourceDeps
  http: Http
  inputs: Inputs
  /** the part of the runner context a source needs */
  ctx: { arch: Arch; temp: string; toolCache: string }
  /** the job's environment before ours */
  env: NodeJS.ProcessEnv
  trustedRoot?: unknown
}

/** A source: how `source: <name>` turns the inputs into an installation. */
export interface Source {
  install(s: SourceContext): Promise<Installation>
}
