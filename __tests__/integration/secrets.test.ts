// Issue 12 items 3 and 4 through dist/main.cjs as the runner user: the inputs come from
// action.yml's own defaults, with `${{ github.token }}` filled in as the runner does, and
// the mirror records whether each request carried Authorization. A release whose podman is
// a wrapper that appends its environment to a file shows what every podman child received.
import { beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import yaml from 'js-yaml'
import type { ReleaseManifest } from '../../test-support/mirror/build.js'
import { repoRoot, runAction, type Workspace } from '../../test-support/runner.js'
import { WORKSPACES_ROOT } from '../../test-support/workspace.js'
import { useFixture } from './releases.js'

const JOB_TOKEN = 'ghs_jobtoken0000000001'
const SECRETS = {
  ACTIONS_RUNTIME_TOKEN: 'runtime-secret-0002',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc-secret-0003',
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://oidc.invalid/0004',
  GITHUB_TOKEN: 'ghs_envtoken0000000005',
}
const ASSET = 'podman-v4.3.1-linux-amd64-static.tar.zst'

const fixture = useFixture(['bookworm'])
let envLog: string

/** What the runner passes for each input left unset: action.yml's default, expressions evaluated. */
function runnerDefaults(): Record<string, string> {
  const action = yaml.load(readFileSync(path.join(repoRoot(), 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>
  }
  return Object.fromEntries(
    Object.entries(action.inputs).map(([k, v]) => [
      k,
      String(v.default ?? '').replace('${{ github.token }}', JOB_TOKEN),
    ]),
  )
}

/** The bookworm default asset with usr/local/bin/podman replaced by an env-recording wrapper. */
function recordingRelease(m: ReleaseManifest, dir: string): { asset: string; sums: string } {
  const src = m.assets.find((a) => a.name === ASSET)?.path as string
  const stage = path.join(dir, 'stage')
  execFileSync('mkdir', ['-p', stage])
  execFileSync('tar', ['--zstd', '-xf', src, '-C', stage])
  const bin = path.join(stage, m.tag, 'usr/local/bin')
  renameSync(path.join(bin, 'podman'), path.join(bin, 'podman.real'))
  const wrapper = `#!/bin/sh\n{ echo "=== podman $*"; env; } >> ${envLog}\nexec "$(dirname "$0")/podman.real" "$@"\n`
  writeFileSync(path.join(bin, 'podman'), wrapper, { mode: 0o755 })
  const asset = path.join(dir, ASSET)
  execFileSync('tar', ['--zstd', '--owner=0', '--group=0', '-C', stage, '-cf', asset, m.tag])
  const sha = execFileSync('sha256sum', [asset], { encoding: 'utf8' }).split(' ')[0]
  const sums = path.join(dir, 'checksums.txt')
  writeFileSync(sums, `${sha}  ${ASSET}\n`)
  chmodSync(dir, 0o755)
  return { asset, sums }
}

beforeAll(async () => {
  const fx = fixture.fx
  const logDir = mkdtempSync(path.join(WORKSPACES_ROOT, 'envlog-'))
  chmodSync(logDir, 0o777)
  envLog = path.join(logDir, 'env.log')
  const dir = mkdtempSync(path.join(WORKSPACES_ROOT, 'envlog-release-'))
  const { asset, sums } = recordingRelease(fx.manifests.bookworm as ReleaseManifest, dir)
  const tag = (fx.manifests.bookworm as ReleaseManifest).tag
  await fx.mirror.setReleases('local/envlog', [
    {
      tag,
      files: [
        { name: ASSET, path: asset },
        { name: 'checksums.txt', path: sums },
      ],
    },
  ])
}, 900_000)

const baseInputs = (work: Workspace) => ({
  ...runnerDefaults(),
  ...fixture.inputs(work, 'bookworm'),
  'smoke-tests': 'none',
  cache: 'false',
})

describe("the job's token goes only to the runner's own GitHub", () => {
  it('another api-url gets no Authorization at all, and the install still works', async () => {
    const work = await fixture.workspace()
    fixture.mirror.resetRequests()
    const r = await runAction({ entry: 'main', work, inputs: baseInputs(work) })
    expect(r.errors).toEqual([])
    expect(r.exitCode).toBe(0)
    expect(fixture.mirror.requests.length).toBeGreaterThan(0)
    expect(fixture.mirror.requests.filter((q) => q.authorization)).toEqual([])
    expect(r.stdout).toContain("is not this runner's GitHub")
  })

  it('GHES: api-url defaults to the runner GITHUB_API_URL, the token goes there; children get no secret', async () => {
    const work = await fixture.workspace()
    fixture.mirror.resetRequests()
    const inputs: Record<string, string> = {
      ...baseInputs(work),
      repository: 'local/envlog',
      'verify-signature': 'false',
    }
    delete inputs['api-url']
    const r = await runAction({
      entry: 'main',
      work,
      inputs,
      env: { GITHUB_API_URL: fixture.mirror.url, GITHUB_SERVER_URL: fixture.mirror.url, ...SECRETS },
    })
    expect(r.errors).toEqual([])
    expect(r.exitCode).toBe(0)
    expect(fixture.mirror.requests.length).toBeGreaterThan(0)
    expect(fixture.mirror.requests.every((q) => q.authorization)).toBe(true)

    const log = readFileSync(envLog, 'utf8')
    expect(log).toContain('=== podman ')
    expect(log).toMatch(/^HOME=/m)
    for (const [k, v] of Object.entries(SECRETS)) {
      expect(log).not.toContain(`${k}=`)
      expect(log).not.toContain(v)
    }
    expect(log).not.toMatch(/^INPUT_/m)
    expect(log).not.toContain(JOB_TOKEN)
  })
})
