// Finding programs as the shell and podman do: the first executable regular file wins.
import type { HostFs } from './fs.js'
import { pathDirs } from './search.js'

async function executable(fs: HostFs, p: string): Promise<boolean> {
  const st = await fs.stat(p)
  return st?.kind === 'file' && (await fs.access(p, 'x'))
}

/** The first executable of `paths`. */
export async function locate(fs: HostFs, paths: readonly string[]): Promise<string | undefined> {
  for (const p of paths) if (await executable(fs, p)) return p
  return undefined
}

export interface OnPath {
  path: string
  /** with symlinks resolved */
  realPath: string
}

/**
 * Every executable `name` on PATH, in PATH order, one per real file: the first is what a bare
 * `name` runs. Relative PATH entries are skipped.
 */
export async function onPath(fs: HostFs, name: string, envPath: string | undefined): Promise<OnPath[]> {
  const found: OnPath[] = []
  for (const dir of pathDirs(envPath)) {
    const p = `${dir.replace(/\/+$/, '')}/${name}`
    const real = (await executable(fs, p)) ? await fs.realpath(p) : undefined
    if (real && !found.some((f) => f.realPath === real)) found.push({ path: p, realPath: real })
  }
  return found
}
