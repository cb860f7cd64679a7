// Deterministic payloads: the same (seed, size) gives the same bytes on the host and in the
// probe, so every transfer is verified end to end without shipping the expected hash around.
// AES-CTR keystream: fast (GB/s) where a hash chain would cost seconds for 8 MiB. Streamed in
// chunks (CTR is a stream cipher: chunked output is the same bytes), so eight concurrent 8 MiB
// transfers hold a few 64 KiB chunks in memory, not 16 MiB each.
import { createCipheriv, createHash } from 'node:crypto'
import { Readable } from 'node:stream'

const CHUNK = 64 * 1024

/** The payload's bytes, CHUNK at a time (the last chunk shorter). */
export function* payloadChunks(seed: string, size: number): Generator<Buffer> {
  const key = createHash('sha256').update(seed).digest()
  const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32))
  const zeros = Buffer.alloc(Math.min(CHUNK, size))
  for (let left = size; left > 0; left -= CHUNK) yield cipher.update(zeros.subarray(0, Math.min(CHUNK, left)))
}

/** The whole payload in one buffer: for small sizes and tests. */
export const payload = (seed: string, size: number): Buffer => Buffer.concat([...payloadChunks(seed, size)])

/** A stream of the payload, to pipe into a response with backpressure. */
export const payloadStream = (seed: string, size: number): Readable =>
  Readable.from(payloadChunks(seed, size), { objectMode: false })

const digests = new Map<string, string>()
/** sha256 of payload(seed, size), computed chunk by chunk and remembered (many requests share a blob). */
export function payloadSha256(seed: string, size: number): string {
  const k = `${size}/${seed}`
  let d = digests.get(k)
  if (!d) {
    const h = createHash('sha256')
    for (const c of payloadChunks(seed, size)) h.update(c)
    d = h.digest('hex')
    digests.set(k, d)
  }
  return d
}

/** Path a host or probe server answers with `size` bytes of `seed`'s payload. */
export const blobPath = (seed: string, size: number): string => `/blob/${encodeURIComponent(seed)}/${size}`

export function parseBlobPath(path: string): { seed: string; size: number } | undefined {
  const m = /^\/blob\/([^/]+)\/(\d+)$/.exec(path)
  const size = m ? Number(m[2]) : NaN
  // Bounded: a probe must not make the host allocate without limit.
  return m && size <= 256 * 1024 * 1024 ? { seed: decodeURIComponent(m[1]), size } : undefined
}

export const MiB = 1024 * 1024
