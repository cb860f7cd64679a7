// Sources mgoltzsche and system end to end: `node dist/main.cjs` as the runner user with source: mgoltzsche (a
// release built from this machine's podman, signed in the run with a throwaway key) and
// source: system (the host's Debian 12 podman, the Debian 13 tree's), each with the smoke
// suite on real Podman; then `node dist/report.cjs` merges every report this file produced.
// SSP_UPDATE_REPORT_FIXTURES=1 copies those reports and their table into __tests__/fixtures/report.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { copyFileSync, readlinkSync } from 'node:fs'
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { collectReports } from '../../src/report/collect.js'
import { renderMarkdown } from '../../src/report/markdown.js'
import { buildMatrix } from '../../src/report/matrix.js'
import type { SmokeReport } from '../../src/smoke/index.js'
import { type Mirror, startMirror } from '../../test-support/mirror/server.js'
import {
  type ActionResult,
  createWorkspace,
  repoRoot,
  runAction,
  runAsRunner,
  type TreeName,
  type Workspace,
} from '../../test-support/runner.js'
import { dropRuntimeDirs } from '../../test-support/runtime-dir.js'
import { freshRuntimeDir, WORKSPACES_ROOT } from '../../test-support/workspace.js'
import { MG_REPOS, type MgoltzscheReleases, mgoltzscheReleases, OWNER } from './mgoltzsche.js'
import { completeEntries } from './podman.js'
import { type Fixture, repoOf, type Stack, startFixture } from './releases.js'
import { regex } from '../helpers/regex.js'

// The golden test (unit/report-golden.test.ts) renders the fixtures with the same title.
const REPORT_TITLE = 'Podman compatibility (integration tests on Debian 12 and 13)'
const FIXTURES = path.join(repoRoot(), '__tests__/fixtures/report')

let fx: Fixture
let rel: MgoltzscheReleases
let mg: Mirror
let reportsDir: string
const workspaces: Workspace[] = []
const runtimeDirs: string[] = []

beforeAll(async () => {
  ;[fx, rel] = await Promise.all([startFixture(['bookworm', 'trixie']), mgoltzscheReleases()])
  mg = await startMirror({ repos: rel.repos, userKeys: { [OWNER]: rel.key.publicArmored } })
  reportsDir = await mkdtemp(path.join(WORKSPACES_ROOT, 'reports-'))
  await chmod(reportsDir, 0o755)
}, 900_000)
afterAll(async () => {
  await Promise.all([fx?.mirror.close(), mg?.close()])
  for (const w of workspaces) await w.remove()
  await dropRuntimeDirs(runtimeDirs)
  if (reportsDir) await rm(reportsDir, { recursive: true, force: true })
})

const treeOf = (stack: Stack): TreeName | undefined => (stack === 'bookworm' ? undefined : (stack as TreeName))

interface Step {
  r: ActionResult
  work: Workspace
  /** for later steps of the same job: the XDG_RUNTIME_DIR it ran with */
  env: Record<string, string>
  report?: SmokeReport
}

/**
 * Each matrix job runs on a fresh VM. On the host, podman 4.3 keeps its rootless netns and
 * aardvark-dns under the shared /run/user/UID, and a previous step's would serve this one:
 * every host step gets its own runtime dir. (A tree's /run is fresh for every step anyway.)
 */
async function runtimeDir(stack: Stack): Promise<Record<string, string>> {
  if (stack !== 'bookworm') return {}
  const dir = await freshRuntimeDir()
  runtimeDirs.push(dir)
  return { XDG_RUNTIME_DIR: dir }
}

type InputsFor = (work: Workspace) => Record<string, string>

/** One action step; with `keep`, its smoke report is kept as a matrix job uploads it: `<keep>/<file>`. */
async function step(stack: Stack, inputs: InputsFor, keep?: string): Promise<Step> {
  const work = await createWorkspace()
  workspaces.push(work)
  copyFileSync(fx.trustedRoot, `${work.dir}/trusted_root.json`)
  const base = {
    'github-token': 'ghs_testtoken123',
    'install-missing': 'false',
    'smoke-timeout': '90',
    'smoke-failure': 'warning',
  }
  const env = await runtimeDir(stack)
  const r = await runAction({ entry: 'main', work, tree: treeOf(stack), inputs: { ...base, ...inputs(work) }, env })
  const file = r.outputs['smoke-report']
  if (!file || !keep) return { r, work, env }
  const dest = path.join(reportsDir, keep, path.basename(file))
  await mkdir(path.dirname(dest), { recursive: true, mode: 0o755 })
  await cp(file, dest)
  await chmod(dest, 0o644)
  return { r, work, env, report: JSON.parse(await readFile(file, 'utf8')) as SmokeReport }
}

const mgoltzsche =
  (repository: string, extra: Record<string, string> = {}): InputsFor =>
  () => ({
    source: 'mgoltzsche',
    repository,
    'api-url': mg.url,
    'source-key-fingerprint': rel.key.fingerprint,
    ...extra,
  })
const pigfoot =
  (stack: Stack, variant: string): InputsFor =>
  (work) => ({
    repository: repoOf(stack),
    'api-url': fx.mirror.url,
    variant,
    'signer-identity': fx.signerIdentity,
    'trusted-root': `${work.dir}/trusted_root.json`,
  })

describe.each([
  ['bookworm', '4.3.1'],
  ['trixie', '5.4.2'],
] as const)('source: mgoltzsche, %s build (podman %s)', (stack, version) => {
  it(
    'installs with the signature verified, runs the smoke suite on real Podman, ' +
      'adopts neither its storage.conf nor its fusermount3',
    async () => {
      // podman-version is left at latest; the release is flagged prerelease, as upstream creates it.
      const { r, work, env, report } = await step(stack, mgoltzsche(MG_REPOS[stack]), `mgoltzsche-${stack}`)
      expect(r.errors).toEqual([])
      expect(r.exitCode).toBe(0)
      const root = `${work.toolCache}/podman-mgoltzsche/${version}/amd64`
      expect(r.outputs).toMatchObject({
        'podman-version': version,
        'install-dir': root,
        verified: 'openpgp-signature+size+digest',
        'smoke-result': 'passed',
      })
      expect(report?.identity).toMatchObject({
        source: 'mgoltzsche',
        repository: MG_REPOS[stack],
        podman: { version, origin: 'bundled' },
        crun: { origin: 'bundled' },
      })
      const tree = treeOf(stack)
      const fuse = await runAsRunner(work, 'sh', ['-c', 'command -v fusermount3; command -v podman'], { tree, env })
      expect(fuse.stdout.split('\n')).toEqual(['/usr/bin/fusermount3', `${r.outputs['bin-dir']}/podman`, ''])
      const opts = await runAsRunner(work, 'podman', ['info', '--format', '{{json .Store.GraphOptions}}'], {
        tree,
        env,
      })
      expect(opts.exitCode).toBe(0)
      expect(opts.stdout).not.toContain(`${root}/usr/local/bin/fuse-overlayfs`)
      expect(opts.stdout).not.toContain('/usr/local/bin/fuse-overlayfs')
      // The audit met upstream's relative generator links (Debian 13's podman has quadlet) and kept them.
      const links = stack === 'trixie' ? ['user', 'system'] : []
      for (const kind of links)
        expect(readlinkSync(`${root}/usr/local/lib/systemd/${kind}-generators/podman-${kind}-generator`)).toBe(
          '../../../libexec/podman/quadlet',
        )
    },
  )
})

describe('source: mgoltzsche fails clearly', () => {
  it('a tampered archive: the signature does not verify, nothing is installed', async () => {
    const { r, work } = await step('trixie', mgoltzsche(MG_REPOS.tampered, { 'smoke-tests': 'none' }))
    expect(r.exitCode).toBe(1)
    expect(r.errors).toEqual([
      expect.stringMatching(
        regex(
          /^podman-linux-amd64\.tar\.gz: the OpenPGP signature podman-linux-amd64\.tar\.gz\.asc does not /,
          /verify with the pinned key [0-9A-F]{40} \(Signed digest did not match\); the archive was altered/,
        ),
      ),
    ])
    expect(r.path).toEqual([])
    expect(completeEntries(work)).toEqual([])
  })

  it('a signature by another key: both fingerprints named, nothing is installed', async () => {
    const { r, work } = await step('trixie', mgoltzsche(MG_REPOS.wrongSigner, { 'smoke-tests': 'none' }))
    expect(r.exitCode).toBe(1)
    expect(r.errors).toEqual([
      `podman-linux-amd64.tar.gz.asc was signed by ${rel.other.fingerprint}, ` +
        `not by the pinned key ${rel.key.fingerprint} (set source-key-fingerprint for a fork).`,
    ])
    expect(completeEntries(work)).toEqual([])
  })
})

describe.each([
  ['bookworm', '4.3.1'],
  ['trixie', '5.4.2'],
] as const)('source: system on %s (podman %s)', (stack, version) => {
  it("installs nothing and runs the smoke suite on the runner's own podman", async () => {
    const { r, work, report } = await step(stack, () => ({ source: 'system' }), `system-${stack}`)
    expect(r.errors).toEqual([])
    expect(r.exitCode).toBe(0)
    expect(r.outputs).toMatchObject({
      'podman-version': version,
      'smoke-result': 'passed',
      'bin-dir': '/usr/bin',
      'install-dir': '/usr/bin',
    })
    expect(r.path).toEqual([])
    expect(report?.identity).toMatchObject({
      source: 'system',
      podman: { version, path: '/usr/bin/podman', origin: 'system' },
      crun: { origin: 'system' },
    })
    expect(completeEntries(work)).toEqual([])
  })
})

describe.each(['bookworm', 'trixie'] as const)('source: pigfoot on %s, for the matrix', (stack) => {
  it.each(['default', 'full'])('variant %s', async (variant) => {
    const { r, report } = await step(stack, pigfoot(stack, variant), `pigfoot-${variant}-${stack}`)
    expect(r.errors).toEqual([])
    expect(report?.identity).toMatchObject({ source: 'pigfoot', variant, libc: 'static' })
  })
})

describe('the report action over this run', () => {
  it('node dist/report.cjs merges every report into one table, the same as the golden renderer', async () => {
    const work = await createWorkspace()
    workspaces.push(work)
    const r = await runAction({
      entry: 'main',
      work,
      script: path.join(repoRoot(), 'dist/report.cjs'),
      inputs: { reports: reportsDir, title: REPORT_TITLE },
    })
    expect(r.errors).toEqual([])
    expect(r.exitCode).toBe(0)
    const { reports } = await collectReports(reportsDir)
    expect(reports.map((x) => x.file.split('/')[0])).toEqual([
      'mgoltzsche-bookworm',
      'mgoltzsche-trixie',
      'pigfoot-default-bookworm',
      'pigfoot-default-trixie',
      'pigfoot-full-bookworm',
      'pigfoot-full-trixie',
      'system-bookworm',
      'system-trixie',
    ])
    const md = await readFile(r.outputs.markdown, 'utf8')
    expect(md).toBe(renderMarkdown(buildMatrix(reports, REPORT_TITLE)))
    expect(r.summary).toBe(md)
    expect(JSON.parse(await readFile(r.outputs.json, 'utf8')).rows).toHaveLength(8)
    if (process.env.SSP_UPDATE_REPORT_FIXTURES === '1')
      await updateFixtures(
        reports.map((x) => x.file),
        md,
      )
  })
})

/** The reports of this run become the golden test's input, the table its expected output. */
async function updateFixtures(files: string[], md: string): Promise<void> {
  await rm(path.join(FIXTURES, 'reports'), { recursive: true, force: true })
  for (const f of files) {
    await mkdir(path.join(FIXTURES, 'reports', path.dirname(f)), { recursive: true })
    await cp(path.join(reportsDir, f), path.join(FIXTURES, 'reports', f))
  }
  await writeFile(path.join(FIXTURES, 'compatibility.md'), md)
}
