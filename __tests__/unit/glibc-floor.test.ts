// The glibc floor read from real binaries: the host's Debian 12 builds and the Debian
// testing (forky) tree's, checked against readelf's reading of the same files, and the
// libc choice made from it with the Run port scripted (ldd --version) and real trees.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import semver from 'semver'
import { glibcFits, glibcVersion } from '../../src/host/libc.js'
import { elfVersionNeeds, ElfError, parseHeader } from '../../src/install/elf.js'
import { floorOf, glibcFloor, glibcRelease } from '../../src/install/glibc-floor.js'
import { run } from '../../src/ports/exec.js'
import type { Run } from '../../src/ports/types.js'
import { GlibcTooOldError, installForLibc } from '../../src/sources/libc.js'
import { treeRoot } from '../../test-support/workspace.js'
import { rejection } from '../helpers/rejection.js'

const FORKY = treeRoot('forky')
const BINARIES = ['usr/bin/podman', 'usr/bin/crun', 'usr/bin/conmon', 'usr/bin/pasta']

/** readelf -V: per needed file, its version names (the independent reading). */
function readelfNeeds(file: string): Record<string, string[]> {
  const out = execFileSync('readelf', ['-V', '-W', file], { encoding: 'utf8' })
  const section = out.split(/Version needs section/)[1] ?? ''
  const needs: Record<string, string[]> = {}
  let current = ''
  for (const line of section.split('\n')) {
    const f = /File: (\S+)/.exec(line)
    if (f) current = f[1]
    const n = /Name: (\S+)/.exec(line)
    if (n && current) {
      needs[current] ??= []
      needs[current].push(n[1])
    }
  }
  return needs
}

const asRecord = (needs: { file: string; versions: string[] }[]) =>
  Object.fromEntries(needs.map((n) => [n.file, [...n.versions].sort()]))
const sorted = (r: Record<string, string[]>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.sort()]))
const maxGlibc = (needs: Record<string, string[]>) =>
  Object.values(needs)
    .flat()
    .map(glibcRelease)
    .filter((v): v is string => Boolean(v))
    .sort(semver.rcompare)[0]

let hostGlibc: string
let dir: string
beforeAll(async () => {
  hostGlibc = (await glibcVersion(run)) as string
  dir = mkdtempSync(path.join(os.tmpdir(), 'ssp-glibc-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A release-like tree under the test dir with copies of `files` from `from`. */
function tree(name: string, from: string, files: string[]): string {
  const root = path.join(dir, name)
  rmSync(root, { recursive: true, force: true })
  mkdirSync(path.join(root, 'usr/local/bin'), { recursive: true })
  for (const rel of files) copyFileSync(path.join(from, rel), path.join(root, 'usr/local/bin', path.basename(rel)))
  writeFileSync(path.join(root, 'README.txt'), 'not a binary\n')
  return root
}

describe('elfVersionNeeds reads .gnu.version_r as readelf does', () => {
  it.each(BINARIES)('host /%s', async (rel) => {
    const file = path.join('/', rel)
    expect(asRecord((await elfVersionNeeds(file)) ?? [])).toEqual(sorted(readelfNeeds(file)))
  })

  it.each(BINARIES)('forky /%s', async (rel) => {
    const file = path.join(FORKY, rel)
    const needs = (await elfVersionNeeds(file)) ?? []
    expect(needs.length).toBeGreaterThan(0)
    expect(asRecord(needs)).toEqual(sorted(readelfNeeds(file)))
  })

  it('a statically linked binary needs nothing; a text file is not ELF', async () => {
    expect(await elfVersionNeeds('/bin/busybox')).toEqual([])
    const text = path.join(dir, 'notes.txt')
    writeFileSync(text, 'x'.repeat(100))
    expect(await elfVersionNeeds(text)).toBeUndefined()
  })

  it('a truncated ELF is an error, not an empty answer', async () => {
    const cut = path.join(dir, 'cut')
    const head = execFileSync('head', ['-c', '4096', path.join(FORKY, 'usr/bin/crun')])
    writeFileSync(cut, head)
    expect(await rejection(elfVersionNeeds(cut))).toBeInstanceOf(ElfError)
    expect(parseHeader(head.subarray(0, 64))).toMatchObject({ is64: true, le: true })
  })
})

describe('the glibc floor of a tree', () => {
  it("forky's binaries need a newer glibc than this Debian 12 host has; the host's own run here", async () => {
    const forky = await glibcFloor(tree('forky', FORKY, BINARIES))
    const oracle = semver.rsort(BINARIES.map((b) => maxGlibc(readelfNeeds(path.join(FORKY, b))) as string))[0]
    expect(forky.floor?.version).toBe(oracle)
    expect(forky.binaries).toBe(BINARIES.length)
    expect(semver.gt(oracle, semver.coerce(hostGlibc)?.version as string)).toBe(true)
    const misfit = glibcFits(forky, hostGlibc)
    expect(misfit.ok).toBe(false)
    expect(misfit.reason).toContain(`${forky.floor?.name} (glibc >= ${oracle.replace(/\.0$/, '')})`)
    expect(misfit.reason).toContain(`the host has glibc ${hostGlibc}`)
    const host = await glibcFloor(tree('host', '/', BINARIES))
    expect(glibcFits(host, hostGlibc)).toMatchObject({ ok: true })
    expect(glibcFits(host, undefined)).toMatchObject({ ok: false })
  })

  it('a static tree has no floor', async () => {
    const floor = await glibcFloor(tree('static', '/', ['bin/busybox']))
    expect(floor).toEqual({ unknown: [], binaries: 1 })
    expect(glibcFits(floor, undefined).ok).toBe(true)
  })

  it('maps ABI markers it knows, names the ones it does not, ignores GLIBC_PRIVATE and other libraries', () => {
    const floor = floorOf([
      { file: 'a', needs: [{ file: 'libc.so.6', versions: ['GLIBC_2.34', 'GLIBC_ABI_DT_RELR', 'GLIBC_PRIVATE'] }] },
      { file: 'b', needs: [{ file: 'libc.so.6', versions: ['GLIBC_2.3.4', 'GLIBC_ABI_NEW_THING'] }] },
      { file: 'c', needs: [{ file: 'libsystemd.so.0', versions: ['LIBSYSTEMD_252'] }] },
    ])
    expect(floor.floor).toEqual({ version: '2.36.0', name: 'GLIBC_ABI_DT_RELR', file: 'a' })
    expect(floor.unknown).toEqual([{ name: 'GLIBC_ABI_NEW_THING', file: 'b' }])
    expect(glibcFits(floor, '2.43').unknown).toContain('b needs GLIBC_ABI_NEW_THING')
  })
})

describe('installForLibc decides from the unpacked binaries', () => {
  const ldd = (version: string | undefined): Run =>
    (async (cmd: string) => {
      if (cmd !== 'ldd') throw new Error(`unexpected ${cmd}`)
      return version
        ? { exitCode: 0, stdout: `ldd (Debian GLIBC ${version}-1) ${version}\n`, stderr: '' }
        : { exitCode: 127, stdout: '', stderr: 'ldd: not found' }
    }) as Run
  let roots: Record<'glibc' | 'static', string>
  beforeAll(() => {
    roots = { glibc: tree('forky-crun', FORKY, ['usr/bin/crun']), static: tree('busybox', '/', ['bin/busybox']) }
  })
  const installer = () => {
    const calls: string[] = []
    const install = async (libc: 'glibc' | 'static') => {
      calls.push(libc)
      return { root: roots[libc] }
    }
    return { calls, install }
  }

  it('auto on a host too old for the binaries: unpacks glibc, reads it, installs static', async () => {
    const { calls, install } = installer()
    const r = await installForLibc(ldd('2.36'), 'auto', install)
    expect(calls).toEqual(['glibc', 'static'])
    expect(r.choice.libc).toBe('static')
    expect(r.choice.reason).toContain('the host has glibc 2.36')
  })

  it('glibc on that host fails naming the required and present versions, after one unpack', async () => {
    const { calls, install } = installer()
    const err = await rejection(installForLibc(ldd('2.36'), 'glibc', install))
    expect(err).toBeInstanceOf(GlibcTooOldError)
    expect((err as Error).message).toMatch(/needs GLIBC_2\.\d+ \(glibc >= 2\.\d+\); the host has glibc 2\.36/)
    expect(calls).toEqual(['glibc'])
  })

  it('auto on a host new enough keeps glibc; without glibc it never downloads the glibc build', async () => {
    const newer = installer()
    expect((await installForLibc(ldd('2.99'), 'auto', newer.install)).choice.libc).toBe('glibc')
    expect(newer.calls).toEqual(['glibc'])
    const musl = installer()
    expect((await installForLibc(ldd(undefined), 'auto', musl.install)).choice.libc).toBe('static')
    expect(musl.calls).toEqual(['static'])
  })
})
