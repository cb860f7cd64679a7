// source: archive's pure parts and its file lookups on real temp dirs: the variant from a
// layout, the release naming, the glob that must name one file, and the identity of a
// tree holding this host's real podman (its --version run for real); the pipeline with the
// checksums.txt, the cosign bundle of checksums.txt, or the .asc a build leaves beside it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import * as tc from '@actions/tool-cache'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { getInputs } from '../../src/inputs.js'
import { run } from '../../src/ports/exec.js'
import { archive, findArchive } from '../../src/sources/archive.js'
import type { SourceContext } from '../../src/sources/types.js'
import { actionsEnv } from '../helpers/actions-env.js'
import { scriptedHttp } from '../helpers/scripted-http.js'
import { identify, nameMismatches, parseAssetName, variantOf } from '../../src/sources/archive-identity.js'
import { regex } from '../helpers/regex.js'
import { rejection } from '../helpers/rejection.js'
import { createTestKey } from '../../test-support/pgp.js'
import { createTestSigstore, TEST_SAN, type TestSigstore } from '../../test-support/sigstore.js'

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

describe('source: archive runs the shared acquisition pipeline', () => {
  /** A standalone build of this host's podman in <ws>/out/build.tar.gz, named as no release is. */
  function localBuild(ws: string): string {
    const src = path.join(ws, 'src', 'podman-v0.0.1')
    mkdirSync(src, { recursive: true })
    mkdirSync(path.join(ws, 'out'), { recursive: true })
    copyFileSync('/usr/bin/podman', path.join(src, 'podman'))
    const file = path.join(ws, 'out', 'build.tar.gz')
    execFileSync('tar', ['-czf', file, '-C', path.join(ws, 'src'), 'podman-v0.0.1'])
    return createHash('sha256').update(readFileSync(file)).digest('hex')
  }

  /**
   * archive.install with these inputs, each call in the same job (one tool cache, fresh per
   * `job`), so a second call can hit the first's entry. The archive source uses the exec and
   * tool-cache ports only.
   */
  function job(ws: string, inputs: Record<string, string>, http = scriptedHttp({})) {
    const env = actionsEnv({ source: 'archive', archive: 'out/*.tar.gz', ...inputs })
    const ctx = {
      arch: 'amd64',
      temp: process.env.RUNNER_TEMP as string,
      toolCache: process.env.RUNNER_TOOL_CACHE as string,
    } as const
    mkdirSync(ctx.temp, { recursive: true })
    const deps = { run, tc } as unknown as SourceContext['deps']
    const s = (): SourceContext => {
      const trustedRoot = sigstore.trustedRoot
      return { deps, http, inputs: getInputs(), ctx, env: { GITHUB_WORKSPACE: ws }, trustedRoot }
    }
    return { ctx, http, install: () => archive.install(s()), restore: env.restore }
  }

  /** One install in a job of its own. */
  async function installWith(ws: string, inputs: Record<string, string>, http = scriptedHttp({})) {
    const j = job(ws, inputs, http)
    try {
      return await j.install()
    } finally {
      j.restore()
    }
  }

  let sigstore: TestSigstore
  beforeAll(async () => {
    sigstore = await createTestSigstore()
  })
  const signerInputs = { 'verify-signature': 'true', 'signer-identity': TEST_SAN.replace(/[.]/g, '\\.') }

  it('a checksums.txt.bundle beside it signs the checksums; another signer or an edited line is refused', async () => {
    const ws = path.join(dir, 'sums-bundle')
    const sha = localBuild(ws)
    const sums = path.join(ws, 'out', 'checksums.txt')
    const bundle = `${sums}.bundle`
    const signSums = async (text: string, san?: string) => {
      writeFileSync(sums, text)
      writeFileSync(bundle, JSON.stringify(await sigstore.signBlob(Buffer.from(text), { san })))
    }
    await signSums(`${sha}  build.tar.gz\n`, 'https://github.com/someone/else/.github/workflows/x.yml@refs/heads/main')
    expect((await rejection(installWith(ws, signerInputs))).message).toMatch(/someone\/else/)

    await signSums(`${sha}  build.tar.gz\n`)
    writeFileSync(sums, `${sha}  build.tar.gz\n${'1'.repeat(64)}  extra.tar.gz\n`)
    const edited = job(ws, signerInputs)
    try {
      expect((await rejection(edited.install())).message).toMatch(
        regex(
          /^checksums\.txt: the bundle signs sha256:[0-9a-f]{64} /,
          /but the file is sha256:[0-9a-f]{64}: the file was altered/,
        ),
      )
      expect(existsSync(path.join(edited.ctx.toolCache, 'podman-archive'))).toBe(false)
    } finally {
      edited.restore()
    }

    await signSums(`${sha}  build.tar.gz\n`)
    const { result } = await installWith(ws, signerInputs)
    expect(result).toMatchObject({ verified: 'signature+sha256', cacheHit: false })
    expect(result.checks).toEqual([`signature (checksums.txt, ${TEST_SAN})`, `sha256 ${sha} (checksums.txt)`])
  }, 60_000)

  it('an .asc beside it is checked with the pinned key; a signature by another key is refused', async () => {
    const ws = path.join(dir, 'asc')
    const sha = localBuild(ws)
    const file = path.join(ws, 'out', 'build.tar.gz')
    const [signer, other] = [await createTestKey(), await createTestKey('someone else')]
    const keyserver = `https://keys.openpgp.org/vks/v1/by-fingerprint/${signer.fingerprint}`
    const http = scriptedHttp({ file: (url) => (url === keyserver ? signer.publicArmored : 404) })
    const inputs = { 'archive-sha256': sha, 'source-key-fingerprint': signer.fingerprint, 'verify-signature': 'true' }
    writeFileSync(`${file}.asc`, await other.signFile(file))
    expect((await rejection(installWith(ws, inputs, http))).message).toBe(
      `build.tar.gz.asc was signed by ${other.fingerprint}, not by the pinned key ${signer.fingerprint} ` +
        '(set source-key-fingerprint for a fork).',
    )

    writeFileSync(`${file}.asc`, await signer.signFile(file))
    const { result } = await installWith(ws, inputs, http)
    expect(result).toMatchObject({ verified: 'openpgp-signature+sha256', cacheHit: false })
    expect(result.checks[0]).toMatch(/^openpgp signature by [0-9A-F]{40}$/)
    expect(http.requests).toContain(keyserver)
  }, 60_000)

  it('copied, checked against checksums.txt, unpacked and audited into the tool cache; same bytes hit', async () => {
    const ws = path.join(dir, 'pipeline')
    const sha = localBuild(ws)
    const { ctx, http, install, restore } = job(ws, { 'github-token': 'ghs_unit' })
    try {
      const sums = path.join(ws, 'out', 'checksums.txt')
      writeFileSync(sums, `${'0'.repeat(64)}  build.tar.gz\n`)
      await expect(install()).rejects.toThrow(
        `build.tar.gz: sha256 mismatch: the file has ${sha}, ${sums} says ${'0'.repeat(64)}.`,
      )
      expect(existsSync(path.join(ctx.toolCache, 'podman-archive'))).toBe(false)

      writeFileSync(sums, `${sha}  build.tar.gz\n`)
      const first = await install()
      expect(first.result).toMatchObject({
        version: '4.3.1',
        root: path.join(ctx.toolCache, 'podman-archive', `0.0.0-sha256-${sha.slice(0, 16)}`, 'amd64'),
        cacheHit: false,
        verified: 'sha256',
        checks: [`sha256 ${sha} (checksums.txt)`],
        asset: 'build.tar.gz',
      })
      expect([first.variant, first.libc, first.gateVariant]).toEqual(['standalone', 'glibc', 'standalone'])
      expect(existsSync(path.join(first.result.root, 'podman'))).toBe(true)
      const again = await install()
      expect(again.result).toMatchObject({ root: first.result.root, cacheHit: 'tool-cache', verified: 'sha256' })
      expect(http.requests).toEqual([])
    } finally {
      restore()
    }
  }, 60_000)
})
