// The audit of a downloaded archive, run while it downloads: the batches that are hashed and
// written also go to the zstd binary, and node-tar's parser judges every header of its output
// (StreamAudit: caps, names, kinds, writes through a link); nothing is written anywhere. Once
// the sha256 and the signature have passed, an accepted archive is unpacked process to
// process (zstd into GNU tar, unpackPiped), not through node: the decoded stream is a
// function of the verified bytes, so the headers judged are the headers tar unpacks, and the
// whole listing is judged (auditEntries) before tar starts. A refusal is reported once the
// archive is verified, with nothing unpacked. An archive this cannot judge (no zstd binary, a
// gzip archive, a decoder or parser failure, an origin that does not stream) is unpacked as
// before, audited header by header on its way into tar (unpackAudited).
import { spawn } from 'node:child_process'
import type { Readable, Writable } from 'node:stream'
import { childEnv } from '../ports/env.js'
import { track } from '../ports/exec.js'
import { reclaimer } from '../ports/memory.js'
import type { BodyObserver } from '../ports/types.js'
import { type ArchiveEntry, AuditError, type AuditLimits, auditEntries, DEFAULT_LIMITS } from './audit.js'
import { exitOf, findOnPath, streamCap } from './tar-stream.js'
import { type Judge, judge, loadParser, type Unpack, unpackPiped, writable } from './unpack.js'

/** What the download's audit concluded: every header accepted, or the first refusal. */
export type Verdict =
  | { accepted: ArchiveEntry[]; decodedBytes: number; zstd: string; refused?: undefined }
  | { refused: Error; accepted?: undefined }

export interface PreAudit {
  /** a new decode for each attempt of the download (a retry starts over) */
  observe(): BodyObserver
  /** the last attempt's verdict; undefined: it could not judge (the unpack then audits) */
  verdict(): Verdict | undefined
}

/** undefined when this archive cannot be judged during the download. */
export async function preAudit(name: string, limits: AuditLimits = DEFAULT_LIMITS): Promise<PreAudit | undefined> {
  if (!name.endsWith('.tar.zst')) return undefined
  const zstd = await findOnPath('zstd')
  if (!zstd) return undefined
  // node-tar loads here, before the first batch: each attempt's parser is made at once.
  const Parser = await loadParser()
  let current: Attempt | undefined
  return {
    observe() {
      current?.observer.abandon()
      current = attempt(zstd, judge(Parser, name, limits), limits)
      return current.observer
    },
    verdict: () => current?.verdict(),
  }
}

const LEAD = 8 * 1024 * 1024

interface Attempt {
  observer: BodyObserver
  verdict(): Verdict | undefined
}

/** `zstd -dc` from a pipe, stopped with the step; `stdin` takes the download's batches. */
function spawnDecoder(zstd: string) {
  const dec = track(spawn(zstd, ['-dc', '-q'], { stdio: ['pipe', 'pipe', 'pipe'], env: childEnv(), detached: true }))
  const stdin = dec.stdin as Writable
  stdin.on('error', () => undefined) // the decoder's status counts, not a write to it after it died
  const drained = new Promise<void>((resolve) => dec.stdout.once('close', resolve))
  return { dec, stdin, exited: exitOf(dec), drained }
}

/** Every decoded chunk to the judge, within the cap; the first refusal stops the decoder. Returns the bytes decoded. */
function judgeOutput(out: Readable, j: Judge, limits: AuditLimits, stop: () => void, stopped: () => boolean) {
  const cap = streamCap(limits)
  const reclaim = reclaimer()
  let decodedBytes = 0
  out.on('data', (chunk: Buffer) => {
    if (stopped()) return
    decodedBytes += chunk.length
    reclaim(chunk.length)
    if (decodedBytes > cap) j.refuse(new AuditError(`Archive unpacks to more than ${limits.maxBytes} bytes.`))
    else j.parser.write(chunk)
    if (j.refused()) stop()
  })
  return () => decodedBytes
}

/** The attempt's verdict once the decoder is gone; `whole`: it decoded to the end, never stopped. */
function conclude(j: Judge, whole: boolean, decodedBytes: number, zstd: string): Verdict | undefined {
  const refused = j.refused()
  if (refused) return { refused }
  if (whole && !j.unreadable()) return { accepted: j.audit.entries, decodedBytes, zstd }
  return undefined
}

function attempt(zstd: string, j: Judge, limits: AuditLimits): Attempt {
  const { dec, stdin, exited, drained } = spawnDecoder(zstd)
  let stopped = false
  let verdict: Verdict | undefined
  const stop = () => {
    stopped = true
    dec.kill('SIGKILL')
  }
  const decoded = judgeOutput(dec.stdout, j, limits, stop, () => stopped)
  const observer: BodyObserver = {
    async take(chunks) {
      if (stopped) return
      for (const c of chunks) stdin.write(c)
      // Waiting on every full pipe (64 KiB) ping-pongs with the decoder: the download took 2.5
      // times as long. A lead of a few MiB keeps both busy and bounds what waits in memory.
      if (stdin.writableLength > LEAD) await writable(stdin)
    },
    async end() {
      stdin.end()
      const [{ code }] = await Promise.all([exited.catch(() => ({ code: 1 })), drained])
      const whole = !stopped && code === 0
      if (whole) {
        j.parser.end()
        await j.parsed
      }
      verdict = conclude(j, whole, decoded(), zstd)
    },
    abandon() {
      stop()
      stdin.destroy()
    },
  }
  return { observer, verdict: () => verdict }
}

/**
 * The unpack for an archive the download judged: refused, nothing is unpacked; accepted, the
 * whole listing is judged again with this unpack's limits, then zstd pipes into tar.
 */
export function unpackJudged(v: Verdict, top: string): Unpack {
  return async (archive, dest, limits = DEFAULT_LIMITS) => {
    if (v.accepted === undefined) throw v.refused
    if (v.decodedBytes > streamCap(limits))
      throw new AuditError(`Archive unpacks to more than ${limits.maxBytes} bytes.`)
    auditEntries(v.accepted, top, limits)
    await unpackPiped(v.zstd, archive, dest)
    return v.accepted
  }
}
