// Deterministic payloads: the same (seed, size) gives the same bytes on the host and in the
// probe, so every transfer is verified end to end without shipping the expected hash around.
// AES-CTR keystream: fast (GB/s) where a hash chain would cost seconds for 8 MiB.
import { createCipheriv, createHash } from 'node:crypto'

export function payload(seed: string, size: number): Buffer {
  const key = createHash('sha256').update(seed).digest()
  const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32))
  return cipher.update(Buffer.alloc(size))
}

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

/** Path a host or probe server answers with `size` bytes of `seed`'s payload. */
export const blobPath = (seed: string, size: number): string => `/blob/${encodeURIComponent(seed)}/${size}`

export function parseBlobPath(path: string): { seed: string; size: number } | undefined {
  const m = /^\/blob\/([^/]+)\/(\d+)$/.exec(path)
  const size = m ? Number(m[2]) : NaN
  // Bounded: a probe must not make the host allocate without limit.
  return m && size <= 256 * 1024 * 1024 ? { seed: decodeURIComponent(m[1]), size } : undefined
}

export const MiB = 1024 * 1024
