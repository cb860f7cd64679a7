// The newest glibc an unpacked tree's binaries need, read from the binaries themselves
// (their GLIBC_x.y symbol versions), not from what a README claims about the build.
import { lstat, readdir } from 'node:fs/promises'
import path from 'node:path'
import semver from 'semver'
import { elfVersionNeeds, type VersionNeed } from './elf.js'

/**
 * Version names that mark an ABI feature instead of a release; the loader refuses a binary
 * that needs one its glibc lacks. DT_RELR came with glibc 2.36 (binutils -z pack-relative-relocs).
 */
const GLIBC_ABI_MARKERS: Readonly<Record<string, string>> = { GLIBC_ABI_DT_RELR: '2.36.0' }

interface GlibcNeed {
  /** semver of the glibc release that provides it */
  version: string
  /** the version name, e.g. GLIBC_2.38 */
  name: string
  /** the binary that needs it, relative to the tree */
  file: string
}

export interface GlibcFloor {
  /** the highest need; undefined when no binary links glibc dynamically (the static build) */
  floor?: GlibcNeed
  /** ABI markers this table cannot map to a release: named, never guessed */
  unknown: { name: string; file: string }[]
  /** ELF files read */
  binaries: number
}

/** `GLIBC_2.38` -> 2.38.0, `GLIBC_2.3.4` -> 2.3.4, a known marker -> its release; else undefined. */
export function glibcRelease(name: string): string | undefined {
  const m = /^GLIBC_(\d+)\.(\d+)(?:\.(\d+))?$/.exec(name)
  if (m) return `${Number(m[1])}.${Number(m[2])}.${Number(m[3] ?? 0)}`
  return GLIBC_ABI_MARKERS[name]
}

/** Pure: the floor over every file's needs. GLIBC_PRIVATE is internal to glibc itself. */
export function floorOf(needs: readonly { file: string; needs: readonly VersionNeed[] }[]): GlibcFloor {
  const out: GlibcFloor = { unknown: [], binaries: needs.length }
  for (const { file, needs: libs } of needs) {
    for (const name of libs.flatMap((l) => l.versions)) {
      if (!name.startsWith('GLIBC_') || name === 'GLIBC_PRIVATE') continue
      const version = glibcRelease(name)
      if (!version) {
        if (!out.unknown.some((u) => u.name === name)) out.unknown.push({ name, file })
      } else if (!out.floor || semver.gt(version, out.floor.version)) {
        out.floor = { version, name, file }
      }
    }
  }
  return out
}

/** Reads every regular ELF file under `root` (symlinks are not followed: their targets are in the tree). */
export async function glibcFloor(root: string): Promise<GlibcFloor> {
  const found: { file: string; needs: VersionNeed[] }[] = []
  const walk = async (dir: string): Promise<void> => {
    for (const name of await readdir(dir)) {
      const p = path.join(dir, name)
      const st = await lstat(p)
      if (st.isDirectory()) await walk(p)
      else if (st.isFile() && st.size >= 64) {
        const needs = await elfVersionNeeds(p)
        if (needs) found.push({ file: path.relative(root, p), needs })
      }
    }
  }
  await walk(root)
  return floorOf(found)
}
