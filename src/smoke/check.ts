// What a check is, as data: its id (one of smoke/ids.ts), what it needs from the host, how
// much its failure weighs, and the function that proves it. The tables are checks.ts
// (network), internet.ts, runtime/.
import type { Capabilities, NetKind } from './facts.js'
import type { CheckId } from '../inputs.js'
import type { Details, Severity } from './report.js'
import type { CheckContext } from './runner.js'

export interface Needs {
  /** semver range podman must satisfy */
  podman?: string
  pasta?: true
  slirp4netns?: true
  netavark?: true
  internet?: true
  ipv6?: true
  /** only meaningful when podman's default network is one of these */
  defaultKinds?: readonly NetKind[]
  /** slow or heavy: left out of `auto`, run by `all` or by id */
  optional?: true
  /** runs in the suite's own base image, not smoke-image: a failed pull does not concern it */
  baseImage?: true
}

export interface Check {
  id: CheckId
  title: string
  mode: (caps: Capabilities) => string
  needs: Needs
  /** blocking: what every podman job does; advisory: an optional feature (a failure only warns) */
  severity: Severity
  /** why this severity, shown with the result */
  why: string
  /** what to do when it fails, unless the failure names its own fix */
  fix?: string
  run(ctx: CheckContext): Promise<Details>
}

export const EVERY_JOB = 'every podman job uses it'
export const NON_DEFAULT = 'a non-default network mode: only jobs that ask for it use it'
