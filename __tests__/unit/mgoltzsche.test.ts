// The mgoltzsche/podman-static source with the Http port scripted as data, a real tar.gz laid
// out like its release, a real OpenPGP signature by a throwaway key, and the REAL tool cache.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import * as tc from '@actions/tool-cache'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parseVersionSpec } from '../../src/inputs.js'
import { resolveLayout } from '../../src/install/layout.js'
import { ignoredInputsWarning } from '../../src/sources/index.js'
import {
  installMgoltzsche,
  MGOLTZSCHE_LAYOUT,
  type MgoltzscheRequest,
  resolveMgoltzscheVersion,
} from '../../src/sources/mgoltzsche.js'
import { pathDir } from '../../src/install/wire.js'
import type { Release } from '../../src/release/resolve.js'
import type { PgpError } from '../../src/verify/openpgp.js'
import { createTestKey, type TestKey } from '../../test-support/pgp.js'
import { scriptedHttp } from '../helpers/scripted-http.js'
import { rejection as rejectionOf } from '../helpers/rejection.js'
import { actionsEnv, type ActionsEnv, captureStdout, type StdoutCapture } from '../helpers/actions-env.js'
import { regex } from '../helpers/regex.js'

const rejection = (p: Promise<unknown>) => rejectionOf<PgpError>(p)

const ASSET = 'podman-linux-amd64.tar.gz'
const BIN = ['podman', 'crun', 'runc', 'fuse-overlayfs', 'fusermount3', 'pasta', 'pasta.avx2']
const LIB = ['conmon', 'netavark', 'aardvark-dns', 'catatonit', 'rootlessport']
let key: TestKey
let other: TestKey
let env: ActionsEnv
let out: StdoutCapture
let files: Record<string, Buffer>

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

/** A tiny archive with the real one's tree, its etc/containers included. */
function archive(dir: string, marker = 'v5.8.4'): Buffer {
  const top = path.join(dir, 'src', 'podman-linux-amd64')
  for (const d of ['usr/local/bin', 'usr/local/lib/podman', 'etc/containers'])
    mkdirSync(path.join(top, d), { recursive: true })
  for (const n of BIN)
    writeFileSync(path.join(top, 'usr/local/bin', n), `#!/bin/sh\necho ${n} ${marker}\n`, { mode: 0o755 })
  for (const n of LIB)
    writeFileSync(path.join(top, 'usr/local/lib/podman', n), `#!/bin/sh\necho ${n}\n`, { mode: 0o755 })
  writeFileSync(
    path.join(top, 'etc/containers/storage.conf'),
    '[storage.options.overlay]\nmount_program = "/usr/local/bin/fuse-overlayfs"\n',
  )
  const out = path.join(dir, ASSET)
  execFileSync('tar', ['-czf', out, '-C', path.join(dir, 'src'), 'podman-linux-amd64'])
  return readFileSync(out)
}

function release(tag: string, o: Partial<Release> = {}): Release {
  const names = [ASSET, `${ASSET}.asc`, 'podman-linux-arm64.tar.gz']
  const assets = names.map((name) => ({
    name,
    size: files[name]?.length ?? 1,
    digest: files[name] ? `sha256:${sha(files[name])}` : null,
    url: `https://api.test/${tag}/${name}`,
    browser_download_url: '',
  }))
  return { tag_name: tag, draft: false, prerelease: false, assets, ...o }
}

const RELEASES = (): Release[] => [
  release('v6.0.0-rc1', { prerelease: true }),
  release('v9.9.9', { draft: true }),
  release('v5.8.4'),
  release('not-a-version'),
  release('v5.8.3'),
]

const http = (releases: Release[], keys: Record<string, string>) =>
  scriptedHttp({ json: () => ({ body: releases }), file: (url) => keys[url] ?? files[url.split('/').pop() as string] })

const GH = 'https://github.com/mgoltzsche.gpg'
const httpWithKey = (armored = key.publicArmored) => http(RELEASES(), { [GH]: armored })

const request = (o: Partial<MgoltzscheRequest> = {}): MgoltzscheRequest => ({
  apiUrl: 'https://api.github.com',
  owner: 'mgoltzsche',
  repo: 'podman-static',
  spec: parseVersionSpec('latest'),
  checkLatest: false,
  arch: 'amd64',
  temp: process.env.RUNNER_TEMP as string,
  toolCache: process.env.RUNNER_TOOL_CACHE as string,
  fingerprint: key.fingerprint,
  ...o,
})

beforeAll(async () => {
  ;[key, other] = await Promise.all([createTestKey(), createTestKey('other')])
})
beforeEach(async () => {
  env = actionsEnv()
  mkdirSync(process.env.RUNNER_TEMP as string, { recursive: true })
  out = captureStdout()
  const body = archive(env.dir)
  files = { [ASSET]: body, [`${ASSET}.asc`]: Buffer.from(await key.signBytes(body)) }
})
afterEach(() => {
  out.restore()
  env.restore()
})

const completeEntries = () => {
  const dir = path.join(process.env.RUNNER_TOOL_CACHE as string, 'podman-mgoltzsche')
  return existsSync(dir)
    ? readdirSync(dir, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.complete'))
    : []
}

describe('installMgoltzsche', () => {
  it('resolves vX.Y.Z tags by semver, skipping drafts, prereleases and other tags', async () => {
    const h = httpWithKey()
    expect(await resolveMgoltzscheVersion(h, request())).toBe('5.8.4')
    expect(await resolveMgoltzscheVersion(h, request({ spec: parseVersionSpec('<5.8.4') }))).toBe('5.8.3')
    expect(await resolveMgoltzscheVersion(h, request({ spec: parseVersionSpec('6.0.0-rc1'), checkLatest: true }))).toBe(
      '6.0.0-rc1',
    )
    await expect(resolveMgoltzscheVersion(h, request({ spec: parseVersionSpec('4') }))).rejects.toThrow(
      "No podman release matches '4'. Newest available: 5.8.4, 5.8.3.",
    )
  })

  it('decides prereleases by tag, not by the flag: upstream creates every release as a prerelease', async () => {
    const upstream = [
      release('v5.8.5-rc1'),
      release('v5.8.5', { prerelease: true }),
      release('v5.8.4', { prerelease: true }),
    ]
    const h = http(upstream, { [GH]: key.publicArmored })
    expect(await resolveMgoltzscheVersion(h, request())).toBe('5.8.5')
    expect(await resolveMgoltzscheVersion(h, request({ spec: parseVersionSpec('5.8.4'), checkLatest: true }))).toBe(
      '5.8.4',
    )
    expect(
      await resolveMgoltzscheVersion(h, request({ spec: parseVersionSpec('>=5.8.5-rc0'), checkLatest: true })),
    ).toBe('5.8.5')
  })

  it('downloads, verifies the signature by the pinned key, installs; an exact version then hits', async () => {
    const first = await installMgoltzsche(httpWithKey(), tc, request())
    expect(first).toMatchObject({
      version: '5.8.4',
      cacheHit: false,
      verified: 'openpgp-signature+size+digest',
      asset: ASSET,
    })
    expect(first.checks).toEqual([`openpgp signature by ${key.fingerprint}`, 'size', 'digest'])
    expect(first.root).toBe(path.join(process.env.RUNNER_TOOL_CACHE as string, 'podman-mgoltzsche', '5.8.4', 'amd64'))
    const installed = resolveLayout(first.root, MGOLTZSCHE_LAYOUT)
    for (const p of [installed.podman, installed.crun, installed.conmon, installed.catatonit])
      expect(existsSync(p as string)).toBe(true)
    expect(installed.helperDirs).toEqual([`${first.root}/usr/local/lib/podman`, `${first.root}/usr/local/bin`])
    const h = httpWithKey()
    const again = await installMgoltzsche(h, tc, request({ spec: parseVersionSpec('v5.8.4') }))
    expect(again).toMatchObject({
      cacheHit: 'tool-cache',
      root: first.root,
      verified: 'openpgp-signature+size+digest',
      asset: ASSET,
    })
    expect(h.requests).toEqual([])
  })

  it('a tampered archive fails on the signature and leaves no tool-cache entry', async () => {
    const bytes = Buffer.from(files[ASSET])
    bytes[bytes.length - 9] ^= 0xff // inside the gzip trailer's CRC: still the same size
    files[ASSET] = bytes
    const err = await rejection(installMgoltzsche(httpWithKey(), tc, request()))
    expect(err.kind).toBe('bad-signature')
    expect(err.message).toMatch(
      regex(
        /^podman-linux-amd64\.tar\.gz: the OpenPGP signature podman-linux-amd64\.tar\.gz\.asc does not /,
        /verify with the pinned key/,
      ),
    )
    expect(completeEntries()).toEqual([])
    expect(tc.find('podman-mgoltzsche', '5.8.4', 'amd64')).toBe('')
  })

  it('an archive signed by another key fails as wrong-key, naming both', async () => {
    files[`${ASSET}.asc`] = Buffer.from(await other.signBytes(files[ASSET]))
    const err = await rejection(installMgoltzsche(httpWithKey(), tc, request()))
    expect(err.message).toBe(
      `${ASSET}.asc was signed by ${other.fingerprint}, not by the pinned key ${key.fingerprint} (set ` +
        `source-key-fingerprint for a fork).`,
    )
    expect(completeEntries()).toEqual([])
  })

  it('a pin no served key has fails before anything is extracted', async () => {
    const pin = '0CCF102C4F95D89E583FF1D4F8B5AF50344BB503'
    const keys = http(RELEASES(), {
      [GH]: key.publicArmored,
      [`https://keys.openpgp.org/vks/v1/by-fingerprint/${pin}`]: other.publicArmored,
    })
    await expect(installMgoltzsche(keys, tc, request({ fingerprint: pin }))).rejects.toThrow(
      `Could not get the OpenPGP key ${pin}: ${GH} has the key(s) ${key.fingerprint}, ` +
        `none of them the pinned ${pin}; https://keyserver.ubuntu.com/pks/lookup?op=get&options=mr&search=0x${pin}: ` +
        `HTTP 404; https://keys.openpgp.org/vks/v1/by-fingerprint/${pin} has the key(s) ${other.fingerprint}, ` +
        `none of them the pinned ${pin}`,
    )
    expect(completeEntries()).toEqual([])
  })

  it('its non-setuid fusermount3 is kept off PATH while the system has a setuid one', async () => {
    // The Debian 12 test host has /usr/bin/fusermount3 setuid root (fuse3, pulled in by fuse-overlayfs).
    expect(lstatSync('/usr/bin/fusermount3').mode & 0o4000).toBe(0o4000)
    const { root } = await installMgoltzsche(httpWithKey(), tc, request())
    const bin = resolveLayout(root, MGOLTZSCHE_LAYOUT).bin
    const { dir, hidden } = await pathDir(bin, process.env.RUNNER_TEMP as string)
    expect(hidden).toEqual(['fusermount3'])
    expect(dir).not.toBe(bin)
    expect(readdirSync(dir).sort()).toEqual(BIN.filter((n) => n !== 'fusermount3').sort())
    expect(readFileSync(path.join(dir, 'podman'), 'utf8')).toContain('podman v5.8.4')
  })
})

describe('ignoredInputsWarning', () => {
  it('says variant and libc do not apply to mgoltzsche and system, and only when they were set', () => {
    expect(ignoredInputsWarning({ source: 'mgoltzsche', variant: 'full', libc: 'glibc' })).toBe(
      'variant: full and libc: glibc ignored with source: mgoltzsche: ' +
        'mgoltzsche/podman-static publishes one asset per architecture.',
    )
    expect(ignoredInputsWarning({ source: 'system', variant: 'auto', libc: 'static' })).toBe(
      'variant: auto ignored with source: system: the podman already on the runner is used as it is.',
    )
    expect(ignoredInputsWarning({ source: 'mgoltzsche', variant: 'default', libc: 'static' })).toBeUndefined()
    expect(ignoredInputsWarning({ source: 'pigfoot', variant: 'full', libc: 'glibc' })).toBeUndefined()
  })
})
