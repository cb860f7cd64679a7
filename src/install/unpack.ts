// Unpacks a verified archive into the staging dir, judged whole before GNU tar starts: the
// archive is decoded once into a tar file beside the staging dir (by the zstd binary, no byte
// passing through node), its headers are read without their bodies (tar-headers.ts) and the
// whole listing audited (auditEntries), and only then does GNU tar unpack that file. A refused
// archive starts no tar. The tree tar made is audited again before commit (extract.ts), should
// GNU tar read a header otherwise than node-tar; GNU tar (1.34, extract.c, paxnames.c) keeps
// its own writes inside `dest` as well: it strips leading `/`, skips a member whose name holds
// `..`, and makes a symlink whose target is absolute or holds `..` a placeholder file until
// the last member. Never as root with owners kept.
import { type ChildProcess, spawn } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { childEnv } from '../ports/env.js'
import { track } from '../ports/exec.js'
import { type ArchiveEntry, AuditError, type AuditLimits, auditEntries, DEFAULT_LIMITS } from './audit.js'
import { readHeaders } from './tar-headers.js'
import { decodeTo, exitOf } from './tar-stream.js'

/** Unpacks `archive` (one top directory `top`) into `dest`; returns every header, all audited before tar ran. */
export type Unpack = (archive: string, dest: string, top: string, limits?: AuditLimits) => Promise<ArchiveEntry[]>

/** GNU tar's flags: owners never kept, directory modes set after their contents. */
export const TAR_EXTRACT_ARGS = (dest: string, file: string): string[] => [
  '-x',
  '--no-same-owner',
  '--delay-directory-restore',
  '-C',
  dest,
  '-f',
  file,
]

/** GNU tar unpacking `file` into `dest`, stopped with the step when it is cancelled. */
function spawnTar(dest: string, file: string): ChildProcess {
  return track(
    spawn('tar', TAR_EXTRACT_ARGS(dest, file), {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: childEnv(),
      detached: true,
    }),
  )
}

export const unpackAudited: Unpack = async (archive, dest, top, limits = DEFAULT_LIMITS) => {
  // Beside the staging dir (`.partial-*`): a killed job's is removed with its staging dir.
  const file = `${dest}.tar`
  try {
    await decodeTo(archive, file, limits).catch((e: Error) => {
      throw e instanceof AuditError ? e : new Error(`Unpacking ${archive} failed: ${e.message}`)
    })
    const entries = await readHeaders(file, limits.maxEntries)
    auditEntries(entries, top, limits)
    const { code, stderr } = await exitOf(spawnTar(dest, file))
    if (code !== 0) throw new Error(`Unpacking ${archive} failed (tar exit ${code}): ${stderr}`)
    return entries
  } finally {
    await rm(file, { force: true })
  }
}
