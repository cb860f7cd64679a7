// source: archive's pure parts and its file lookups on real temp dirs: the variant from a
// layout, the release naming, the glob that must name one file, and the identity of a
// tree holding this host's real podman (its --version run for real).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { run } from '../../src/ports/exec.js'
import { findArchive } from '../../src/sources/archive.js'
import { identify, nameMismatches, parseAssetName, variantOf } from '../../src/sources/archive-identity.js'
import { rejection } from '../helpers/rejection.js'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ssp-archive-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const files =
  (...names: string[]) =>
  (rel: string) =>
    names.includes(rel)
const DEFAULT = ['usr/local/bin/podman', 'usr/local/bin/crun', 'usr/local/lib/podman/conmon']
const FULL = [
  ...DEFAULT,
  'usr/local/bin/pasta',
  'usr/local/lib/podman/netavark',
  'usr/local/lib/podman/aardvark-dns',
  'usr/local/lib/podman/catatonit',
]

describe('what an archive is', () => {
  it('the variant from the layout', () => {
    expect(variantOf(files('podman'))).toBe('standalone')
    expect(variantOf(files(...DEFAULT))).toBe('default')
    expect(variantOf(files(...FULL))).toBe('full')
    expect(variantOf(files('usr/local/bin/podman'))).toBeUndefined()
  })

  it('reads the release naming and names each disagreement', () => {
    expect(parseAssetName('podman-v5.7.1-linux-arm64-glibc-full.tar.zst')).toEqual({
      version: '5.7.1',
      arch: 'arm64',
      libc: 'glibc',
      variant: 'full',
    })
    expect(parseAssetName('podman-v5.7.1-linux-amd64-static.tar.zst')?.variant).toBe('default')
    expect(parseAssetName('my-podman-build.tar.zst')).toBeUndefined()
    const id = { version: '5.7.1', arch: 'amd64', libc: 'static', variant: 'full' } as const
    expect(nameMismatches('podman-v5.7.1-linux-amd64-static-full.tar.zst', id)).toEqual([])
    expect(nameMismatches('podman-v5.7.0-linux-amd64-glibc.tar.zst', id)).toEqual([
      'the name says version 5.7.0, the archive is 5.7.1',
      'the name says libc glibc, the archive is static',
      'the name says variant default, the archive is full',
    ])
    expect(nameMismatches('anything.tar.gz', id)).toEqual([])
  })

  it("a tree with this host's podman: version from podman --version, glibc from its binaries, amd64", async () => {
    const top = path.join(dir, 'podman-v0.0.1')
    mkdirSync(top, { recursive: true })
    copyFileSync('/usr/bin/podman', path.join(top, 'podman'))
    const id = await identify(top, run, 'amd64')
    expect(id).toMatchObject({ variant: 'standalone', version: '4.3.1', libc: 'glibc', arch: 'amd64' })
    await expect(identify(top, run, 'arm64')).rejects.toThrow('The archive is built for amd64; this runner is arm64.')
  })
})

describe('findArchive', () => {
  it('needs the glob to name exactly one archive', async () => {
    const ws = path.join(dir, 'ws')
    mkdirSync(path.join(ws, 'out'), { recursive: true })
    writeFileSync(path.join(ws, 'out/podman-v1.0.0-linux-amd64-static.tar.zst'), 'x')
    writeFileSync(path.join(ws, 'out/checksums.txt'), 'x')
    expect(await findArchive('out/*', ws)).toBe(path.join(ws, 'out/podman-v1.0.0-linux-amd64-static.tar.zst'))
    writeFileSync(path.join(ws, 'out/podman-v1.0.0-linux-amd64-static-full.tar.zst'), 'x')
    expect((await rejection(findArchive('out/podman-*', ws))).message).toMatch(
      new RegExp(
        String.raw`^archive: 'out/podman-\*' matches 2 archives \(.*static-full\.tar\.zst, .*static\.tar\.zst\) ` +
          String.raw`in .*; it must name exactly one\.$`,
      ),
    )
    expect((await rejection(findArchive('nothing/*.tar.zst', ws))).message).toContain(
      'matches no .tar.zst or .tar.gz file',
    )
  })
})
