// Issue 14, source: archive end to end through `node dist/main.cjs` as the runner user: a
// local build (this machine's podman laid out like a release asset, as a build job earlier
// in the workflow would leave it) is verified against its pinned sha256 and any signature
// beside it, identified from its own contents, gated and smoke-tested like a release.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { existsSync } from 'node:fs'
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { createHash } from 'node:crypto'
import type { ReleaseManifest } from '../../test-support/mirror/build.js'
import { createWorkspace, runAction, type Workspace } from '../../test-support/runner.js'
import { createTestSigstore, TEST_SAN, type TestSigstore } from '../../test-support/sigstore.js'
import { buildStack } from './releases.js'

let built: ReleaseManifest
let sigstore: TestSigstore
const workspaces: Workspace[] = []
beforeAll(async () => {
  ;[built, sigstore] = await Promise.all([buildStack('bookworm'), createTestSigstore()])
}, 900_000)
afterAll(async () => {
  for (const w of workspaces) await w.remove()
})

const asset = (name: string) => built.assets.find((a) => a.name === name) as ReleaseManifest['assets'][number]
const GLIBC = () => `podman-v${built.version}-linux-amd64-glibc.tar.zst`
const STATIC = () => `podman-v${built.version}-linux-amd64-static.tar.zst`

/** The build job's output in the workspace: the archive, and what else the test puts beside it. */
async function buildDir(work: Workspace, name: string, beside: Record<string, string | Buffer> = {}) {
  const dir = path.join(work.githubWorkspace, 'build')
  await mkdir(dir, { recursive: true, mode: 0o755 })
  await copyFile(asset(name).path, path.join(dir, name))
  await chmod(path.join(dir, name), 0o644)
  for (const [file, content] of Object.entries(beside)) await writeFile(path.join(dir, file), content, { mode: 0o644 })
  return dir
}

async function step(inputs: Record<string, string>, prepare: (w: Workspace) => Promise<unknown>) {
  const work = await createWorkspace()
  workspaces.push(work)
  await prepare(work)
  const r = await runAction({
    entry: 'main',
    work,
    inputs: { source: 'archive', 'github-token': 'ghs_testtoken123', 'smoke-failure': 'warning', ...inputs },
  })
  return { r, work }
}

const sumsFor = (name: string) => `${asset(name).sha256}  ${name}\n`

describe('source: archive', () => {
  it('installs a local build named by a glob, identified from its contents, and smoke-tests it', async () => {
    const { r, work } = await step({ archive: 'build/podman-*.tar.zst' }, (w) =>
      buildDir(w, GLIBC(), { 'checksums.txt': sumsFor(GLIBC()) }),
    )
    expect(r.errors).toEqual([])
    expect(r.exitCode).toBe(0)
    expect(r.outputs).toMatchObject({
      'podman-version': built.version,
      variant: 'default',
      libc: 'glibc',
      verified: 'sha256',
      'smoke-result': 'passed',
    })
    expect(r.outputs['install-dir']).toBe(
      `${work.toolCache}/podman-archive/0.0.0-sha256-${asset(GLIBC()).sha256.slice(0, 16)}/amd64`,
    )
    expect(r.log).toContain(`${GLIBC()}: podman ${built.version}, default, glibc, amd64 (read from the archive)`)
    expect(r.log).toContain('The archive is not signed')
    const report = JSON.parse(await readFile(r.outputs['smoke-report'], 'utf8'))
    expect(report.identity).toMatchObject({ source: 'archive', variant: 'default', libc: 'glibc' })
  })

  it('refuses a wrong archive-sha256 before unpacking anything', async () => {
    const wrong = createHash('sha256').update('another build').digest('hex')
    const { r, work } = await step({ archive: `build/${GLIBC()}`, 'archive-sha256': wrong }, (w) =>
      buildDir(w, GLIBC()),
    )
    expect(r.exitCode).toBe(1)
    expect(r.errors).toEqual([
      `${GLIBC()}: sha256 mismatch: the file has ${asset(GLIBC()).sha256}, archive-sha256 says ${wrong}.`,
    ])
    expect(r.path).toEqual([])
    expect(r.outputs['install-dir']).toBeUndefined()
    expect(existsSync(path.join(work.toolCache, 'podman-archive'))).toBe(false)
  })

  it('a name that says static for glibc-linked binaries is refused, naming both', async () => {
    const { r } = await step({ archive: `build/${STATIC()}`, 'archive-sha256': asset(STATIC()).sha256 }, (w) =>
      buildDir(w, STATIC()),
    )
    expect(r.exitCode).toBe(1)
    expect(r.errors).toEqual([`${STATIC()}: the name says libc static, the archive is glibc.`])
  })

  it('verifies a cosign bundle beside it with the identity inputs; a bundle by another signer fails', async () => {
    const bytes = await readFile(asset(GLIBC()).path)
    const good = JSON.stringify(await sigstore.signBlob(bytes))
    const inputs = (w: Workspace) => ({
      archive: `build/${GLIBC()}`,
      'archive-sha256': asset(GLIBC()).sha256,
      'verify-signature': 'true',
      'signer-identity': TEST_SAN.replace(/[.]/g, '\\.'),
      'trusted-root': path.join(w.dir, 'trusted_root.json'),
      'smoke-tests': 'none',
    })
    const withRoot = async (w: Workspace, bundle: string) => {
      await writeFile(path.join(w.dir, 'trusted_root.json'), JSON.stringify(sigstore.trustedRoot), { mode: 0o644 })
      await buildDir(w, GLIBC(), { [`${GLIBC()}.bundle`]: bundle })
    }
    const work = await createWorkspace()
    workspaces.push(work)
    await withRoot(work, good)
    const r = await runAction({ entry: 'main', work, inputs: { source: 'archive', ...inputs(work) } })
    expect(r.errors).toEqual([])
    expect(r.outputs.verified).toBe('signature+sha256')
    expect(r.summary).toContain(`signature (${GLIBC()}, ${TEST_SAN})`)

    const other = await createWorkspace()
    workspaces.push(other)
    const foreign = JSON.stringify(
      await sigstore.signBlob(bytes, {
        san: 'https://github.com/someone/else/.github/workflows/x.yml@refs/heads/main',
      }),
    )
    await withRoot(other, foreign)
    const bad = await runAction({ entry: 'main', work: other, inputs: { source: 'archive', ...inputs(other) } })
    expect(bad.exitCode).toBe(1)
    expect(bad.errors.join('\n')).toContain('someone/else')
    expect(bad.outputs['install-dir']).toBeUndefined()
  })
})
