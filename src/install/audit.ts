// The extracted tree is checked before anything is copied into the tool cache: one top
// directory, only files, dirs and symlinks that stay inside, no setuid, bounded size.
import { lstat, readdir, readlink } from 'node:fs/promises'
import path from 'node:path'

export class AuditError extends Error {}

export interface AuditLimits {
  maxBytes: number
  maxEntries: number
}

export const DEFAULT_LIMITS: AuditLimits = { maxBytes: 2 * 1024 ** 3, maxEntries: 20_000 }

export interface AuditResult {
  top: string
  files: number
  bytes: number
}

/** `dir` is the fresh extraction dir; `expectedTop` e.g. `podman-v5.7.1`. */
export async function auditTree(dir: string, expectedTop: string, limits = DEFAULT_LIMITS): Promise<AuditResult> {
  const entries = await readdir(dir)
  if (entries.length !== 1 || entries[0] !== expectedTop) {
    throw new AuditError(
      `Archive must hold exactly one top-level directory ${expectedTop}/; it holds: ${entries.join(', ') || 'nothing'}.`,
    )
  }
  const top = path.join(dir, expectedTop)
  if (!(await lstat(top)).isDirectory()) throw new AuditError(`${expectedTop} in the archive is not a directory.`)
  const result = { top, files: 0, bytes: 0 }
  await walk(top, top, result, limits)
  return result
}

async function walk(root: string, dir: string, acc: AuditResult, limits: AuditLimits): Promise<void> {
  for (const name of await readdir(dir)) {
    const p = path.join(dir, name)
    const rel = path.relative(root, p)
    const st = await lstat(p)
    if (++acc.files > limits.maxEntries) throw new AuditError(`Archive has more than ${limits.maxEntries} entries.`)
    if (st.isDirectory()) {
      await walk(root, p, acc, limits)
    } else if (st.isSymbolicLink()) {
      await checkLink(root, p, rel)
    } else if (st.isFile()) {
      if (st.mode & 0o6000) throw new AuditError(`Archive entry ${rel} is setuid/setgid; refusing to install it.`)
      acc.bytes += st.size
      if (acc.bytes > limits.maxBytes) throw new AuditError(`Archive unpacks to more than ${limits.maxBytes} bytes.`)
    } else {
      throw new AuditError(
        `Archive entry ${rel} is a device, FIFO or socket; only files, directories and symlinks are allowed.`,
      )
    }
  }
}

async function checkLink(root: string, p: string, rel: string): Promise<void> {
  const target = await readlink(p)
  const resolved = path.resolve(path.dirname(p), target)
  if (path.isAbsolute(target) || (resolved !== root && !resolved.startsWith(root + path.sep))) {
    throw new AuditError(`Archive symlink ${rel} -> ${target} points outside the archive.`)
  }
}
