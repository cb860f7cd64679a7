// What a local archive is, read from the archive itself: the variant from its layout, the
// version from its podman's own `--version`, the libc from its binaries' GLIBC_x.y needs and
// the arch from podman's ELF header. A file name that follows the release naming must agree:
// a builder validating a variant learns of a mislabelled asset before publishing it.
import { access, constants } from 'node:fs/promises'
import path from 'node:path'
import { parsePodman } from '../host/parse.js'
import type { Libc, Variant } from '../inputs.js'
import { elfArch } from '../install/elf.js'
import { type GlibcFloor, glibcFloor } from '../install/glibc-floor.js'
import { LAYOUTS, type Layout } from '../install/layout.js'
import { lastLine } from '../ports/exec.js'
import type { Run } from '../ports/types.js'

export class ArchiveIdentityError extends Error {}

export interface ArchiveIdentity {
  variant: Variant
  layout: Layout
  version: string
  libc: Libc
  arch: 'amd64' | 'arm64'
  floor: GlibcFloor
}

const FULL_EXTRAS = [
  'usr/local/bin/pasta',
  'usr/local/lib/podman/netavark',
  'usr/local/lib/podman/aardvark-dns',
  'usr/local/lib/podman/catatonit',
]
const DEFAULT_PIECES = ['usr/local/bin/podman', 'usr/local/bin/crun', 'usr/local/lib/podman/conmon']

/** Pure: the variant a tree's files make (pigfoot's layouts; mgoltzsche's bundle reads as full). */
export function variantOf(has: (rel: string) => boolean): Variant | undefined {
  if (has('podman') && !has('usr/local/bin/podman')) return 'standalone'
  if (!DEFAULT_PIECES.every(has)) return undefined
  return FULL_EXTRAS.every(has) ? 'full' : 'default'
}

export interface NamedAsset {
  version: string
  arch: string
  libc: string
  variant: Variant
}

const ASSET_NAME =
  /^podman-v(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)-linux-([a-z0-9]+)-(static|glibc)(?:-(standalone|full))?\.tar\.zst$/

/** `podman-v5.7.1-linux-amd64-glibc-full.tar.zst` -> its parts; undefined for other names. */
export function parseAssetName(name: string): NamedAsset | undefined {
  const m = ASSET_NAME.exec(name)
  if (!m) return undefined
  return { version: m[1], arch: m[2], libc: m[3], variant: (m[4] as Variant | undefined) ?? 'default' }
}

/** Pure: where the file name and the archive disagree, one phrase each. */
export function nameMismatches(name: string, id: Omit<ArchiveIdentity, 'layout' | 'floor'>): string[] {
  const named = parseAssetName(name)
  if (!named) return []
  const out: string[] = []
  for (const k of ['version', 'arch', 'libc', 'variant'] as const)
    if (named[k] !== id[k]) out.push(`the name says ${k} ${named[k]}, the archive is ${id[k]}`)
  return out
}

const exists = (p: string) =>
  access(p, constants.F_OK).then(
    () => true,
    () => false,
  )

/**
 * Reads the identity of an unpacked, audited tree (`top`: its single top directory). The
 * arch is checked before podman is run: another arch's binary would only fail to execute.
 */
export async function identify(top: string, run: Run, runnerArch: string): Promise<ArchiveIdentity> {
  const present = new Set<string>()
  for (const rel of ['podman', ...DEFAULT_PIECES, ...FULL_EXTRAS])
    if (await exists(path.join(top, rel))) present.add(rel)
  const variant = variantOf((rel) => present.has(rel))
  if (!variant)
    throw new ArchiveIdentityError(
      `The archive is laid out like no release variant: expected ${path.basename(top)}/podman (standalone) ` +
        `or ${DEFAULT_PIECES.join(', ')} (default; full adds ${FULL_EXTRAS.join(', ')}).`,
    )
  const layout = LAYOUTS[variant]
  const podman = path.join(top, layout.bin, 'podman')
  const arch = await elfArch(podman)
  if (!arch) throw new ArchiveIdentityError(`${podman} is not an amd64 or arm64 ELF executable.`)
  if (arch !== runnerArch)
    throw new ArchiveIdentityError(`The archive is built for ${arch}; this runner is ${runnerArch}.`)
  const floor = await glibcFloor(top)
  const r = await run(podman, ['--version'], { timeoutMs: 30_000 })
  const version = r.exitCode === 0 ? parsePodman(r.stdout).version : undefined
  if (!version) {
    const said = r.exitCode === 0 ? `printed ${JSON.stringify(r.stdout.trim())}` : `failed: ${lastLine(r)}`
    throw new ArchiveIdentityError(`The archive's podman does not say its version: \`podman --version\` ${said}.`)
  }
  return { variant, layout, version, libc: floor.floor ? 'glibc' : 'static', arch, floor }
}
