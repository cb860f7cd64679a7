import { describe, expect, it } from '@jest/globals'
import { expectedSha, parseChecksums, verifyDownload } from '../../src/verify/checksums.js'

const A = 'a'.repeat(64)
const B = 'b'.repeat(64)

describe('checksums.txt', () => {
  it('reads sha256sum lines, text and binary mode', () => {
    const sums = parseChecksums(
      `${A}  podman-v5.7.1-linux-amd64-static.tar.zst\n${B.toUpperCase()} *checksums-extra.txt\n\ngarbage line\n`,
    )
    expect(sums.get('podman-v5.7.1-linux-amd64-static.tar.zst')).toBe(A)
    expect(sums.get('checksums-extra.txt')).toBe(B)
    expect(sums.size).toBe(2)
  })

  it('fails closed on a missing line', () => {
    expect(() => expectedSha(new Map(), 'x.tar.zst')).toThrow('checksums.txt has no line for x.tar.zst')
  })
})

describe('verifyDownload', () => {
  const got = { path: '/tmp/x', bytes: 10, sha256: A }

  it('reports every check that ran', () => {
    expect(verifyDownload(got, { name: 'x', size: 10, sha256: A, digest: `sha256:${A}` })).toEqual([
      'size',
      'sha256',
      'digest',
    ])
    expect(verifyDownload(got, { name: 'x', size: 10, sha256: A, digest: null })).toEqual(['size', 'sha256'])
  })

  it('names both values on a size mismatch', () => {
    expect(() => verifyDownload(got, { name: 'x', size: 11, sha256: A })).toThrow(
      'x: size mismatch: downloaded 10 bytes, the release says 11.',
    )
  })

  it('names both values on a checksum mismatch', () => {
    expect(() => verifyDownload(got, { name: 'x', size: 10, sha256: B })).toThrow(
      `downloaded ${A}, checksums.txt says ${B}`,
    )
  })

  it('checks the API digest as an independent second source', () => {
    expect(() => verifyDownload(got, { name: 'x', size: 10, sha256: A, digest: `sha256:${B}` })).toThrow(
      `the release API digest says ${B}`,
    )
  })
})
