// The default source's install path with the Http port scripted as data and the REAL
// @actions/core and tool-cache on temp dirs: cache hits make no request, signatures are
// checked for real, and a failed verification leaves no tool-cache entry behind.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import * as tc from '@actions/tool-cache'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parseVersionSpec } from '../../src/inputs.js'
import type { Cache } from '../../src/install/archive-cache.js'
import { installPigfoot, type InstallRequest } from '../../src/sources/pigfoot.js'
import type { Release } from '../../src/release/resolve.js'
import { createTestSigstore, TEST_ISSUER, type TestSigstore } from '../../test-support/sigstore.js'
import { scriptedHttp } from '../helpers/scripted-http.js'
import { installRequest } from '../helpers/install-request.js'
import { actionsEnv, type ActionsEnv, captureStdout, type StdoutCapture } from '../helpers/actions-env.js'

const ASSET = 'podman-v5.7.1-linux-amd64-static.tar.zst'
let env: ActionsEnv
let files: Record<string, Buffer>
let sigstore: TestSigstore

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

/** A tiny archive laid out like the default variant. */
function archive(dir: string): Buffer {
  const top = path.join(dir, 'src', 'podman-v5.7.1')
  mkdirSync(path.join(top, 'usr/local/bin'), { recursive: true })
  writeFileSync(path.join(top, 'usr/local/bin/podman'), '#!/bin/sh\necho podman version 5.7.1\n', { mode: 0o755 })
  const out = path.join(dir, ASSET)
  execFileSync('tar', ['--zstd', '-C', path.join(dir, 'src'), '-cf', out, 'podman-v5.7.1'])
  return readFileSync(out)
}

function release(extra: string[] = []): Release {
  const names = [ASSET, 'checksums.txt', ...extra]
  return {
    tag_name: 'podman-v5.7.1',
    draft: false,
    prerelease: false,
    assets: names.map((name) => ({
      name,
      size: files[name].length,
      url: `https://api.test/a/${name}`,
      browser_download_url: '',
    })),
  }
}

const http = (releases: Release[]) =>
  scriptedHttp({ json: () => ({ body: releases }), file: (url) => files[url.split('/').pop() as string] })

const request = (o: Partial<InstallRequest> = {}): InstallRequest =>
  installRequest({
    verifySignature: 'auto',
    signerIdentity: /^https:\/\/github\.com\/pigfoot\/.*$/,
    signerIssuer: TEST_ISSUER,
    trustedRoot: sigstore.trustedRoot,
    ...o,
  })

beforeAll(async () => {
  sigstore = await createTestSigstore()
})
beforeEach(() => {
  env = actionsEnv()
  mkdirSync(process.env.RUNNER_TEMP as string, { recursive: true })
  const body = archive(env.dir)
  const sums = Buffer.from(`${sha(body)}  ${ASSET}\n`)
  files = { [ASSET]: body, 'checksums.txt': sums }
})
afterEach(() => env.restore())

const cached = () => tc.find('podman-default-static', '5.7.1', 'amd64')

describe('installPigfoot', () => {
  it('downloads, verifies and caches; a pinned version is then found with no request at all', async () => {
    const first = await installPigfoot(http([release()]), tc, request())
    expect(first).toMatchObject({ version: '5.7.1', cacheHit: false, verified: 'sha256', checks: ['size', 'sha256'] })
    expect(existsSync(path.join(first.root, 'usr/local/bin/podman'))).toBe(true)
    const h = http([release()])
    const again = await installPigfoot(h, tc, request({ spec: parseVersionSpec('5.7.1') }))
    expect(again).toMatchObject({ cacheHit: 'tool-cache', root: first.root, verified: 'sha256', asset: ASSET })
    expect(h.requests).toEqual([])
  })

  it('resolves a range from the job-scoped listing; check-latest asks the API again', async () => {
    await installPigfoot(http([release()]), tc, request())
    const h = http([release()])
    await installPigfoot(h, tc, request({ spec: parseVersionSpec('5.x') }))
    expect(h.requests).toEqual([])
  })

  it('check-latest asks the API even when the pinned version is cached', async () => {
    await installPigfoot(http([release()]), tc, request())
    const h = http([release()])
    await installPigfoot(h, tc, request({ spec: parseVersionSpec('5.7.1'), checkLatest: true }))
    expect(h.requests).toEqual(['https://api.test/repos/o/r/releases?per_page=100'])
  })

  it('verifies the signed checksums.txt, then the asset through it', async () => {
    files['checksums.txt.bundle'] = Buffer.from(JSON.stringify(await sigstore.signBlob(files['checksums.txt'])))
    const r = await installPigfoot(http([release(['checksums.txt.bundle'])]), tc, request({ verifySignature: 'true' }))
    expect(r.verified).toBe('signature+sha256')
    expect(r.checks[0]).toBe('signature (checksums.txt)')
    expect(r.signature?.result?.issuer).toBe(TEST_ISSUER)
  })

  it('fails closed on a checksums.txt that does not match its bundle, and caches nothing', async () => {
    files['checksums.txt.bundle'] = Buffer.from(JSON.stringify(await sigstore.signBlob(Buffer.from('other content'))))
    await expect(installPigfoot(http([release(['checksums.txt.bundle'])]), tc, request())).rejects.toThrow(
      /checksums\.txt/,
    )
    expect(cached()).toBe('')
  })

  it('a bundle that is there but cannot be verified fails under auto too (legacy format, new mediaType)', async () => {
    const legacy = {
      base64Signature: 'MEUCIQ==',
      cert: 'LS0tLS1CRUdJTg==',
      rekorBundle: { SignedEntryTimestamp: 'x', Payload: {} },
    }
    const real = (await sigstore.signBlob(files['checksums.txt'])) as { mediaType: string }
    for (const bundle of [legacy, { ...real, mediaType: 'application/vnd.dev.sigstore.bundle.v9+json' }]) {
      files['checksums.txt.bundle'] = Buffer.from(JSON.stringify(bundle))
      for (const mode of ['auto', 'true'] as const) {
        await expect(
          installPigfoot(http([release(['checksums.txt.bundle'])]), tc, request({ verifySignature: mode })),
        ).rejects.toThrow(/legacy|cosign 2|mediaType|media type/i)
        expect(cached()).toBe('')
      }
    }
  })

  it('the default repository without a bundle fails under auto, naming verify-signature: false', async () => {
    const pigfoot = { owner: 'pigfoot', repo: 'static-rootless-container-tools' }
    await expect(installPigfoot(http([release()]), tc, request(pigfoot))).rejects.toThrow(
      'but pigfoot/static-rootless-container-tools signs every release: refusing it. ' +
        'Set verify-signature: false to accept sha256 only.',
    )
    expect(cached()).toBe('')
    const log = captureStdout()
    try {
      const r = await installPigfoot(http([release()]), tc, request())
      expect(r.verified).toBe('sha256')
      expect(log.text()).toMatch(/::warning::No signature to verify/)
    } finally {
      log.restore()
    }
  })

  it('with verify-signature true, a release without bundles fails before anything is cached', async () => {
    await expect(installPigfoot(http([release()]), tc, request({ verifySignature: 'true' }))).rejects.toThrow(
      'verify-signature is true but release podman-v5.7.1 has no checksums.txt.bundle or ' +
        'podman-v5.7.1-linux-amd64-static.tar.zst.bundle.',
    )
    expect(cached()).toBe('')
  })

  it('rejects a flipped byte with both checksums in the message and caches nothing', async () => {
    const good = sha(files[ASSET])
    files[ASSET] = Buffer.from(files[ASSET])
    files[ASSET][100] ^= 1
    await expect(installPigfoot(http([release()]), tc, request())).rejects.toThrow(`checksums.txt says ${good}`)
    expect(cached()).toBe('')
  })

  it('keeps variants apart in the tool cache', async () => {
    await installPigfoot(http([release()]), tc, request())
    expect(tc.find('podman-full-static', '5.7.1', 'amd64')).toBe('')
    expect(tc.find('podman-default-glibc', '5.7.1', 'amd64')).toBe('')
    expect(cached()).not.toBe('')
  })
})

/** An Actions cache scripted as data: entries are directories copied in and out. */
function scriptedCache(store: Map<string, string>, fail?: string): Cache & { saved: string[] } {
  const saved: string[] = []
  return {
    saved,
    isFeatureAvailable: () => true,
    restoreCache: async (paths, _key, restoreKeys = []) => {
      if (fail) throw new Error(fail)
      const key = [...store.keys()].find((k) => restoreKeys.some((p) => k.startsWith(p)))
      if (!key) return undefined
      cpSync(store.get(key) as string, paths[0], { recursive: true })
      return key
    },
    saveCache: async (paths, key) => {
      const copy = path.join(env.dir, `saved-${store.size}`)
      cpSync(paths[0], copy, { recursive: true })
      store.set(key, copy)
      saved.push(key)
      return 1
    },
  }
}

describe('the Actions cache tier', () => {
  let log: StdoutCapture
  beforeEach(() => {
    log = captureStdout()
  })
  afterEach(() => log.restore())
  const toolCache = () => process.env.RUNNER_TOOL_CACHE as string
  const fresh = () => {
    rmSync(toolCache(), { recursive: true, force: true })
    rmSync(process.env.RUNNER_TEMP as string, { recursive: true, force: true })
    mkdirSync(process.env.RUNNER_TEMP as string, { recursive: true })
  }

  const signed = async () => {
    files['checksums.txt.bundle'] = Buffer.from(JSON.stringify(await sigstore.signBlob(files['checksums.txt'])))
    return release(['checksums.txt.bundle'])
  }

  it('a signed download names what post should save, keyed by repository, asset and sha256', async () => {
    const store = new Map<string, string>()
    const r = await installPigfoot(http([await signed()]), tc, request({ cache: scriptedCache(store) }))
    expect(r.cacheSave?.key).toBe(`setup-static-podman-v2/o/r/${ASSET}/${sha(files[ASSET])}`)
  })

  it('a pinned version restores from the Actions cache with no HTTP request on a fresh tool cache', async () => {
    const store = new Map<string, string>()
    const c = scriptedCache(store)
    const rel = await signed()
    const first = await installPigfoot(http([rel]), tc, request({ cache: c }))
    await c.saveCache(first.cacheSave?.paths as string[], first.cacheSave?.key as string)
    fresh()
    const h = http([rel])
    const r = await installPigfoot(h, tc, request({ cache: c, spec: parseVersionSpec('5.7.1') }))
    expect(r).toMatchObject({ cacheHit: 'actions-cache', verified: 'signature+sha256', version: '5.7.1' })
    expect(h.requests).toEqual([])
    expect(existsSync(path.join(cached(), 'usr/local/bin/podman'))).toBe(true)
  })

  it('a damaged cache entry is a miss, then a verified download', async () => {
    const store = new Map<string, string>()
    const c = scriptedCache(store)
    const rel = await signed()
    const first = await installPigfoot(http([rel]), tc, request({ cache: c }))
    await c.saveCache(first.cacheSave?.paths as string[], first.cacheSave?.key as string)
    const entry = [...store.values()][0]
    writeFileSync(path.join(entry, ASSET), 'damaged')
    fresh()
    const r = await installPigfoot(http([rel]), tc, request({ cache: c, spec: parseVersionSpec('5.7.1') }))
    expect(r.cacheHit).toBe(false)
    expect(log.text()).toMatch(/::warning::The Actions cache entry setup-static-podman-v2\/o\/r\/\S+ does not prove/)
    expect(log.text()).toMatch(/does not prove its archive \(.*sha256 mismatch/)
  })

  it('a failing cache service is a log line and a download, never a failure', async () => {
    const h = http([release()])
    const r = await installPigfoot(
      h,
      tc,
      request({ cache: scriptedCache(new Map(), 'service unavailable'), spec: parseVersionSpec('5.7.1') }),
    )
    expect(r.cacheHit).toBe(false)
    expect(h.requests.length).toBeGreaterThan(0)
    expect(log.text()).toMatch(/^Restoring the archive from the cache failed: service unavailable/m)
    expect(log.text()).not.toContain('::warning::Restoring')
  })
})
