// Download and verification failure modes over real sockets, through dist/main.cjs as the runner user.
// Every fault ends in exit 1, one clear ::error::, no complete tool-cache entry and no
// PATH line; a transient one is retried and succeeds.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { ReleaseManifest } from '../../test-support/mirror/build.js'
import { pigfootFillers, releaseFromManifest } from '../../test-support/mirror/fixtures.js'
import type { Fault } from '../../test-support/mirror/server.js'
import { runAction } from '../../test-support/runner.js'
import { completeEntries } from './podman.js'
import { repoOf, useFixture } from './releases.js'

const fixture = useFixture(['bookworm'])
let manifest: ReleaseManifest
const ASSET = 'podman-v4.3.1-linux-amd64-static.tar.zst'
const isAsset = (name: string) => name === ASSET

beforeAll(() => {
  manifest = fixture.fx.manifests.bookworm as ReleaseManifest
})
beforeEach(() => {
  fixture.mirror.clearFaults()
  fixture.mirror.resetRequests()
})

async function install(faults: Fault[], extra: Record<string, string> = {}) {
  fixture.mirror.setFaults(faults)
  const work = await fixture.workspace()
  const inputs = {
    repository: repoOf('bookworm'),
    'api-url': fixture.mirror.url,
    'smoke-tests': 'none',
    'verify-signature': 'false',
    'download-timeout': '20',
    ...extra,
  }
  const r = await runAction({ entry: 'main', work, inputs })
  return { r, work }
}

async function expectCleanFailure(faults: Fault[], message: RegExp, extra: Record<string, string> = {}) {
  const { r, work } = await install(faults, extra)
  // A crash prints no ::error::: show what the step printed instead.
  if (r.errors.length !== 1) console.log(r.stdout.slice(-3000), r.stderr.slice(-3000))
  expect(r.exitCode).toBe(1)
  expect(r.errors).toHaveLength(1)
  expect(r.errors[0]).toMatch(message)
  expect(completeEntries(work)).toEqual([])
  expect(r.path).toEqual([])
  return r
}

const releasesPath = `/repos/${repoOf('bookworm')}/releases`

describe('transient faults are retried', () => {
  it('500 then 200 on the asset succeeds', async () => {
    const { r } = await install([{ asset: isAsset, status: [500, 200] }])
    expect(r.errors).toEqual([])
    expect(r.outputs['cache-hit']).toBe('false')
  })

  it('a connection reset mid-body, then a good answer, succeeds', async () => {
    const { r } = await install([{ asset: isAsset, sequence: [{ reset: 'mid-body' }, 'ok'] }])
    expect(r.errors).toEqual([])
  })
})

describe('faults that fail the step cleanly', () => {
  it('503 on every API request', async () => {
    await expectCleanFailure(
      [{ path: `${releasesPath}?per_page=100`, status: 503 }],
      /GET .*releases failed: HTTP 503/,
      { 'download-timeout': '5' },
    )
  })

  it('404 for the asset', async () => {
    await expectCleanFailure(
      [{ asset: isAsset, status: 404 }],
      new RegExp(
        `^Could not download ${ASSET.replace(/\./g, '\\.')}: download of http://127.0.0.1:\\d+/\\S+ failed: ` +
          `HTTP 404 Not Found$`,
      ),
    )
  })

  it('the API rate limit, with the reset time and the token hint', async () => {
    await expectCleanFailure(
      [{ path: `${releasesPath}?per_page=100`, rateLimit: { reset: 1900000000 } }],
      /rate limit exceeded \(HTTP 403\); it resets at 2030-03-17T17:46:40\.000Z\. Pass github-token/,
    )
    expect(fixture.mirror.requests).toHaveLength(1)
  })

  it('a body truncated below its Content-Length, every time', async () => {
    await expectCleanFailure(
      [{ asset: isAsset, truncate: { withLength: true } }],
      /failed: .*(terminated|ended after|closed)/i,
      { 'download-timeout': '6' },
    )
  })

  it('a close-delimited body cut in half: caught by the size check', async () => {
    await expectCleanFailure(
      [{ asset: isAsset, truncate: { withLength: false } }],
      /size mismatch: downloaded \d+ bytes, the release says \d+/,
    )
  })

  it('a connection reset every time', async () => {
    await expectCleanFailure(
      [{ asset: isAsset, reset: 'after-headers' }],
      /^Could not download podman-v4\.3\.1-linux-amd64-static\.tar\.zst: download of .* failed/,
      { 'download-timeout': '6' },
    )
  })

  it('a stalled transfer hits the deadline in seconds, not minutes', async () => {
    const started = Date.now()
    await expectCleanFailure([{ asset: isAsset, stall: true }], /stalled|deadline/, { 'download-timeout': '6' })
    expect(Date.now() - started).toBeLessThan(30_000)
  })

  it('one flipped byte', async () => {
    await expectCleanFailure(
      [{ asset: isAsset, flipByte: true }],
      /sha256 mismatch: downloaded [0-9a-f]{64}, checksums\.txt says [0-9a-f]{64}/,
    )
  })
})

describe('checksums.txt itself', () => {
  const withSums = async (text: string) => {
    const dir = path.dirname(fixture.fx.trustedRoot)
    const file = path.join(dir, `checksums-${Date.now()}.txt`)
    writeFileSync(file, text, { mode: 0o644 })
    const files = manifest.assets
      .filter((a) => a.name !== 'checksums.txt')
      .map((a) => ({ name: a.name, path: a.path, digest: null }))
    await fixture.mirror.setReleases(repoOf('bookworm'), [
      ...pigfootFillers(),
      { tag: manifest.tag, digest: false, files: [...files, { name: 'checksums.txt', path: file }] },
    ])
  }
  const real = () =>
    readFileSync((manifest.assets.find((a) => a.name === 'checksums.txt') as { path: string }).path, 'utf8')
  afterAll(async () =>
    fixture.mirror.setReleases(repoOf('bookworm'), [...pigfootFillers(), releaseFromManifest(manifest)]),
  )

  it('a wrong line names both checksums', async () => {
    await withSums(real().replace(new RegExp(`^[0-9a-f]{64}(  ${ASSET})$`, 'm'), `${'0'.repeat(64)}$1`))
    await expectCleanFailure(
      [],
      new RegExp(`sha256 mismatch: downloaded [0-9a-f]{64}, checksums\\.txt says ${'0'.repeat(64)}`),
    )
  })

  it('a missing line fails closed', async () => {
    await withSums(
      real()
        .split('\n')
        .filter((l) => !l.endsWith(`  ${ASSET}`))
        .join('\n'),
    )
    await expectCleanFailure([], new RegExp(`checksums\\.txt has no line for ${ASSET.replace(/\./g, '\\.')}`))
  })
})
