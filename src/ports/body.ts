// Reading a response body with bounds: at most `maxBytes` (a hostile or broken mirror
// cannot fill the disk or the memory), no silence longer than `stallMs`, and, once the
// first `stallMs` have passed, no trickle slower than `minBytesPerSec` over any `stallMs`
// window (a body that never quite stalls would otherwise hold the job until the deadline).
import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { Transform, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { errorText } from './exec.js'
import { HttpError } from './http-error.js'
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

/** Counts, checks and passes bytes on; `onChunk` sees each chunk (the hash). */
function meter(
  res: Reply,
  l: BodyLimits,
  onChunk: (b: Buffer) => void,
): { stream: Transform; bytes(): number; stop(): void } {
  const declared = Number(res.headers.get('content-length'))
  if (declared > l.maxBytes) throw tooLarge(l.maxBytes, `Content-Length ${declared}`)
  let bytes = 0
  const fail = (e: HttpError) => res.body.destroy(e)
  let stall = setTimeout(() => fail(new HttpError(`no data for ${l.stallMs / 1000} s (stalled)`)), l.stallMs)
  const pace = paceWatch(l, () => bytes, fail)
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      clearTimeout(stall)
      stall = setTimeout(() => fail(new HttpError(`no data for ${l.stallMs / 1000} s (stalled)`)), l.stallMs)
      bytes += chunk.length
      if (bytes > l.maxBytes) return cb(tooLarge(l.maxBytes, `${bytes} bytes read`))
      onChunk(chunk)
      cb(null, chunk)
    },
  })
  const stop = () => {
    clearTimeout(stall)
    clearInterval(pace)
  }
  return { stream, bytes: () => bytes, stop }
}

async function drain(res: Reply, l: BodyLimits, sink: Writable, onChunk: (b: Buffer) => void): Promise<number> {
  const m = meter(res, l, onChunk)
  const expected = Number(res.headers.get('content-length'))
  const of = expected > 0 ? ` of ${expected}` : ''
  try {
    await pipeline(res.body, m.stream, sink)
  } catch (err) {
    // node calls a connection that closes mid-body just "aborted"
    if (err instanceof Error && err.message === 'aborted')
      throw new HttpError(`connection closed after ${m.bytes()}${of} bytes`)
    throw err
  } finally {
    m.stop()
  }
  if (!res.body.complete || (Number.isFinite(expected) && expected > 0 && m.bytes() !== expected))
    throw new HttpError(`body ended after ${m.bytes()}${of} bytes`)
  return m.bytes()
}

/** Streams the body to `dest` through the hash, with backpressure. */
export async function streamToFile(res: Reply, dest: string, l: BodyLimits): Promise<DownloadResult> {
  const hash = createHash('sha256')
  const bytes = await drain(res, l, createWriteStream(dest, { flags: 'wx' }), (b) => hash.update(b))
  return { path: dest, bytes, sha256: hash.digest('hex') }
}

/** The whole body as text (JSON documents), bounded the same way. */
export async function cappedText(res: Reply, maxBytes: number, l: Omit<BodyLimits, 'maxBytes'>): Promise<string> {
  const chunks: Buffer[] = []
  const sink = new Writable({
    write(c: Buffer, _e, cb) {
      chunks.push(c)
      cb()
    },
  })
  await drain(res, { ...l, maxBytes }, sink, () => undefined)
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
