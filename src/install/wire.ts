// Hand the install over to the user's next steps: PATH, and a containers.conf drop-in.
import * as core from '@actions/core'
import { access, constants, mkdir, readdir, rm, stat, symlink } from 'node:fs/promises'
import path from 'node:path'
import { buildDropin, type Wiring, writeDropin } from './dropin.js'

const SYSTEM_BIN_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']

/** Names in `dir` that a system setuid binary also has (fusermount3, newuidmap...). */
async function setuidShadows(dir: string, systemDirs = SYSTEM_BIN_DIRS): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[])
  const out: string[] = []
  for (const name of names) {
    for (const sys of systemDirs) {
      const st = await stat(path.join(sys, name)).catch(() => undefined)
      if (st && st.mode & 0o4000) {
        out.push(name)
        break
      }
    }
  }
  return out
}

/**
 * The dir to put on PATH: the bundle's bin dir, unless it would shadow a setuid system
 * binary with a non-setuid copy; then a job-scoped dir of links to everything else.
 */
export async function pathDir(binDir: string, temp: string): Promise<{ dir: string; hidden: string[] }> {
  const hidden = await setuidShadows(binDir)
  if (hidden.length === 0) return { dir: binDir, hidden }
  const shim = path.join(temp, 'setup-static-podman', 'bin')
  await rm(shim, { recursive: true, force: true })
  await mkdir(shim, { recursive: true })
  for (const name of await readdir(binDir)) {
    if (!hidden.includes(name)) await symlink(path.join(binDir, name), path.join(shim, name))
  }
  return { dir: shim, hidden }
}

export interface WireResult {
  binDir: string
  dropin: string
  dropinText: string
  hidden: string[]
}

/**
 * Writes the drop-in; PATH is exported by `handOver` once everything has passed. `exported`
 * false (the runner's own podman, already on PATH): no PATH dir to prepare.
 */
export async function wireUp(
  binDir: string,
  wiring: Wiring,
  dropinFile: string,
  temp: string,
  exported = true,
): Promise<WireResult> {
  await access(path.join(binDir, 'podman'), constants.X_OK)
  const { dir, hidden } = exported ? await pathDir(binDir, temp) : { dir: binDir, hidden: [] }
  const dropinText = buildDropin(wiring)
  const dropin = await writeDropin(path.dirname(dropinFile), dropinText, path.basename(dropinFile))
  return { binDir: dir, dropin, dropinText, hidden }
}

/** The user's next steps get the installed podman first on PATH. */
export function handOver(w: WireResult): void {
  core.addPath(w.binDir)
}
