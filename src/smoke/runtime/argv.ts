// Pure argv builders for containers of the base image, and the base image's own contents.
import { LABEL, usrMounts } from '../argv.js'
import { RUNTIME_SCRIPT, type RuntimeRequest } from './script.js'

export interface BaseContainer {
  name: string
  image: string
  node: string
  runId: string
  /** -d (kept until cleanup) instead of --rm */
  detach?: boolean
  /** neither -d nor --rm: runs to the end and is kept (to commit it) */
  keep?: boolean
  /** podman run flags before the image (--init, --memory ...) */
  flags?: string[]
  cmd: string[]
}

export function baseRunArgv(c: BaseContainer): string[] {
  return [
    'run',
    ...(c.keep ? [] : [c.detach ? '-d' : '--rm']),
    // Runtime checks prove the runtime, not the network: no network helper to start or to break.
    '--network',
    'none',
    '--name',
    c.name,
    '--label',
    `${LABEL}=${c.runId}`,
    ...usrMounts(c.node),
    ...(c.flags ?? []),
    c.image,
    ...c.cmd,
  ]
}

export const nodeCmd = (node: string, req: RuntimeRequest): string[] => [
  node,
  '-e',
  RUNTIME_SCRIPT,
  JSON.stringify(req),
]

/** A container that only waits: the target of exec and healthcheck runs. */
export const IDLE = ['sleep', '600']

export const importArgv = (tar: string, image: string, runId: string): string[] => [
  'import',
  '--change',
  `LABEL ${LABEL}=${runId}`,
  tar,
  image,
]
