// `podman info` says what podman will ACTUALLY use (runtime, conmon, network helpers),
// which is not necessarily the first binary on PATH.
import semver from 'semver'
import { lastLine } from '../ports/exec.js'
import type { Run } from '../ports/types.js'
import type { Piece } from './search.js'

export interface ToolInfo {
  path?: string
  version?: string
  package?: string
}

export interface PodmanInfo {
  version?: string
  ociRuntime: ToolInfo & { name?: string }
  conmon: ToolInfo
  pasta: ToolInfo
  slirp4netns: ToolInfo
  /** from `networkBackendInfo` (podman >= 4.6) */
  netavark: ToolInfo
  aardvarkDns: ToolInfo
  networkBackend?: string
  rootlessNetworkCmd?: string
  cgroupVersion?: string
  cgroupManager?: string
  rootless?: boolean
  store?: StoreInfo
}

/** Where podman keeps images and containers, and with which driver. */
export interface StoreInfo {
  driver?: string
  /** overlay.mount_program (fuse-overlayfs): absent for native overlay */
  mountProgram?: string
  /** the storage.conf podman read for this user (may not exist) */
  configFile?: string
  graphRoot?: string
}

interface RawStore {
  graphDriverName?: string
  graphOptions?: Record<string, unknown>
  configFile?: string
  graphRoot?: string
}

function store(s: RawStore | undefined): StoreInfo | undefined {
  if (!s) return undefined
  const mp = s.graphOptions?.['overlay.mount_program'] as { Executable?: string } | string | undefined
  return {
    driver: s.graphDriverName,
    mountProgram: typeof mp === 'string' ? mp : mp?.Executable,
    configFile: s.configFile,
    graphRoot: s.graphRoot,
  }
}

interface RawTool {
  path?: string
  executable?: string
  version?: string
  package?: string
  name?: string
}

const tool = (t: RawTool | undefined): ToolInfo => ({
  path: t?.path ?? t?.executable,
  version: t?.version,
  package: t?.package,
})

export function parseInfo(json: string): PodmanInfo {
  const doc = JSON.parse(json) as {
    host?: Record<string, unknown>
    version?: { Version?: string }
    store?: RawStore
  }
  const h = (doc.host ?? {}) as Record<string, RawTool | string | boolean | undefined> & {
    security?: { rootless?: boolean }
  }
  const backend = h.networkBackendInfo as (RawTool & { backend?: string; dns?: RawTool }) | undefined
  const netavark = backend?.backend === 'netavark' ? backend : undefined
  return {
    version: doc.version?.Version,
    ociRuntime: { ...tool(h.ociRuntime as RawTool), name: (h.ociRuntime as RawTool | undefined)?.name },
    conmon: tool(h.conmon as RawTool),
    pasta: tool(h.pasta as RawTool),
    slirp4netns: tool(h.slirp4netns as RawTool),
    netavark: tool(netavark),
    aardvarkDns: tool(netavark?.dns),
    networkBackend: h.networkBackend as string | undefined,
    rootlessNetworkCmd: h.rootlessNetworkCmd as string | undefined,
    cgroupVersion: h.cgroupVersion as string | undefined,
    cgroupManager: h.cgroupManager as string | undefined,
    rootless: h.security?.rootless,
    store: store(doc.store),
  }
}

class PodmanInfoError extends Error {}

/**
 * podman info asks the package manager who owns the runtime, conmon and the network helpers
 * (`/usr/bin/dpkg -S FILE`, by absolute path: PATH cannot steer it), and dpkg -S reads every
 * package's file list: about 0.5 s a piece, more on a runner with 2,000 packages. With no
 * dpkg database dpkg fails at once and podman reports the package as `Unknown`; every other
 * fact stays the same (proven on podman 4.3.1, 5.4.2 and 5.8.6 by info-lookups.test.ts). The
 * one package fact the action uses, pasta's version when pasta prints none, the gate looks
 * up itself for that one file (probe.ts).
 */
export const NO_PACKAGE_DB = { DPKG_ADMINDIR: '/nonexistent/setup-static-podman' }

export async function podmanInfo(run: Run, podman: string, env?: NodeJS.ProcessEnv): Promise<PodmanInfo> {
  const r = await run(podman, ['info', '--format', 'json'], {
    env: { ...(env ?? process.env), ...NO_PACKAGE_DB },
    timeoutMs: 120_000,
  })
  if (r.exitCode !== 0) throw new PodmanInfoError(`podman info failed: ${lastLine(r)}`)
  return parseInfo(r.stdout)
}

/**
 * The pieces whose version `podman info` reports itself, from which podman on: the runtime,
 * conmon and slirp4netns always; netavark and aardvark-dns in `networkBackendInfo` (4.6). Not
 * pasta: info reports only what `pasta --version` prints, and many passt builds print nothing.
 */
const INFO_VERSIONS: readonly { piece: Piece; podman: string }[] = [
  { piece: 'crun', podman: '*' },
  { piece: 'conmon', podman: '*' },
  { piece: 'slirp4netns', podman: '*' },
  { piece: 'netavark', podman: '>=4.6.0' },
  { piece: 'aardvark-dns', podman: '>=4.6.0' },
]

/** Which pieces' versions this podman's `info` carries (unknown podman version: only those every podman reports). */
export function infoVersions(podmanVersion: string | undefined): Piece[] {
  const v = podmanVersion ? semver.coerce(podmanVersion)?.version : undefined
  return INFO_VERSIONS.filter((i) => (v ? semver.satisfies(v, i.podman) : i.podman === '*')).map((i) => i.piece)
}
