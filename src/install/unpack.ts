// Unpacks a verified archive into the staging dir with ONE decode: each chunk of the tar
// stream goes to node-tar's parser first, which audits every header as it arrives
// (StreamAudit: caps, names, kinds), and only then to GNU tar; at the first refusal tar is
// killed before it is given the chunk that holds the refused header, and the caller discards
// the staging dir. Before anything outside the parser has judged a header, GNU tar (1.34,
// extract.c, paxnames.c) itself keeps every write inside `dest`: it strips leading `/`, skips a
// member whose name holds `..` ("Member name contains '..'"), and makes a symlink whose target
// is absolute or holds `..` (and a hard link whose target holds `..`) a placeholder file,
// turned into the link only after the last member, so no member is written through it.
// Never as root with owners kept.
import { type ChildProcess, spawn } from 'node:child_process'
import path from 'node:path'
import type { Writable } from 'node:stream'
import type { ReadEntry } from 'tar'
import { childEnv } from '../ports/env.js'
import { track } from '../ports/exec.js'
import { reclaimer } from '../ports/memory.js'
import { type ArchiveEntry, AuditError, type AuditLimits, DEFAULT_LIMITS, StreamAudit } from './audit.js'
import { entryOf, exitOf, openTar, streamCap } from './tar-stream.js'

export { findOnPath } from './tar-stream.js'

/** Unpacks `archive` into `dest`; returns every header, each audited as it streamed past. */
export type Unpack = (archive: string, dest: string, limits?: AuditLimits) => Promise<ArchiveEntry[]>

/** GNU tar's flags: owners never kept, directory modes set after their contents. */
export const TAR_EXTRACT_ARGS = (dest: string): string[] => [
  '-x',
  '--no-same-owner',
  '--delay-directory-restore',
  '-C',
  dest,
  '-f',
  '-',
]

/** Resolves once `w` takes more, or is gone; the listeners go with it (one wait per full pipe). */
function writable(w: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      w.off('drain', done).off('close', done)
      resolve()
    }
    w.on('drain', done).on('close', done)
  })
}

/** GNU tar unpacking its stdin into `dest`, stopped with the step when it is cancelled. */
function spawnTar(dest: string): ChildProcess {
  return track(
    spawn('tar', TAR_EXTRACT_ARGS(dest), { stdio: ['pipe', 'ignore', 'pipe'], env: childEnv(), detached: true }),
  )
}

interface Judge {
  audit: StreamAudit
  parser: NodeJS.WritableStream
  parsed: Promise<void>
  /** the first AuditError (a refusal) */
  refused(): Error | undefined
  refuse(e: Error): void
  /** a header node-tar cannot read: reported only when tar has no reason of its own */
  unreadable(): Error | undefined
}

type ParserClass = typeof import('tar').Parser

/** node-tar (~0.07 s of CPU to load) only when an archive is read: never on a tool-cache hit. */
const loadParser = async (): Promise<ParserClass> => (await import('tar')).Parser

/** A parser whose every header goes to a StreamAudit; it writes nothing. */
function judge(Parser: ParserClass, archive: string, limits: AuditLimits): Judge {
  const audit = new StreamAudit(limits)
  let refusal: Error | undefined
  let parseError: Error | undefined
  const parser = new Parser({
    strict: true,
    onReadEntry: (e: ReadEntry) => {
      try {
        if (!refusal) audit.add(entryOf(e))
      } catch (err) {
        refusal = err as Error
      }
      e.resume()
    },
  })
  const parsed = new Promise<void>((resolve) =>
    parser.once('end', resolve).once('close', resolve).once('error', resolve),
  )
  parser.on('error', (e: Error) => {
    if (e instanceof AuditError) refusal ??= e
    else parseError ??= new Error(`Reading ${path.basename(archive)} as tar failed: ${e.message}`)
  })
  const refuse = (e: Error) => {
    refusal ??= e
  }
  return { audit, parser, parsed, refused: () => refusal, refuse, unreadable: () => parseError }
}

export const unpackAudited: Unpack = async (archive, dest, limits = DEFAULT_LIMITS) => {
  const j = judge(await loadParser(), archive, limits)
  const src = await openTar(archive)
  const tar = spawnTar(dest)
  const stdin = tar.stdin as Writable
  stdin.on('error', () => undefined) // tar may exit at the end-of-archive blocks: its status counts
  const exited = exitOf(tar)
  const cap = streamCap(limits)
  let bytes = 0
  let whole = false
  const reclaim = reclaimer()
  try {
    for await (const chunk of src.stream as AsyncIterable<Buffer>) {
      bytes += chunk.length
      reclaim(chunk.length)
      if (bytes > cap) j.refuse(new AuditError(`Archive unpacks to more than ${limits.maxBytes} bytes.`))
      else j.parser.write(chunk)
      if (j.refused() || tar.exitCode !== null) break
      if (!stdin.write(chunk)) await writable(stdin)
    }
    whole = !j.refused() && tar.exitCode === null
  } finally {
    if (!whole) {
      src.stop()
      tar.kill('SIGKILL')
    }
    stdin.end()
  }
  return settle(archive, j, src.done, exited, whole)
}

/** Tar has exited (nothing more is written to `dest`) before any verdict is given. */
async function settle(
  archive: string,
  j: Judge,
  decoder: Promise<void>,
  exited: Promise<{ code: number; stderr: string }>,
  whole: boolean,
): Promise<ArchiveEntry[]> {
  if (whole) j.parser.end()
  const [{ code, stderr }, decoded] = await Promise.all([
    exited,
    decoder.then(
      () => '',
      (e: Error) => e.message,
    ),
    whole ? j.parsed : undefined,
  ])
  const refusal = j.refused()
  if (refusal) throw refusal
  if (code !== 0) throw new Error(`Unpacking ${archive} failed (tar exit ${code}): ${stderr || decoded}`)
  const unreadable = j.unreadable()
  if (unreadable) throw unreadable
  return j.audit.entries
}
