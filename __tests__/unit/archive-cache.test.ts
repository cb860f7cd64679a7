// The Actions cache tier against a fake cache service on a real loopback socket, through the
// real @actions/cache client (its tar and zstd included): a restored entry is re-verified with
// the download path's own check before anything is unpacked, and one that does not prove its
// archive (a tampered archive with a self-written sha256, a missing bundle) is refused and the
// release downloaded. The release itself is scripted as data; signatures are checked for real.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import * as cache from '@actions/cache'
import * as tc from '@actions/tool-cache'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parseVersionSpec } from '../../src/inputs.js'
import { actionsCache, archiveSlot, keyPrefix, restoreArchive, saveArchive } from '../../src/install/archive-cache.js'
import type { Release } from '../../src/release/resolve.js'
import { installMgoltzsche, type MgoltzscheRequest } from '../../src/sources/mgoltzsche.js'
import { type InstallRequest, installPigfoot } from '../../src/sources/pigfoot.js'
import { type FakeCacheService, startFakeCacheService } from '../../test-support/actions-cache.js'
import { createTestKey } from '../../test-support/pgp.js'
import { createTestSigstore, TEST_ISSUER, type TestSigstore } from '../../test-support/sigstore.js'
import { actionsEnv, type ActionsEnv, captureStdout, type StdoutCapture } from '../helpers/actions-env.js'
import { scriptedHttp } from '../helpers/scripted-http.js'
import { installRequest } from '../helpers/install-request.js'

const VERSION = '5.7.1'
const ASSET = `podman-v${VERSION}-linux-amd64-static.tar.zst`
let service: FakeCacheService
let sigstore: TestSigstore
let env: ActionsEnv
let log: StdoutCapture
let files: Record<string, Buffer>

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

/** An archive laid out like the default variant, its podman printing `says`. */
function archive(says: string): Buffer {
  const src = path.join(env.dir, `src-${says}`)
  const bin = path.join(src, `podman-v${VERSION}`, 'usr/local/bin')
  mkdirSync(bin, { recursive: true })
  writeFileSync(path.join(bin, 'podman'), `#!/bin/sh\necho ${says}\n`, { mode: 0o755 })
  const out = path.join(env.dir, `${says}.tar.zst`)
  execFileSync('tar', ['--zstd', '-C', src, '-cf', out, `podman-v${VERSION}`])
  return readFileSync(out)
}

const release = (): Release => ({
  tag_name: `podman-v${VERSION}`,
  draft: false,
  prerelease: false,
  assets: Object.keys(files).map((name) => ({
    name,
    size: files[name].length,
    url: `https://api.test/a/${name}`,
    browser_download_url: '',
  })),
})
const http = () => scriptedHttp({ json: () => ({ body: [release()] }), file: (u) => files[u.split('/').pop() ?? ''] })

const request = (o: Partial<InstallRequest> = {}): InstallRequest =>
  installRequest({
    spec: parseVersionSpec(VERSION),
    verifySignature: 'auto',
    signerIdentity: /^https:\/\/github\.com\/pigfoot\/.*$/,
    signerIssuer: TEST_ISSUER,
    trustedRoot: sigstore.trustedRoot,
    cache,
    ...o,
  })

const slot = () => archiveSlot(process.env.RUNNER_TEMP as string, ASSET)
const installedPodman = (root: string) => execFileSync(path.join(root, 'usr/local/bin/podman'), { encoding: 'utf8' })
/** A new job on a fresh machine: empty tool cache and temp dir. */
function freshJob() {
  rmSync(process.env.RUNNER_TOOL_CACHE as string, { recursive: true, force: true })
  rmSync(process.env.RUNNER_TEMP as string, { recursive: true, force: true })
  mkdirSync(process.env.RUNNER_TEMP as string, { recursive: true })
}

/** Saves what the slot holds now under `key`, through the real client, as any job in the scope could. */
async function plant(key: string, edit: (dir: string) => void) {
  const s = slot()
  mkdirSync(s.dir, { recursive: true })
  for (const [name, body] of Object.entries(files)) if (name !== 'podman') writeFileSync(path.join(s.dir, name), body)
  edit(s.dir)
  await saveArchive(cache, key, [s.dir])
  expect(service.keys()).toContain(key)
  freshJob()
}

beforeAll(async () => {
  service = await startFakeCacheService()
  sigstore = await createTestSigstore()
})
afterAll(async () => {
  await service.close()
})
beforeEach(async () => {
  env = actionsEnv({}, { ...service.env, GITHUB_WORKSPACE: '' })
  process.env.GITHUB_WORKSPACE = env.dir
  delete process.env.ACTIONS_CACHE_SERVICE_V2
  delete process.env.ACTIONS_RESULTS_URL
  mkdirSync(process.env.RUNNER_TEMP as string, { recursive: true })
  const body = archive(`genuine-${Math.random()}`)
  const sums = Buffer.from(`${sha(body)}  ${ASSET}\n`)
  files = { [ASSET]: body, 'checksums.txt': sums }
  files['checksums.txt.bundle'] = Buffer.from(JSON.stringify(await sigstore.signBlob(sums)))
  log = captureStdout()
})
afterEach(() => {
  log.restore()
  env.restore()
})

describe('a restored entry proves its archive again', () => {
  it('an entry a job saved is restored with no request and verified offline: signature+sha256', async () => {
    const first = await installPigfoot(http(), tc, request())
    expect(first.cacheSave?.key).toBe(`setup-static-podman-v2/o/r/${ASSET}/${sha(files[ASSET])}`)
    expect(readdirSync(slot().dir).sort()).toEqual(['checksums.txt', 'checksums.txt.bundle', ASSET])
    await saveArchive(cache, first.cacheSave?.key as string, first.cacheSave?.paths as string[])
    freshJob()
    const h = http()
    const r = await installPigfoot(h, tc, request())
    expect(h.requests).toEqual([])
    expect(r).toMatchObject({ cacheHit: 'actions-cache', verified: 'signature+sha256' })
    expect(r.checks).toEqual(['signature (checksums.txt)', 'sha256'])
    expect(r.signature?.result?.issuer).toBe(TEST_ISSUER)
    expect(log.text()).not.toContain('::warning::')
  })

  it('a tampered archive with a matching self-written sha256 is refused; the release is downloaded', async () => {
    const evil = archive('planted')
    const key = `setup-static-podman-v2/o/r/${ASSET}/${sha(evil)}`
    await plant(key, (dir) => {
      writeFileSync(path.join(dir, ASSET), evil)
      writeFileSync(path.join(dir, 'checksums.txt'), `${sha(evil)}  ${ASSET}\n`)
    })
    const h = http()
    const lookups = () => service.requests.filter((q) => q.path.startsWith('/_apis/artifactcache/cache?')).length
    const before = lookups()
    const r = await installPigfoot(h, tc, request())
    expect(r).toMatchObject({ cacheHit: false, verified: 'signature+sha256' })
    expect(installedPodman(r.root)).toMatch(/^genuine-/)
    expect(lookups() - before).toBe(1) // a pinned version's miss is not asked again after resolving
    expect(log.text().match(/::warning::/g)).toHaveLength(1)
    expect(h.requests).toContain(`https://api.test/a/${ASSET}`)
    expect(log.text()).toContain(`::warning::The Actions cache entry ${key} does not prove its archive (checksums.txt`)
  })

  it('an entry without its bundle is refused, even where a release may lack one (auto, another repo)', async () => {
    const evil = archive('unsigned')
    await plant(`setup-static-podman-v2/o/r/${ASSET}/${sha(evil)}`, (dir) => {
      writeFileSync(path.join(dir, ASSET), evil)
      writeFileSync(path.join(dir, 'checksums.txt'), `${sha(evil)}  ${ASSET}\n`)
      rmSync(path.join(dir, 'checksums.txt.bundle'))
    })
    const r = await installPigfoot(http(), tc, request())
    expect(r).toMatchObject({ cacheHit: false, verified: 'signature+sha256' })
    expect(installedPodman(r.root)).toMatch(/^genuine-/)
    expect(log.text()).toMatch(/does not prove its archive \(it carries no signature to verify\)/)
    // refused before its check runs: no warning about the release lacking a signature
    expect(log.text()).not.toContain('No signature to verify')
  })

  it('a link in the entry is not followed: the check reads regular files only', async () => {
    await plant(`setup-static-podman-v2/o/r/${ASSET}/linked`, (dir) => {
      rmSync(path.join(dir, 'checksums.txt.bundle'))
      execFileSync('ln', ['-s', '/etc/hostname', path.join(dir, 'checksums.txt.bundle')])
    })
    const r = await installPigfoot(http(), tc, request())
    // the link is not a bundle to the check: the entry has no signature, and is refused
    expect(r).toMatchObject({ cacheHit: false, verified: 'signature+sha256' })
    expect(log.text()).toMatch(/entry .*\/linked does not prove its archive \(it carries no signature to verify/)
  })

  it('an unsigned download is not offered for saving', async () => {
    delete files['checksums.txt.bundle']
    const r = await installPigfoot(http(), tc, request())
    expect(r).toMatchObject({ verified: 'sha256', cacheSave: undefined })
  })
})

describe('mgoltzsche: the .asc in the entry, checked with the pinned key', () => {
  const MG = 'podman-linux-amd64.tar.gz'
  const mgArchive = (says: string) => {
    const src = path.join(env.dir, `mg-${says}`)
    mkdirSync(path.join(src, 'podman-linux-amd64/usr/local/bin'), { recursive: true })
    writeFileSync(path.join(src, 'podman-linux-amd64/usr/local/bin/podman'), `#!/bin/sh\necho ${says}\n`, {
      mode: 0o755,
    })
    execFileSync('tar', ['-czf', path.join(src, MG), '-C', src, 'podman-linux-amd64'])
    return readFileSync(path.join(src, MG))
  }

  it('a saved entry verifies by the signature; a planted archive beside the real .asc is refused', async () => {
    const key = await createTestKey()
    const body = mgArchive('genuine')
    const mg: Record<string, Buffer> = { [MG]: body, [`${MG}.asc`]: Buffer.from(await key.signBytes(body)) }
    const assets = Object.keys(mg).map((name) => ({ name, size: mg[name].length, url: `https://api.test/${name}` }))
    const rel = { tag_name: 'v5.8.4', draft: false, prerelease: false, assets }
    const keyUrl = 'https://github.com/mgoltzsche.gpg'
    const h = () =>
      scriptedHttp({
        json: () => ({ body: [{ ...rel, assets: assets.map((a) => ({ ...a, browser_download_url: '' })) }] }),
        file: (u) => (u === keyUrl ? key.publicArmored : mg[u.split('/').pop() ?? '']),
      })
    const req: MgoltzscheRequest = {
      apiUrl: 'https://api.github.com',
      owner: 'mgoltzsche',
      repo: 'podman-static',
      spec: parseVersionSpec('5.8.4'),
      checkLatest: false,
      arch: 'amd64',
      temp: process.env.RUNNER_TEMP as string,
      toolCache: process.env.RUNNER_TOOL_CACHE as string,
      fingerprint: key.fingerprint,
      cache,
    }
    const first = await installMgoltzsche(h(), tc, req)
    await saveArchive(cache, first.cacheSave?.key as string, first.cacheSave?.paths as string[])
    freshJob()
    const again = h()
    const hit = await installMgoltzsche(again, tc, req)
    expect(hit).toMatchObject({ cacheHit: 'actions-cache', verified: 'openpgp-signature' })
    expect(again.requests).toEqual([keyUrl]) // the pinned key, not the release
    const evil = mgArchive('planted')
    const slotDir = path.join(process.env.RUNNER_TEMP as string, 'setup-static-podman/archives/mgoltzsche-v5.8.4-' + MG)
    mkdirSync(slotDir, { recursive: true })
    writeFileSync(path.join(slotDir, `mgoltzsche-v5.8.4-${MG}`), evil)
    writeFileSync(path.join(slotDir, `${MG}.asc`), mg[`${MG}.asc`])
    await saveArchive(cache, `setup-static-podman-v2/mgoltzsche/podman-static/mgoltzsche-v5.8.4-${MG}/${sha(evil)}`, [
      slotDir,
    ])
    freshJob()
    const r = await installMgoltzsche(h(), tc, req)
    expect(r).toMatchObject({ cacheHit: false, verified: 'openpgp-signature+size' })
    expect(installedPodman(r.root)).toBe('genuine\n')
    expect(log.text()).toMatch(
      /entry \S+ does not prove its archive \(podman-linux-amd64\.tar\.gz: the OpenPGP signature/,
    )
  })
})

describe('the key and the cache client', () => {
  it('with neither service variable the library is not loaded: it could only answer no', async () => {
    let loads = 0
    // the library as loaded, answering yes: only a call that loads it can say yes
    const load = async () => {
      loads++
      return { ...cache, isFeatureAvailable: () => true }
    }
    expect(await actionsCache(load, { PATH: '/usr/bin' }).isFeatureAvailable()).toBe(false)
    expect(loads).toBe(0)
    // either variable named: the library decides
    expect(await actionsCache(load, { ACTIONS_CACHE_URL: 'http://127.0.0.1:1/' }).isFeatureAvailable()).toBe(true)
    expect(await actionsCache(load, { ACTIONS_RESULTS_URL: 'http://127.0.0.1:1/' }).isFeatureAvailable()).toBe(true)
    expect(loads).toBe(2)
  })

  it('the owner/repo separator is unambiguous: a-b/c and a/b-c share no prefix', () => {
    const one = keyPrefix('a-b', 'c', ASSET)
    const two = keyPrefix('a', 'b-c', ASSET)
    expect(one.startsWith(two) || two.startsWith(one)).toBe(false)
    expect(one).toBe(`setup-static-podman-v2/a-b/c/${ASSET}/`)
  })

  it('tar and zstd spawned by @actions/cache do not inherit the token or the inputs', async () => {
    const bin = path.join(env.dir, 'bin')
    mkdirSync(bin)
    const record = path.join(env.dir, 'tar-env')
    const realTar = execFileSync('sh', ['-c', 'command -v tar'], { encoding: 'utf8' }).trim()
    writeFileSync(path.join(bin, 'tar'), `#!/bin/sh\nenv >> "${record}"\nexec ${realTar} "$@"\n`)
    chmodSync(path.join(bin, 'tar'), 0o755)
    process.env.PATH = `${bin}:${process.env.PATH}`
    process.env['INPUT_GITHUB-TOKEN'] = 'ghs_secretvalue123'
    process.env.GITHUB_TOKEN = 'ghs_secretvalue123'
    const s = slot()
    mkdirSync(s.dir, { recursive: true })
    writeFileSync(s.archive, 'bytes')
    await saveArchive(cache, 'setup-static-podman-v2/o/r/env-check/1', [s.dir])
    rmSync(s.dir, { recursive: true })
    expect(await restoreArchive(cache, s, 'setup-static-podman-v2/o/r/env-check/')).toBe(
      'setup-static-podman-v2/o/r/env-check/1',
    )
    const seen = readFileSync(record, 'utf8')
    expect(seen).toContain('ACTIONS_CACHE_URL=') // the wrapper ran, for create and extract alike
    expect(seen).not.toContain('ghs_secretvalue123')
    expect(seen).not.toMatch(/^INPUT_/m)
    expect(process.env['INPUT_GITHUB-TOKEN']).toBe('ghs_secretvalue123')
  })
})
