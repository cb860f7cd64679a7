// Reading a response body with bounds: at most `maxBytes` (a hostile or broken mirror
// cannot fill the disk or the memory), no silence longer than `stallMs`, and, once the
// first `stallMs` have passed, no trickle slower than `minBytesPerSec` over any `stallMs`
// window (a body that never quite stalls would otherwise hold the job until the deadline).
import { createHash } from 'node:crypto'
import { type FileHandle, open } from 'node:fs/promises'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { errorText } from './exec.js'
import { HttpError } from './http-error.js'
import { reclaimer } from './memory.js'
import type { Reply } from './transport.js'
import type { DownloadResult } from './types.js'

export interface BodyLimits {
  maxBytes: number
  stallMs: number
  minBytesPerSec: number
}

const tooLarge = (max: number, what: string) =>
  new HttpError(`the body is larger than ${max} bytes (${what}); refusing it`, undefined, false, { final: true })

/** After the first stallMs, a body slower than minBytesPerSec over any stallMs window fails. */
function paceWatch(l: BodyLimits, bytes: () => number, fail: (e: HttpError) => void): NodeJS.Timeout {
  const started = Date.now()
  const window: { at: number; bytes: number }[] = [{ at: started, bytes: 0 }]
  return setInterval(
    () => {
      const now = Date.now()
      window.push({ at: now, bytes: bytes() })
      while (window.length > 1 && now - window[1].at >= l.stallMs) window.shift()
      const span = (now - window[0].at) / 1000
      const rate = (bytes() - window[0].bytes) / span
      if (now - started >= 2 * l.stallMs && span * 1000 >= l.stallMs && rate < l.minBytesPerSec)
        fail(
          new HttpError(
            `too slow: ${Math.round(rate)} bytes/s over the last ${span.toFixed(1)} s ` +
              `(at least ${l.minBytesPerSec} needed)`,
          ),
        )
    },
    Math.max(100, Math.floor(l.stallMs / 4)),
  )
}

/** Watches the body as it arrives: each chunk restarts the stall timer and counts for the pace. */
function watch(res: Reply, l: BodyLimits): { arrived(): number; stop(): void } {
  const declared = Number(res.headers.get('content-length'))
  if (declared > l.maxBytes) throw tooLarge(l.maxBytes, `Content-Length ${declared}`)
  let bytes = 0
  const fail = (e: HttpError) => res.body.destroy(e)
  const stall = setTimeout(() => fail(new HttpError(`no data for ${l.stallMs / 1000} s (stalled)`)), l.stallMs)
  const pace = paceWatch(l, () => bytes, fail)
  res.body.on('data', (chunk: Buffer) => {
    bytes += chunk.length
    stall.refresh()
  })
  const stop = () => {
    clearTimeout(stall)
    clearInterval(pace)
  }
  return { arrived: () => bytes, stop }
}

/**
 * The socket delivers 64 KiB reads; the sink takes what has queued up in one call (a few
 * reads per write(v) to the file instead of one write each, most of the download's CPU).
 */
const SINK_BATCH = 256 * 1024

interface Taker {
  /** gets every chunk, in order, in batches; none past maxBytes */
  take(chunks: Buffer[]): void | Promise<void>
  open?(): Promise<void>
  /** after the last batch */
  close?(): Promise<void>
  /** on failure, whether or not it was opened */
  abandon?(): Promise<void>
}

function cappedSink(maxBytes: number, t: Taker): { sink: Writable; taken(): number } {
  let taken = 0
  const reclaim = reclaimer()
  const done = (p: Promise<void> | undefined, cb: (e?: Error | null) => void) => (p ? p.then(() => cb(), cb) : cb())
  const sink = new Writable({
    highWaterMark: SINK_BATCH,
    construct: (cb) => done(t.open?.(), cb),
    writev(items, cb) {
      const chunks = items.map((i) => i.chunk as Buffer)
      const batch = chunks.reduce((n, c) => n + c.length, 0)
      taken += batch
      if (taken > maxBytes) return cb(tooLarge(maxBytes, `${taken} bytes read`))
      reclaim(batch)
      done(
        Promise.resolve().then(() => t.take(chunks)),
        cb,
      )
    },
    final: (cb) => done(t.close?.(), cb),
    destroy: (err, cb) => done(err ? t.abandon?.() : undefined, () => cb(err)),
  })
  return { sink, taken: () => taken }
}

async function drain(res: Reply, l: BodyLimits, t: Taker): Promise<number> {
  const w = watch(res, l)
  const { sink, taken } = cappedSink(l.maxBytes, t)
  const expected = Number(res.headers.get('content-length'))
  const of = expected > 0 ? ` of ${expected}` : ''
  try {
    await pipeline(res.body, sink)
  } catch (err) {
    // node calls a connection that closes mid-body just "aborted"
    if (err instanceof Error && err.message === 'aborted')
      throw new HttpError(`connection closed after ${w.arrived()}${of} bytes`)
    throw err
  } finally {
    w.stop()
  }
  if (!res.body.complete || (Number.isFinite(expected) && expected > 0 && taken() !== expected))
    throw new HttpError(`body ended after ${taken()}${of} bytes`)
  return taken()
}

/** All of `chunks` at the file's end: a write(v) to a regular file may still take only part. */
async function writeAll(fh: FileHandle, chunks: Buffer[]): Promise<void> {
  let rest = chunks
  while (rest.length > 0) {
    let { bytesWritten: n } = await fh.writev(rest)
    while (rest.length > 0 && n >= rest[0].length) {
      n -= rest[0].length
      rest = rest.slice(1)
    }
    if (n > 0) rest = [rest[0].subarray(n), ...rest.slice(1)]
  }
}

/**
 * Streams the body to `dest` (created, never replaced) through the hash, with backpressure.
 */
export async function streamToFile(res: Reply, dest: string, l: BodyLimits): Promise<DownloadResult> {
  const hash = createHash('sha256')
  let fh: FileHandle | undefined
  const close = async () => {
    const h = fh
    fh = undefined
    await h?.close()
  }
  const bytes = await drain(res, l, {
    open: async () => {
      fh = await open(dest, 'wx')
    },
    take: async (chunks) => {
      for (const c of chunks) hash.update(c)
      await writeAll(fh as FileHandle, chunks)
    },
    close,
    abandon: close,
  })
  return { path: dest, bytes, sha256: hash.digest('hex') }
}

/** The whole body as text (JSON documents), bounded the same way. */
export async function cappedText(res: Reply, maxBytes: number, l: Omit<BodyLimits, 'maxBytes'>): Promise<string> {
  const chunks: Buffer[] = []
  await drain(res, { ...l, maxBytes }, { take: (cs) => void chunks.push(...cs) })
  return Buffer.concat(chunks).toString('utf8')
}

/** A document that does not parse is the server's answer, not a transient failure. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch (err) {
    throw new HttpError(`the answer is not JSON (${errorText(err)})`, undefined, false, {
      final: true,
    })
  }
}
