// Where things live inside an extracted release, per variant: pure data.
import path from 'node:path'
import type { Variant } from '../inputs.js'

export interface Layout {
  /** directory with `podman`, relative to the install root */
  bin: string
  /** bundled pieces, relative paths; absent when the variant ships none */
  crun?: string
  conmon?: string
  catatonit?: string
  /** bundled helper dirs, searched before the system defaults */
  helperDirs: string[]
}

const LIB = 'usr/local/lib/podman'
const LIBEXEC = 'usr/local/libexec/podman'
const BIN = 'usr/local/bin'

export const LAYOUTS: Record<Variant, Layout> = {
  standalone: { bin: '.', helperDirs: [] },
  default: { bin: BIN, crun: `${BIN}/crun`, conmon: `${LIB}/conmon`, helperDirs: [LIB, LIBEXEC] },
  // pasta lives in usr/local/bin: podman looks for it in helper dirs first, then PATH.
  full: {
    bin: BIN,
    crun: `${BIN}/crun`,
    conmon: `${LIB}/conmon`,
    catatonit: `${LIB}/catatonit`,
    helperDirs: [LIB, LIBEXEC, BIN],
  },
}

export interface Installed {
  root: string
  bin: string
  podman: string
  crun?: string
  conmon?: string
  catatonit?: string
  helperDirs: string[]
}

export function resolveLayout(root: string, layout: Layout): Installed {
  const abs = (p?: string) => (p === undefined ? undefined : path.join(root, p))
  return {
    root,
    bin: path.join(root, layout.bin),
    podman: path.join(root, layout.bin, 'podman'),
    crun: abs(layout.crun),
    conmon: abs(layout.conmon),
    catatonit: abs(layout.catatonit),
    helperDirs: layout.helperDirs.map((d) => path.join(root, d)),
  }
}
