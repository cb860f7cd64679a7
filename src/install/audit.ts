// What a release archive may hold, checked twice before anything is committed: the whole
// listing before tar starts (auditEntries), and the unpacked tree (auditTree: what GNU tar
// really made, should it read a header otherwise than node-tar). One top directory; only
// files, directories, symlinks and hard links; links that stay inside once every link on the
// way is followed (not by string: `a/s -> ..` plus `e -> a/s/a/s/../../../..` leaves the
// tree); no setuid, no world-writable modes, no devices; bounded size and entry count.
import { lstat, readdir, readlink, realpath } from 'node:fs/promises'
import path from 'node:path'

export class AuditError extends Error {}

export interface AuditLimits {
  maxBytes: number
  maxEntries: number
}

export const DEFAULT_LIMITS: AuditLimits = { maxBytes: 2 * 1024 ** 3, maxEntries: 20_000 }

/** One tar header, as the listing reads it. */
export interface ArchiveEntry {
  path: string
  /** node-tar's type name: File, Directory, SymbolicLink, Link, CharacterDevice, ... */
  type: string
  mode: number
  size: number
  linkpath?: string
}

export interface AuditResult {
  top: string
  files: number
  bytes: number
}

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile'])
const MAX_HOPS = 40 // the kernel's own limit on links followed in one lookup

/** Archive-relative path components; a name that could land outside the tree is refused. */
function parts(name: string): string[] {
  if (name.startsWith('/')) throw new AuditError(`Archive entry ${name} has an absolute path.`)
  const p = name.split('/').filter((c) => c !== '' && c !== '.')
  if (p.length === 0 || p.includes('..')) throw new AuditError(`Archive entry ${name} leaves the archive's directory.`)
  return p
}

function kindError(e: ArchiveEntry, rel: string): AuditError | undefined {
  const isLink = e.type === 'SymbolicLink' || e.type === 'Link'
  if (!FILE_TYPES.has(e.type) && e.type !== 'Directory' && !isLink)
    return new AuditError(
      `Archive entry ${rel} is a ${e.type}; only files, directories and symlinks are allowed (no devices, ` +
        `FIFOs or sockets).`,
    )
  if (isLink) return undefined
  if (e.mode & 0o6000) return new AuditError(`Archive entry ${rel} is setuid/setgid; refusing to install it.`)
  if (e.mode & 0o002) return new AuditError(`Archive entry ${rel} is world-writable; refusing to install it.`)
  return undefined
}

/**
 * Where `target`, written in the link at `linkAt`, really leads: each component is looked
 * up in the archive's own links, as the kernel would on the unpacked tree. undefined: it
 * leaves `top` (or loops).
 */
export function resolveLink(
  linkAt: string[],
  target: string,
  links: ReadonlyMap<string, string>,
): string[] | undefined {
  if (target.startsWith('/')) return undefined
  const cur = linkAt.slice(0, -1)
  let queue = target.split('/')
  for (let hops = 0; queue.length > 0; ) {
    const c = queue.shift() as string
    if (c === '' || c === '.') continue
    if (c === '..') {
      if (cur.length <= 1) return undefined // above the top directory
      cur.pop()
      continue
    }
    cur.push(c)
    const next = links.get(cur.join('/'))
    if (next === undefined) continue
    if (++hops > MAX_HOPS || next.startsWith('/')) return undefined
    cur.pop()
    queue = [...next.split('/'), ...queue]
  }
  return cur
}

function checkTop(all: { p: string[]; e: ArchiveEntry }[], expectedTop: string): void {
  const tops = [...new Set(all.map(({ p }) => p[0]))].sort()
  if (tops.length !== 1 || tops[0] !== expectedTop)
    throw new AuditError(
      `Archive must hold exactly one top-level directory ${expectedTop}/; it holds: ${tops.join(', ') || 'nothing'}.`,
    )
  const top = all.find(({ p }) => p.length === 1)
  if (top && top.e.type !== 'Directory') throw new AuditError(`${expectedTop} in the archive is not a directory.`)
}

/** Checks a whole listing; throws AuditError naming the first bad entry. */
export function auditEntries(entries: readonly ArchiveEntry[], expectedTop: string, limits = DEFAULT_LIMITS): void {
  if (entries.length > limits.maxEntries) throw new AuditError(`Archive has more than ${limits.maxEntries} entries.`)
  const all = entries.map((e) => ({ p: parts(e.path), e }))
  checkTop(all, expectedTop)
  const links = new Map<string, string>()
  const seen = new Map<string, string>()
  let bytes = 0
  for (const { p, e } of all) {
    const rel = p.join('/')
    const err = kindError(e, rel)
    if (err) throw err
    const before = seen.get(rel)
    if (before && !(before === 'Directory' && e.type === 'Directory'))
      throw new AuditError(`Archive entry ${rel} appears twice; refusing an archive that overwrites itself.`)
    seen.set(rel, e.type)
    if (e.type === 'SymbolicLink') links.set(rel, e.linkpath ?? '')
    if (FILE_TYPES.has(e.type)) bytes += e.size
    if (bytes > limits.maxBytes) throw new AuditError(`Archive unpacks to more than ${limits.maxBytes} bytes.`)
  }
  for (const { p, e } of all) checkPlacement(p, e, links, seen)
}

function checkPlacement(p: string[], e: ArchiveEntry, links: Map<string, string>, seen: Map<string, string>): void {
  const rel = p.join('/')
  for (let i = 1; i < p.length; i++) {
    if (links.has(p.slice(0, i).join('/')))
      throw new AuditError(`Archive entry ${rel} is written through the symlink ${p.slice(0, i).join('/')}.`)
  }
  if (e.type === 'SymbolicLink' && !resolveLink(p, e.linkpath ?? '', links))
    throw new AuditError(`Archive symlink ${rel} -> ${e.linkpath} points outside the archive.`)
  if (e.type === 'Link') {
    const target = parts(e.linkpath ?? '').join('/')
    if (!FILE_TYPES.has(seen.get(target) ?? ''))
      throw new AuditError(`Archive hard link ${rel} -> ${e.linkpath} does not name a file in the archive.`)
  }
}

/** `dir` is the fresh extraction dir; `expectedTop` e.g. `podman-v5.7.1`. */
export async function auditTree(dir: string, expectedTop: string, limits = DEFAULT_LIMITS): Promise<AuditResult> {
  const entries = await readdir(dir)
  if (entries.length !== 1 || entries[0] !== expectedTop) {
    throw new AuditError(
      `Archive must hold exactly one top-level directory ${expectedTop}/; it holds: ` +
        `${entries.join(', ') || 'nothing'}.`,
    )
  }
  const top = path.join(dir, expectedTop)
  if (!(await lstat(top)).isDirectory()) throw new AuditError(`${expectedTop} in the archive is not a directory.`)
  const result = { top, files: 0, bytes: 0 }
  await walk(await realpath(top), top, result, limits)
  return result
}

async function walk(root: string, dir: string, acc: AuditResult, limits: AuditLimits): Promise<void> {
  for (const name of await readdir(dir)) {
    const p = path.join(dir, name)
    const rel = path.relative(acc.top, p)
    const st = await lstat(p)
    if (++acc.files > limits.maxEntries) throw new AuditError(`Archive has more than ${limits.maxEntries} entries.`)
    if (st.isSymbolicLink()) {
      await checkLink(root, p, rel)
      continue
    }
    const err = kindError(
      {
        path: rel,
        type: st.isDirectory() ? 'Directory' : st.isFile() ? 'File' : 'device, FIFO or socket',
        mode: st.mode,
        size: st.size,
      },
      rel,
    )
    if (err) throw err
    if (st.isDirectory()) await walk(root, p, acc, limits)
    else acc.bytes += st.size
    if (acc.bytes > limits.maxBytes) throw new AuditError(`Archive unpacks to more than ${limits.maxBytes} bytes.`)
  }
}

/** Resolved for real by the kernel; a dangling link is judged by where its parent really is. */
async function checkLink(root: string, p: string, rel: string): Promise<void> {
  const target = await readlink(p)
  const real = await realpath(p).catch(async () => path.resolve(await realpath(path.dirname(p)), target))
  if (target.startsWith('/') || (real !== root && !real.startsWith(root + path.sep))) {
    throw new AuditError(`Archive symlink ${rel} -> ${target} points outside the archive.`)
  }
}
