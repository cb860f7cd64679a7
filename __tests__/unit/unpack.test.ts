// Both decoders, for real: the zstd binary when it is on PATH, node's own decoder when it
// is not; a damaged archive fails either way with tar's reason. One decode feeds both the
// audit and GNU tar, and a cap stops tar while it unpacks, not after.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { findOnPath, unpackAudited } from '../../src/install/unpack.js'

let dir: string
const savedPath = process.env.PATH
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ssp-untar-'))
  mkdirSync(path.join(dir, 'src/top/bin'), { recursive: true })
  writeFileSync(path.join(dir, 'src/top/bin/podman'), 'x'.repeat(100_000))
  execFileSync('tar', ['--zstd', '-C', path.join(dir, 'src'), '-cf', path.join(dir, 'a.tar.zst'), 'top'])
  execFileSync('tar', ['-z', '-C', path.join(dir, 'src'), '-cf', path.join(dir, 'a.tar.gz'), 'top'])
})
afterEach(() => {
  process.env.PATH = savedPath
  rmSync(dir, { recursive: true, force: true })
})

/** A PATH with tar but without zstd. */
function pathWithoutZstd(): string {
  const bin = path.join(dir, 'bin')
  mkdirSync(bin)
  symlinkSync('/usr/bin/tar', path.join(bin, 'tar'))
  return bin
}

describe('unpackAudited', () => {
  it.each([
    ['zstd binary', 'a.tar.zst', false],
    ['node zstd decoder', 'a.tar.zst', true],
    ['node gzip decoder', 'a.tar.gz', true],
  ])('%s', async (_label, name, hideZstd) => {
    if (hideZstd) process.env.PATH = pathWithoutZstd()
    expect(Boolean(await findOnPath('zstd'))).toBe(!hideZstd)
    const dest = path.join(dir, 'out')
    mkdirSync(dest)
    const entries = await unpackAudited(path.join(dir, name), dest)
    expect(readFileSync(path.join(dest, 'top/bin/podman'), 'utf8')).toHaveLength(100_000)
    expect(entries.map((e) => `${e.type} ${e.path}`)).toEqual([
      'Directory top/',
      'Directory top/bin/',
      'File top/bin/podman',
    ])
  })

  it.each([false, true])("a truncated archive fails with tar's reason (node decoder: %s)", async (hideZstd) => {
    if (hideZstd) process.env.PATH = pathWithoutZstd()
    const cut = path.join(dir, 'cut.tar.zst')
    const whole = readFileSync(path.join(dir, 'a.tar.zst'))
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)))
    const dest = path.join(dir, 'out')
    mkdirSync(dest)
    await expect(unpackAudited(cut, dest)).rejects.toThrow(/Unpacking .*cut\.tar\.zst failed \(tar exit [12]\)/)
  })

  it.each([false, true])(
    'a cap stops tar while it unpacks, before it is given the header past it (node decoder: %s)',
    async (hideZstd) => {
      if (hideZstd) process.env.PATH = pathWithoutZstd()
      // a second file after a large first one: the cap is passed before tar reaches it
      writeFileSync(path.join(dir, 'src/top/bin/zz-late'), 'late')
      writeFileSync(path.join(dir, 'src/top/bin/aa-big'), Buffer.alloc(4 * 1024 ** 2, 1))
      const big = path.join(dir, 'big.tar.zst')
      execFileSync('tar', ['--zstd', '--sort=name', '-C', path.join(dir, 'src'), '-cf', big, 'top'])
      const dest = path.join(dir, 'out')
      mkdirSync(dest)
      const limits = { maxBytes: 1024 ** 2, maxEntries: 100 }
      await expect(unpackAudited(big, dest, limits)).rejects.toThrow(/unpacks to more than 1048576 bytes/)
      expect(existsSync(path.join(dest, 'top/bin/aa-big'))).toBe(false)
      expect(existsSync(path.join(dest, 'top/bin/zz-late'))).toBe(false)
    },
  )
})
