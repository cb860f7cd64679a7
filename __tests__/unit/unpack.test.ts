// Both decoders, for real: the zstd binary when it is on PATH, node's own decoder when it
// is not. The archive is decoded once into a tar file, its whole listing is judged, and only
// then does GNU tar start: a shim on PATH records every tar start, so "a refused archive
// starts no tar" is seen, not assumed. The header reader agrees with node-tar's Parser on
// long names and with GNU tar on where an archive ends.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Parser, type ReadEntry } from 'tar'
import { readHeaders } from '../../src/install/tar-headers.js'
import { findOnPath } from '../../src/install/tar-stream.js'
import { unpackAudited } from '../../src/install/unpack.js'
import { tarOf } from '../helpers/tar-members.js'

let dir: string
let starts: string
const savedPath = process.env.PATH
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ssp-untar-'))
  mkdirSync(path.join(dir, 'src/top/bin'), { recursive: true })
  writeFileSync(path.join(dir, 'src/top/bin/podman'), 'x'.repeat(100_000))
  execFileSync('tar', ['--zstd', '-C', path.join(dir, 'src'), '-cf', path.join(dir, 'a.tar.zst'), 'top'])
  execFileSync('tar', ['-z', '-C', path.join(dir, 'src'), '-cf', path.join(dir, 'a.tar.gz'), 'top'])
  // every tar the unpack starts writes a line here, then is GNU tar
  starts = path.join(dir, 'tar-starts')
  const shim = path.join(dir, 'shim')
  mkdirSync(shim)
  writeFileSync(path.join(shim, 'tar'), `#!/bin/sh\necho "$*" >> ${starts}\nexec /usr/bin/tar "$@"\n`)
  chmodSync(path.join(shim, 'tar'), 0o755)
  process.env.PATH = `${shim}:${savedPath}`
})
afterEach(() => {
  process.env.PATH = savedPath
  rmSync(dir, { recursive: true, force: true })
})

/** The shim's PATH without zstd: node's own decoder. */
function hideZstd(): void {
  const bin = path.join(dir, 'bin')
  mkdirSync(bin)
  symlinkSync(path.join(dir, 'shim/tar'), path.join(bin, 'tar'))
  process.env.PATH = bin
}

const tarStarts = (): string[] => (existsSync(starts) ? readFileSync(starts, 'utf8').trim().split('\n') : [])
const out = (): string => {
  const dest = path.join(dir, 'out')
  mkdirSync(dest)
  return dest
}

describe('unpackAudited', () => {
  it.each([
    ['zstd binary', 'a.tar.zst', false],
    ['node zstd decoder', 'a.tar.zst', true],
    ['node gzip decoder', 'a.tar.gz', true],
  ])('%s: one tar start, from the decoded file, which is gone after', async (_label, name, noZstd) => {
    if (noZstd) hideZstd()
    expect(Boolean(await findOnPath('zstd'))).toBe(!noZstd)
    const dest = out()
    const entries = await unpackAudited(path.join(dir, name), dest, 'top')
    expect(readFileSync(path.join(dest, 'top/bin/podman'), 'utf8')).toHaveLength(100_000)
    expect(entries.map((e) => `${e.type} ${e.path}`)).toEqual([
      'Directory top/',
      'Directory top/bin/',
      'File top/bin/podman',
    ])
    expect(tarStarts()).toEqual([`-x --no-same-owner --delay-directory-restore -C ${dest} -f ${dest}.tar`])
    expect(existsSync(`${dest}.tar`)).toBe(false)
  })

  it.each([
    [false, /Unpacking .*cut\.tar\.zst failed: zstd -d .* failed \(exit 1\)/],
    [true, /tar stream is not valid: it ends (inside|before)/],
  ])('a truncated archive is refused before tar starts (node decoder: %s)', async (noZstd, reason) => {
    if (noZstd) hideZstd()
    const cut = path.join(dir, 'cut.tar.zst')
    const whole = readFileSync(path.join(dir, 'a.tar.zst'))
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)))
    const dest = out()
    await expect(unpackAudited(cut, dest, 'top')).rejects.toThrow(reason)
    expect(tarStarts()).toEqual([])
    expect(existsSync(`${dest}.tar`)).toBe(false)
  })

  it.each([false, true])(
    'an archive past the cap is stopped while it is decoded (node decoder: %s)',
    async (noZstd) => {
      if (noZstd) hideZstd()
      writeFileSync(path.join(dir, 'src/top/bin/aa-big'), Buffer.alloc(32 * 1024 ** 2, 1))
      const big = path.join(dir, 'big.tar.zst')
      execFileSync('/usr/bin/tar', ['--zstd', '-C', path.join(dir, 'src'), '-cf', big, 'top'])
      const dest = out()
      const limits = { maxBytes: 1024 ** 2, maxEntries: 100 }
      await expect(unpackAudited(big, dest, 'top', limits)).rejects.toThrow(/unpacks to more than 1048576 bytes/)
      expect(tarStarts()).toEqual([])
      expect(existsSync(`${dest}.tar`)).toBe(false)
    },
  )

  it('a refused header starts no tar: a setuid file', async () => {
    chmodSync(path.join(dir, 'src/top/bin/podman'), 0o4755)
    const a = path.join(dir, 'suid.tar.zst')
    execFileSync('/usr/bin/tar', ['--zstd', '-C', path.join(dir, 'src'), '-cf', a, 'top'])
    await expect(unpackAudited(a, out(), 'top')).rejects.toThrow(/top\/bin\/podman is setuid/)
    expect(tarStarts()).toEqual([])
  })
})

/** Every header node-tar's own Parser reads from `tar`: what readHeaders must agree with. */
async function parsed(tar: Buffer): Promise<string[]> {
  const seen: string[] = []
  const onReadEntry = (e: ReadEntry) => {
    seen.push(`${e.type} ${e.path}`)
    e.resume()
  }
  const p = new Parser({ strict: true, onReadEntry })
  await new Promise<void>((resolve) => p.on('end', resolve).end(tar))
  return seen
}

describe('readHeaders', () => {
  it.each(['gnu', 'pax'])('reads %s long names and link targets as node-tar does', async (format) => {
    const long = `top/${'d'.repeat(120)}/${'f'.repeat(120)}`
    mkdirSync(path.join(dir, 'src', path.dirname(long)), { recursive: true })
    writeFileSync(path.join(dir, 'src', long), 'body')
    symlinkSync(`../${'t'.repeat(150)}`, path.join(dir, 'src/top/link'))
    const file = path.join(dir, `${format}.tar`)
    execFileSync('/usr/bin/tar', [`--format=${format}`, '--sort=name', '-C', path.join(dir, 'src'), '-cf', file, 'top'])
    const entries = await readHeaders(file, 100)
    expect(entries.map((e) => `${e.type} ${e.path}`)).toEqual(await parsed(readFileSync(file)))
    expect(entries.map((e) => e.path)).toContain(long)
    expect(entries.find((e) => e.type === 'SymbolicLink')?.linkpath).toBe(`../${'t'.repeat(150)}`)
  })

  it('ends at the first zero block, as GNU tar does: a member after it is neither read nor unpacked', async () => {
    const valid = await tarOf([{ name: 'top/', type: 'directory' }, { name: 'top/a' }])
    const hidden = await tarOf([{ name: 'top/hidden', mode: 0o4755 }])
    const members = valid.subarray(0, 3 * 512) // two headers, one body block
    const file = path.join(dir, 'zero.tar')
    writeFileSync(file, Buffer.concat([members, Buffer.alloc(512), hidden]))
    expect((await readHeaders(file, 100)).map((e) => e.path)).toEqual(['top/', 'top/a'])
    const dest = out()
    execFileSync('/usr/bin/tar', ['-x', '-C', dest, '-f', file], { stdio: 'ignore' })
    expect(existsSync(path.join(dest, 'top/a'))).toBe(true)
    expect(existsSync(path.join(dest, 'top/hidden'))).toBe(false)
  })

  it('a bad checksum and more members than the cap are refused by name', async () => {
    const tar = await tarOf([{ name: 'top/', type: 'directory' }, { name: 'top/a' }, { name: 'top/b' }])
    const file = path.join(dir, 'x.tar')
    writeFileSync(file, tar)
    await expect(readHeaders(file, 2)).rejects.toThrow('Archive has more than 2 entries.')
    tar[512 + 10] ^= 1 // a byte of the second header's name
    writeFileSync(file, tar)
    await expect(readHeaders(file, 100)).rejects.toThrow(/not valid: checksum failure \(header at byte 512\)/)
  })
})
