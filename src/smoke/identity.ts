// What identifies a smoke report's row in the compatibility matrix: the source and build,
// the runner, and the podman/crun/pasta actually used with where each came from.
import { type HostFs, realHostFs } from '../host/fs.js'
import type { PodmanInfo } from '../host/info.js'
import { type Origin, originOf, type PieceFacts } from '../host/origin.js'
import { parseCrun, parsePasta, pastaLabel } from '../host/parse.js'

export interface ComponentIdentity {
  version?: string
  path?: string
  origin: Origin
}

export interface ReportIdentity {
  /** pigfoot | mgoltzsche | system */
  source: string
  /** OWNER/REPO the release came from; absent for system */
  repository?: string
  /** pigfoot only */
  variant?: string
  libc?: string
  arch: string
  /** the runner image (`ubuntu24 20250105.1`) or `self-hosted` */
  runner: string
  /** PRETTY_NAME of /etc/os-release */
  os?: string
  podman: ComponentIdentity
  crun: ComponentIdentity
  pasta: ComponentIdentity
}

export interface IdentityInput
  extends Pick<ReportIdentity, 'source' | 'repository' | 'variant' | 'libc' | 'arch' | 'runner'> {
  /** the install root (tool-cache entry); undefined for system */
  installRoot?: string
  podmanPath: string
  podmanVersion: string
  info: PodmanInfo
  /** the host gate's pieces: versions it read and what it completed */
  pieces?: readonly PieceFacts[]
}

/** podman info's path is what podman used; the gate's parsed version is preferred over its raw text. */
function component(
  i: IdentityInput,
  name: 'crun' | 'pasta',
  infoPath: string | undefined,
  infoVersion: string | undefined,
): ComponentIdentity {
  const piece = i.pieces?.find((p) => p.piece === name)
  const path = infoPath ?? piece?.found.path
  const parsed = infoVersion
    ? name === 'crun'
      ? parseCrun(infoVersion).version
      : parsePasta(infoVersion).version
    : undefined
  const raw = piece?.found.version ?? parsed
  const version = raw && name === 'pasta' ? pastaLabel(raw) : raw
  return { ...(version && { version }), ...(path && { path }), origin: originOf(path, piece, i.installRoot) }
}

export function buildIdentity(i: IdentityInput, os?: string): ReportIdentity {
  const optional = { repository: i.repository, variant: i.variant, libc: i.libc, os }
  return {
    source: i.source,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v)),
    arch: i.arch,
    runner: i.runner,
    podman: {
      version: i.info.version ?? i.podmanVersion,
      path: i.podmanPath,
      origin: originOf(i.podmanPath, undefined, i.installRoot),
    },
    crun: component(i, 'crun', i.info.ociRuntime.path, i.info.ociRuntime.version),
    pasta: component(i, 'pasta', i.info.pasta.path, i.info.pasta.version),
  } as ReportIdentity
}

/** `PRETTY_NAME="Debian GNU/Linux 13 (trixie)"` -> `Debian GNU/Linux 13 (trixie)` */
export function prettyName(osRelease: string | undefined): string | undefined {
  const m = /^PRETTY_NAME=(.*)$/m.exec(osRelease ?? '')
  return m ? m[1].trim().replace(/^(["'])(.*)\1$/, '$2') : undefined
}

/** The identity, with the OS read from /etc/os-release (of the tree the action runs in). */
export async function smokeIdentity(i: IdentityInput, fs: HostFs = realHostFs()): Promise<ReportIdentity> {
  return buildIdentity(i, prettyName(await fs.readFile('/etc/os-release')))
}
