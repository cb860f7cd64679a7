// The network smoke suite end to end: `node dist/main.cjs` installs podman from the loopback mirror, then the
// network smoke suite runs real rootless containers as the runner user. Green on the Debian
// 13 tree (pasta) and the Debian 12 host (slirp4netns), and red, for real, when a network
// helper is broken: a pasta or slirp4netns that exits 1, aardvark-dns missing from the
// helper dirs. smoke-failure: warning keeps the step green while the report says failed.
import { describe, expect, it } from '@jest/globals'
import { chmod, chown, mkdir, readFile, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { SmokeReport } from '../../src/smoke/index.js'
import { type ActionResult, BASE_PATH, runAction, type TreeName, type Workspace } from '../../test-support/runner.js'
import { runnerIds } from '../../test-support/workspace.js'
import { repoOf, type Stack, useFixture } from './releases.js'
import { regex } from '../helpers/regex.js'

const fixture = useFixture(['bookworm', 'trixie'])
const workspace = fixture.workspace

const treeOf = (stack: Stack): TreeName | undefined => (stack === 'bookworm' ? undefined : (stack as TreeName))
const VERSION: Record<string, string> = { bookworm: '4.3.1', trixie: '5.4.2' }
const LOCAL = [
  'tls-volume',
  'custom-network',
  'default-network',
  'publish',
  'pasta-loopback',
  'pasta-map-gw',
  'slirp4netns-loopback',
  'port-handler-slirp4netns',
  'port-handler-rootlesskit',
  'host-containers-internal',
  'network-host',
  'network-none',
]
const INTERNET = ['internet-dns', 'internet-https', 'internet-ipv6']

interface Smoked {
  r: ActionResult
  report: SmokeReport
  status: Record<string, string>
}

/** One action step with smoke tests; returns the step, its report and `id -> status[: reason]`. */
async function smoke(
  stack: Stack,
  opts: { inputs?: Record<string, string>; env?: Record<string, string>; work?: Workspace } = {},
): Promise<Smoked> {
  const work = opts.work ?? (await workspace())
  const inputs = {
    repository: repoOf(stack),
    'api-url': fixture.mirror.url,
    'github-token': 'ghs_testtoken123',
    'trusted-root': `${work.dir}/trusted_root.json`,
    'signer-identity': fixture.fx.signerIdentity,
    'install-missing': 'false',
    'smoke-timeout': '90',
    ...opts.inputs,
  }
  const r = await runAction({ entry: 'main', work, tree: treeOf(stack), inputs, env: opts.env })
  const file = r.outputs['smoke-report']
  if (!file)
    throw new Error(`no smoke-report output (exit ${r.exitCode}): ${r.errors.join('; ')}\n${r.stderr.slice(-2000)}`)
  const report = JSON.parse(await readFile(file, 'utf8')) as SmokeReport
  const status = Object.fromEntries(
    report.checks.map((c) => [c.id, c.status === 'passed' ? 'passed' : `${c.status}: ${c.reason}`]),
  )
  console.log(
    `${stack}${opts.env?.PATH || opts.env?.CONTAINERS_CONF_OVERRIDE ? ' (broken)' : ''}: smoke ${report.result}, ` +
      `wall ${report.wallMs} ms vs sum of check durations ${report.checksMs} ms\n` +
      report.checks
        .map((c) => `  ${c.status.padEnd(7)} ${c.id} ${c.durationMs} ms ${c.status === 'passed' ? '' : c.reason}`)
        .join('\n'),
  )
  return { r, report, status }
}

/** A stand-in for a network helper that fails the way a broken build would. */
async function brokenHelper(work: Workspace, name: string): Promise<string> {
  const dir = path.join(work.dir, 'broken-bin')
  await mkdir(dir, { recursive: true })
  const file = path.join(dir, name)
  await writeFile(file, `#!/bin/sh\necho "${name}: deliberately broken by the smoke integration test" >&2\nexit 1\n`)
  await chmod(file, 0o755)
  await chmod(dir, 0o755)
  return dir
}

const passedAll = (status: Record<string, string>, ids: string[]) =>
  Object.fromEntries(ids.map((id) => [id, status[id]]))
const expectPassed = (status: Record<string, string>, ids: string[]) =>
  expect(passedAll(status, ids)).toEqual(Object.fromEntries(ids.map((id) => [id, 'passed'])))

describe('green on real stacks', () => {
  it('Debian 13 tree (podman 5.4.2, pasta default): local checks pass; internet skipped, reason given', async () => {
    const { r, report, status } = await smoke('trixie')
    expect(r.errors).toEqual([])
    expect(r.exitCode).toBe(0)
    expect(r.outputs['smoke-result']).toBe('passed')
    // Issue 11: a healthy run shows no annotation (another podman alone, no user systemd: log lines).
    expect(r.warnings).toEqual([])
    expectPassed(status, LOCAL)
    for (const id of INTERNET)
      expect(status[id]).toMatch(/^skipped: no internet: IPv4 default route via \S+ on \S+ .*RFC 5737.*no traffic sent/)
    const dflt = report.checks.find((c) => c.id === 'default-network')!
    expect(dflt.details).toMatchObject({ kind: 'pasta', expected: 'pasta', why: 'podman info rootlessNetworkCmd' })
    expect(report.checks.find((c) => c.id === 'host-containers-internal')?.details.addr).toBe('169.254.1.2')
    expect(report.checks.find((c) => c.id === 'port-handler-slirp4netns')?.details.containerSaw).toBe('10.0.2.2')
    expect(report.checks.find((c) => c.id === 'port-handler-rootlesskit')?.details.containerSaw).toBe('10.0.2.100')
    expect(r.summary).toContain(
      '<td>Default network <code>default-network</code></td><td>default (pasta)</td><td>✅ passed</td>',
    )
    expect(report.wallMs).toBeLessThan(report.checksMs)
  })

  it('Debian 12 host (podman 4.3.1, slirp4netns default): pasta checks skipped, reason given; rest pass', async () => {
    const { r, report, status } = await smoke('bookworm')
    expect(r.exitCode).toBe(0)
    expect(r.outputs['smoke-result']).toBe('passed')
    expect(status['pasta-loopback']).toBe('skipped: pasta needs podman >= 4.4 (have 4.3.1)')
    expect(status['pasta-map-gw']).toBe('skipped: pasta needs podman >= 4.4 (have 4.3.1)')
    expectPassed(
      status,
      LOCAL.filter((id) => !id.startsWith('pasta-')),
    )
    expect(report.checks.find((c) => c.id === 'default-network')?.details).toMatchObject({
      kind: 'slirp4netns',
      expected: 'slirp4netns',
    })
    expect(r.summary).toMatch(
      /<td>⏭️ skipped<\/td><td>advisory<\/td><td>—<\/td><td>pasta needs podman &#62;= 4\.4 \(have 4\.3\.1\)<\/td>/,
    )
  })
})

describe('red when the network is really broken', () => {
  it('a pasta that exits 1 first on PATH: the step fails after the summary; checks without pasta pass', async () => {
    const work = await workspace()
    const bin = await brokenHelper(work, 'pasta')
    const { r, report, status } = await smoke('trixie', { work, env: { PATH: `${bin}:${BASE_PATH}` } })
    expect(r.exitCode).toBe(1)
    expect(r.outputs['smoke-result']).toBe('failed')
    expect(report.result).toBe('failed')
    for (const id of ['default-network', 'publish', 'pasta-loopback', 'pasta-map-gw', 'tls-volume']) {
      expect(status[id]).toMatch(/^failed: .*pasta: deliberately broken by the smoke integration test/)
    }
    expectPassed(status, ['network-host', 'network-none', 'slirp4netns-loopback', 'port-handler-rootlesskit'])
    // Only blocking checks fail the step; tls-volume (pasta -T) is advisory: a warning row, not named here.
    // One error naming every blocking check that failed (custom-network and publish start pasta too).
    expect(r.errors).toEqual([expect.stringMatching(/^Smoke tests failed: /)])
    expect(r.errors[0]).toContain('default-network (')
    expect(r.errors[0]).not.toContain('tls-volume')
    expect(report.checks.find((c) => c.id === 'tls-volume')).toMatchObject({ status: 'failed', severity: 'advisory' })
    expect(r.summary).toContain('<td>❌ failed</td>')
    expect(r.summary).toMatch(
      /<details><summary>Output of [^<]*default-network[^<]*<\/summary>[\s\S]*pasta: deliberately broken/,
    )
    // identical stderr (one broken helper fails many checks alike) is folded once, naming every check it failed
    const folds = [...r.summary.matchAll(/<summary>Output of ([^<]*)<\/summary>/g)].map((m) => m[1])
    const named = folds.flatMap((f) => f.split(', '))
    expect(new Set(named).size).toBe(named.length)
    expect(folds.find((f) => f.split(', ').includes('default-network'))?.split(', ')).toContain('publish')
  })

  it('slirp4netns that exits 1 on the Debian 12 host: every slirp4netns path fails, host and none pass', async () => {
    const work = await workspace()
    const bin = await brokenHelper(work, 'slirp4netns')
    // podman 4.3 leaves a stale rootless netns behind when slirp4netns fails: keep it out of
    // the runner user's shared /run/user/UID (it would break every later custom network there).
    const { uid, gid } = await runnerIds()
    const xdg = path.join(work.dir, 'xdg')
    await mkdir(xdg, { mode: 0o700 })
    await chown(xdg, uid, gid)
    const { r, status } = await smoke('bookworm', { work, env: { PATH: `${bin}:${BASE_PATH}`, XDG_RUNTIME_DIR: xdg } })
    expect(r.exitCode).toBe(1)
    for (const id of [
      'default-network',
      'publish',
      'slirp4netns-loopback',
      'port-handler-slirp4netns',
      'port-handler-rootlesskit',
      'tls-volume',
    ]) {
      expect(status[id]).toMatch(/^failed: .*slirp4netns: deliberately broken by the smoke integration test/)
    }
    expectPassed(status, ['network-host', 'network-none'])
  })

  it('aardvark-dns missing from the helper dirs: only the custom network name resolution fails', async () => {
    const work = await workspace()
    const { uid, gid } = await runnerIds()
    const helpers = path.join(work.dir, 'no-aardvark')
    await mkdir(helpers, { recursive: true })
    await symlink('/usr/lib/podman/netavark', path.join(helpers, 'netavark')) // the tree's, resolved inside it
    const root = `${work.toolCache}/podman-default-static/${VERSION.trixie}/amd64`
    const conf = path.join(work.dir, 'no-aardvark.conf')
    const dirs = [`${root}/usr/local/lib/podman`, `${root}/usr/local/libexec/podman`, helpers, '/usr/libexec/podman']
    await writeFile(conf, `[engine]\nhelper_binaries_dir = ${JSON.stringify(dirs)}\n`)
    await chown(conf, uid, gid)
    // CONTAINERS_CONF_OVERRIDE is read last, after the action's drop-in (podman >= 5)
    const { r, status } = await smoke('trixie', { work, env: { CONTAINERS_CONF_OVERRIDE: conf } })
    expect(r.exitCode).toBe(1)
    expect(status['custom-network']).toMatch(
      regex(
        /^failed: client on ssp-\w+-custom-network-net could not fetch from ssp-\w+-custom-network-srv: /,
        /.*(EAI_AGAIN|ENOTFOUND)/,
      ),
    )
    expectPassed(
      status,
      LOCAL.filter((id) => id !== 'custom-network'),
    )
  })

  it('smoke-failure: warning passes the step while the report and output say failed', async () => {
    const work = await workspace()
    const bin = await brokenHelper(work, 'pasta')
    const { r, report } = await smoke('trixie', {
      work,
      env: { PATH: `${bin}:${BASE_PATH}` },
      inputs: { 'smoke-failure': 'warning' },
    })
    expect(r.exitCode).toBe(0)
    expect(r.errors).toEqual([])
    // The host gate adds its own warnings (this pasta has no version); the smoke verdict is one.
    const smokeWarnings = r.warnings.filter((w) => w.startsWith('Smoke tests'))
    expect(smokeWarnings).toEqual([
      expect.stringMatching(/^Smoke tests failed: .*smoke-failure: warning keeps the step green\.$/),
    ])
    expect(r.outputs['smoke-result']).toBe('failed')
    expect(report.result).toBe('failed')
  })
})
