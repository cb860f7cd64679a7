// Pure argv builders for every podman call the suite makes. Names are unique per run, so
// concurrent checks never share a container, network or port.
import { PROBE_SCRIPT, type ProbeRequest } from './probe.js'

/** smoke-image: host runs the action's own Node over the host's /usr in an empty rootfs. */
interface HostRuntime {
  kind: 'host'
  rootfs: string
  nodePath: string
}
/** smoke-image: <ref> runs the image's own `node` (pulled once, never again per container). */
interface ImageRuntime {
  kind: 'image'
  image: string
}
export type ProbeRuntime = HostRuntime | ImageRuntime

export interface ContainerSpec {
  name: string
  /** --network value; undefined keeps podman's default (what the user's steps will get) */
  network?: string
  publish?: string[]
  volumes?: string[]
  addHosts?: string[]
  detach?: boolean
}

export const LABEL = 'io.github.setup-static-podman.smoke'

const each = (flag: string, xs: readonly string[] = []): string[] => xs.flatMap((x) => [flag, x])

export const dirOf = (file: string): string => file.replace(/\/[^/]*$/, '') || '/'

/** The host's /usr read-only, and the node's own dir when it lives elsewhere (a runner's externals). */
export function usrMounts(nodePath: string): string[] {
  const nodeDir = dirOf(nodePath)
  const underUsr = nodeDir === '/usr' || nodeDir.startsWith('/usr/')
  return ['-v', '/usr:/usr:ro', ...(underUsr ? [] : ['-v', `${nodeDir}:${nodeDir}:ro`])]
}

function runtimeArgs(rt: ProbeRuntime): string[] {
  if (rt.kind === 'image') return ['--pull=never', '--entrypoint', 'node', rt.image]
  return [...usrMounts(rt.nodePath), '--rootfs', rt.rootfs, rt.nodePath]
}

export function probeArgv(rt: ProbeRuntime, c: ContainerSpec, req: ProbeRequest, runId: string): string[] {
  return [
    'run',
    // Detached servers are kept after exit so `podman logs` can explain a failure; rm -f ends them.
    c.detach ? '-d' : '--rm',
    '--name',
    c.name,
    '--label',
    `${LABEL}=${runId}`,
    ...(c.network ? ['--network', c.network] : []),
    ...each('-p', c.publish),
    ...each('--add-host', c.addHosts),
    ...each('-v', c.volumes),
    ...runtimeArgs(rt),
    '-e',
    PROBE_SCRIPT,
    JSON.stringify(req),
  ]
}

export const rmArgv = (names: readonly string[]): string[] => ['rm', '-f', '-i', '-t', '0', ...names]
export const logsArgv = (name: string): string[] => ['logs', name]
export const networkCreateArgv = (name: string, runId: string): string[] => [
  'network',
  'create',
  '--label',
  `${LABEL}=${runId}`,
  name,
]
export const networkRmArgv = (names: readonly string[]): string[] => ['network', 'rm', '-f', ...names]
export const rmiArgv = (names: readonly string[]): string[] => ['rmi', '-f', ...names]
export const pullArgv = (image: string): string[] => ['pull', '--quiet', image]
export const imageExistsArgv = (image: string): string[] => ['image', 'exists', image]

/** docker.io/library/node:22 yes; node:22 or library/node no: short names depend on registries.conf. */
export function isFullyQualified(image: string): boolean {
  const first = image.split('/')[0]
  return image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')
}
