// Issue 14, item 1 end to end: a release whose glibc asset is built from Debian testing's
// binaries (they need a newer glibc than this Debian 12 host has) and whose static asset
// is built from the host's own. `node dist/main.cjs` reads the glibc binaries' GLIBC_x.y
// needs before wiring anything: `libc: auto` installs the static asset and podman runs;
// `libc: glibc` fails naming both versions and leaves nothing wired.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { existsSync } from 'node:fs'
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { buildRelease } from '../../test-support/mirror/build.js'
import { mergeReleases, pigfootFillers, releaseFromManifest } from '../../test-support/mirror/fixtures.js'
import { type Mirror, startMirror } from '../../test-support/mirror/server.js'
import { createWorkspace, runAction, type Workspace } from '../../test-support/runner.js'
import { createTestSigstore, TEST_SAN } from '../../test-support/sigstore.js'
import { CACHE_DIR, treeRoot, WORKSPACES_ROOT } from '../../test-support/workspace.js'
import { nextStep } from './podman.js'
import { regex } from '../helpers/regex.js'

const REPO = 'local/glibc-floor'
let mirror: Mirror
let dir: string
let version: string
const workspaces: Workspace[] = []

beforeAll(async () => {
  const host = await buildRelease({
    root: '/',
    outDir: path.join(CACHE_DIR, 'mirror', 'glibc-floor-static'),
    libcs: ['static'],
    variants: ['full'],
  })
  version = host.version
  // Same version label: only the libc part of the asset name tells the two builds apart.
  const forky = await buildRelease({
    root: treeRoot('forky'),
    version,
    outDir: path.join(CACHE_DIR, 'mirror', 'glibc-floor-forky'),
    libcs: ['glibc'],
    variants: ['full'],
  })
  dir = await mkdtemp(path.join(WORKSPACES_ROOT, 'glibc-floor-'))
  await chmod(dir, 0o755)
  const release = await mergeReleases(dir, [host, forky])
  const sigstore = await createTestSigstore()
  const sums = release.assets.find((a) => a.name === 'checksums.txt')?.path as string
  const bundle = path.join(dir, 'checksums.txt.bundle')
  await writeFile(bundle, JSON.stringify(await sigstore.signBlob(await readFile(sums))), { mode: 0o644 })
  await writeFile(path.join(dir, 'trusted_root.json'), JSON.stringify(sigstore.trustedRoot), { mode: 0o644 })
  mirror = await startMirror({
    repos: {
      [REPO]: [...pigfootFillers(), releaseFromManifest(release, [{ name: 'checksums.txt.bundle', path: bundle }])],
    },
  })
}, 900_000)
afterAll(async () => {
  await mirror?.close()
  for (const w of workspaces) await w.remove()
})

async function step(libc: string) {
  const work = await createWorkspace()
  workspaces.push(work)
  const inputs = {
    repository: REPO,
    'api-url': mirror.url,
    'trusted-root': path.join(dir, 'trusted_root.json'),
    'signer-identity': TEST_SAN.replace(/[.]/g, '\\.'),
    'github-token': 'ghs_testtoken123',
    variant: 'full',
    libc,
    'smoke-tests': 'none',
  }
  const r = await runAction({ entry: 'main', work, inputs })
  return { r, work, inputs }
}

describe('a glibc build that needs a newer glibc than the host (Debian testing binaries on Debian 12)', () => {
  it('libc: auto reads the binaries, installs the static build instead, and podman runs', async () => {
    const { r, work, inputs } = await step('auto')
    expect(r.errors).toEqual([])
    expect(r.exitCode).toBe(0)
    expect(r.outputs).toMatchObject({ 'podman-version': version, variant: 'full', libc: 'static' })
    expect(r.outputs['install-dir']).toBe(`${work.toolCache}/podman-full-static/${version}/amd64`)
    expect(r.log).toMatch(
      regex(
        /libc: auto -> static \(the glibc build cannot run here: \S+ needs GLIBC_2\.\d+ \(glibc >= 2\.\d+\); /,
        /the host has glibc 2\.36/,
      ),
    )
    const next = await nextStep(work)
    expect(next.which).toBe(`${r.outputs['bin-dir']}/podman`)
    expect(next.container.stdout).toMatch(/^hello from/)
    expect((await runAction({ entry: 'post', work, inputs })).exitCode).toBe(0)
  })

  it('libc: glibc fails before wiring, naming the required and the present glibc', async () => {
    const { r, work } = await step('glibc')
    expect(r.exitCode).toBe(1)
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]).toMatch(
      regex(
        /^libc: glibc cannot run on this host: \S+ needs GLIBC_2\.\d+ \(glibc >= 2\.\d+\); the host has /,
        /glibc 2\.36.*Use libc: static/,
      ),
    )
    expect(r.path).toEqual([])
    expect(r.outputs['install-dir']).toBeUndefined()
    expect(existsSync(path.join(work.home, '.config/containers/containers.conf.d'))).toBe(false)
  })
})
