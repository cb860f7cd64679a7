// Where podman looks for each piece, in podman's own order (containers.conf(5) defaults).
// PATH is never consulted for the OCI runtime, netavark or aardvark-dns: a piece that is
// only on PATH is, for podman, missing.
import { helperSearch, type Wiring } from '../install/dropin.js'

export const PIECES = [
  'crun',
  'conmon',
  'pasta',
  'slirp4netns',
  'netavark',
  'aardvark-dns',
  'catatonit',
  'fuse-overlayfs',
  'newuidmap',
  'newgidmap',
] as const
export type Piece = (typeof PIECES)[number]

const CRUN_DEFAULTS = [
  '/usr/bin/crun',
  '/usr/sbin/crun',
  '/usr/local/bin/crun',
  '/usr/local/sbin/crun',
  '/sbin/crun',
  '/bin/crun',
  '/run/current-system/sw/bin/crun',
]
const CONMON_DEFAULTS = [
  '/usr/libexec/podman/conmon',
  '/usr/local/libexec/podman/conmon',
  '/usr/local/lib/podman/conmon',
  '/usr/bin/conmon',
  '/usr/sbin/conmon',
  '/usr/local/bin/conmon',
  '/usr/local/sbin/conmon',
]
const INIT_DEFAULT = '/usr/libexec/podman/catatonit'

/** The part of the drop-in that changes where podman looks. */
export type SearchWiring = Pick<Wiring, 'runtimePath' | 'conmonPath' | 'initPath' | 'helperDirs'>

export const NO_WIRING: SearchWiring = { helperDirs: [] }

export function pathDirs(envPath: string | undefined): string[] {
  return [...new Set((envPath ?? '').split(':').filter((d) => d.startsWith('/')))]
}

const inDirs = (dirs: readonly string[], name: string): string[] => dirs.map((d) => `${d.replace(/\/+$/, '')}/${name}`)

/** Candidate paths for a piece, first existing executable wins. */
export function candidates(piece: Piece, w: SearchWiring, envPath: string | undefined): string[] {
  const helpers = inDirs(helperSearch(w.helperDirs), piece)
  const onPath = inDirs(pathDirs(envPath), piece)
  switch (piece) {
    case 'crun':
      return w.runtimePath ? [w.runtimePath] : CRUN_DEFAULTS
    case 'conmon':
      return [...(w.conmonPath ? [w.conmonPath] : CONMON_DEFAULTS), ...helpers, ...onPath]
    case 'netavark':
    case 'aardvark-dns':
      return helpers
    case 'pasta':
    case 'slirp4netns':
      return [...helpers, ...onPath]
    case 'catatonit':
      return [w.initPath ?? INIT_DEFAULT, ...helpers, ...onPath]
    default:
      return onPath
  }
}
