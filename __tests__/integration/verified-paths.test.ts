// "verified" on every path, through `node dist/main.cjs` and `dist/post.cjs` as the runner
// user against the loopback mirror and a fake Actions cache service on a real socket:
// an Actions cache entry is re-verified on restore (a planted one is refused and the release
// downloaded), and `verify-signature: auto` cannot be downgraded by the server (a rewritten
// bundle mediaType fails; the default repository without a bundle fails).
import { beforeAll, describe, expect, it } from '@jest/globals'
import * as cache from '@actions/cache'
import { execFileSync } from 'node:child_process'
import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { existsSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { type FakeCacheService, startFakeCacheService } from '../../test-support/actions-cache.js'
import type { ReleaseManifest } from '../../test-support/mirror/build.js'
import { pigfootFillers, releaseFromManifest } from '../../test-support/mirror/fixtures.js'
import { sha256File } from '../../test-support/proc.js'
import { runAction, type Workspace } from '../../test-support/runner.js'
import { runnerIds, WORKSPACES_ROOT } from '../../test-support/workspace.js'
import { completeEntries } from './podman.js'
import { repoOf, useFixture } from './releases.js'

const VERSION = '4.3.1'
const TAG = `podman-v${VERSION}`
const ASSET = `${TAG}-linux-amd64-static.tar.zst`
let manifest: ReleaseManifest
let service: FakeCacheService
let scratch: string
const fixture = useFixture(['bookworm'], async () => {
  await service?.close()
  if (scratch) await rm(scratch, { recursive: true, force: true })
})

beforeAll(async () => {
  manifest = fixture.fx.manifests.bookworm as ReleaseManifest
  service = await startFakeCacheService()
  scratch = await mkdtemp(path.join(WORKSPACES_ROOT, 'verified-paths-'))
})

const inputs = (work: Workspace, extra: Record<string, string> = {}) => ({
  ...fixture.inputs(work, 'bookworm'),
  'podman-version': VERSION,
  variant: 'default',
  'smoke-tests': 'none',
  ...extra,
})
const step = (entry: 'main' | 'post', work: Workspace, extra: Record<string, string> = {}) =>
  runAction({ entry, work, inputs: inputs(work, extra), env: service.env })

/** The bookworm release's own files, fetched from the mirror as a job would. */
async function releaseFile(repo: string, name: string): Promise<Buffer> {
  const res = await fetch(fixture.mirror.downloadUrl(repo, TAG, name))
  if (!res.ok) throw new Error(`${name}: HTTP ${res.status}`)
  return Buffer.from(await res.arrayBuffer())
}

/** The same job again on a fresh machine (same paths, as on hosted runners): no tool cache, no temp. */
async function freshJob(work: Workspace) {
  const { uid, gid } = await runnerIds()
  for (const d of [work.toolCache, work.temp]) {
    await rm(d, { recursive: true, force: true })
    await mkdir(d, { recursive: true, mode: 0o755 })
    await chown(d, uid, gid)
  }
  work.exported = { env: {}, path: [] }
  work.state = {}
}

/** The genuine archive with one file more: what a poisoner would plant. */
async function tamperedArchive(): Promise<string> {
  const genuine = manifest.assets.find((a) => a.name === ASSET)?.path as string
  const dir = await mkdtemp(path.join(scratch, 'evil-'))
  execFileSync('zstd', ['-q', '-d', genuine, '-o', path.join(dir, 'a.tar')])
  await mkdir(path.join(dir, TAG))
  await writeFile(path.join(dir, TAG, 'planted'), 'not from the release\n')
  execFileSync('tar', ['-rf', path.join(dir, 'a.tar'), '-C', dir, `${TAG}/planted`])
  execFileSync('zstd', ['-q', path.join(dir, 'a.tar'), '-o', path.join(dir, ASSET)])
  return path.join(dir, ASSET)
}

/** Saves a slot holding `files` under `key` through the real client, as any job in the scope could. */
async function plant(work: Workspace, key: string, files: Record<string, Buffer | string>) {
  const slot = path.join(work.temp, 'setup-static-podman', 'archives', ASSET)
  await mkdir(slot, { recursive: true })
  for (const [name, body] of Object.entries(files)) await writeFile(path.join(slot, name), body)
  const saved = { ...process.env }
  Object.assign(process.env, service.env, { GITHUB_WORKSPACE: work.githubWorkspace, RUNNER_TEMP: scratch })
  try {
    await cache.saveCache([slot], key)
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k]
    Object.assign(process.env, saved)
  }
  expect(service.keys()).toContain(key)
}

describe('an Actions cache restore proves its archive again', () => {
  let work: Workspace
  const prefix = `setup-static-podman-v2/${repoOf('bookworm')}/${ASSET}/`

  it('a job saves archive, checksums.txt and bundle; the next restores them with no request, verified', async () => {
    work = await fixture.workspace()
    const first = await step('main', work)
    expect(first.errors).toEqual([])
    expect(first.outputs).toMatchObject({ 'cache-hit': 'false', verified: 'signature+sha256' })
    expect((await step('post', work)).exitCode).toBe(0)
    expect(service.keys()).toEqual([
      prefix + (await sha256File(manifest.assets.find((a) => a.name === ASSET)?.path as string)),
    ])
    await freshJob(work)
    fixture.mirror.resetRequests()
    const again = await step('main', work)
    expect(again.errors).toEqual([])
    expect(again.warnings).toEqual([])
    expect(again.outputs).toMatchObject({ 'cache-hit': 'true', verified: 'signature+sha256' })
    expect(again.summary).toContain('cache hit (actions-cache)')
    // verified again on restore: this run's checks and signer, not what an earlier run recorded
    expect(again.summary).toContain('signature+sha256 (signature (checksums.txt), sha256); signer')
    expect(again.summary).not.toContain('when it was downloaded')
    expect(fixture.mirror.requests).toEqual([])
  })

  it('a planted entry (tampered archive, matching self-written sha256) is refused; the release installed', async () => {
    await freshJob(work)
    const evil = await tamperedArchive()
    const evilSha = await sha256File(evil)
    const key = prefix + evilSha
    await plant(work, key, {
      [ASSET]: await readFile(evil),
      'checksums.txt': `${evilSha}  ${ASSET}\n`,
      'checksums.txt.bundle': await releaseFile(repoOf('bookworm'), 'checksums.txt.bundle'),
    })
    await freshJob(work)
    fixture.mirror.resetRequests()
    const r = await step('main', work)
    expect(r.errors).toEqual([])
    expect(r.exitCode).toBe(0)
    expect(r.warnings).toEqual([
      expect.stringMatching(
        new RegExp(`^The Actions cache entry ${key} does not prove its archive \\(checksums\\.txt`),
      ),
    ])
    expect(r.outputs).toMatchObject({ 'cache-hit': 'false', verified: 'signature+sha256' })
    expect(existsSync(path.join(r.outputs['install-dir'], 'planted'))).toBe(false)
    expect(fixture.mirror.requests.map((q) => q.path)).toContainEqual(expect.stringContaining(ASSET))
  })
})

describe('verify-signature: auto cannot be downgraded by the server', () => {
  const expectRefused = async (repository: string, message: RegExp) => {
    const work = await fixture.workspace()
    const r = await runAction({ entry: 'main', work, inputs: inputs(work, { repository, cache: 'false' }) })
    expect(r.exitCode).toBe(1)
    expect(r.errors).toEqual([expect.stringMatching(message)])
    expect(r.path).toEqual([])
    expect(completeEntries(work)).toEqual([])
    expect(readdirSync(work.toolCache)).toEqual([])
  }

  it('a bundle whose mediaType was rewritten fails, naming verify-signature: false', async () => {
    const real = JSON.parse((await releaseFile(repoOf('bookworm'), 'checksums.txt.bundle')).toString())
    const rewritten = path.join(scratch, 'rewritten.bundle')
    await writeFile(rewritten, JSON.stringify({ ...real, mediaType: 'application/vnd.dev.sigstore.bundle.v9+json' }))
    const bundle = { name: 'checksums.txt.bundle', path: rewritten }
    await fixture.mirror.setReleases('local/rewritten', [...pigfootFillers(), releaseFromManifest(manifest, [bundle])])
    await expectRefused('local/rewritten', /mediaType.*verify-signature: false accepts sha256 only/s)
  })

  it('a release of the default repository without a bundle fails, naming verify-signature: false', async () => {
    const repo = 'pigfoot/static-rootless-container-tools'
    await fixture.mirror.setReleases(repo, [...pigfootFillers(), releaseFromManifest(manifest)])
    await expectRefused(repo, /has no checksums\.txt\.bundle.*signs every release.*verify-signature: false/s)
  })
})
