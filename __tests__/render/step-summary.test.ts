// The step's job summary composed from real data without podman: the host probe captured on
// the Debian 13 tree (__tests__/fixtures/host) through the real gate, and a real smoke report
// (__tests__/fixtures/report). Rendered as GitHub shows it, in Chromium at 1012 px. The same
// summaries from real runs of dist/main.cjs: __tests__/integration/summary-render.test.ts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { planGate } from '../../src/host/gate.js'
import { probeHost } from '../../src/host/probe.js'
import { requirementsFor } from '../../src/host/requirements.js'
import { Summary } from '../../src/report/summary.js'
import { renderStepSummary } from '../../src/report/verdict.js'
import type { CheckReport, SmokeReport } from '../../src/smoke/report.js'
import { SummaryBrowser } from '../../test-support/summary-render.js'
import { loadSnapshot } from '../fixtures/host/load.js'
import { replay } from '../fixtures/host/snapshot.js'
import { expectReadable } from './expect.js'

const ROOT = '/home/runner/work/_temp/tool-cache/podman-standalone-static/5.4.2/amd64'
let browser: SummaryBrowser
beforeAll(async () => {
  browser = await SummaryBrowser.launch()
})
afterAll(async () => {
  await browser?.close()
})

async function trixiePieces(crun?: { path: string; version: string }) {
  const s = loadSnapshot('trixie')
  const probe = await probeHost(replay(s), { env: s.options.env, user: s.options.user, podman: s.options.podman })
  const pieces = crun ? { ...probe.pieces, crun } : probe.pieces
  return planGate({ pieces }, requirementsFor('standalone', '5.4.2'), { installMissing: false }).pieces
}

const report = (): SmokeReport =>
  JSON.parse(
    readFileSync('__tests__/fixtures/report/reports/pigfoot-default-trixie/setup-static-podman-smoke.json', 'utf8'),
  ) as SmokeReport

function summary(): Summary {
  const s = new Summary()
  s.install = {
    source: 'pigfoot/static-rootless-container-tools',
    system: false,
    version: '5.4.2',
    variant: 'standalone',
    libc: 'static',
    arch: 'amd64',
    asset: 'podman-v5.4.2-linux-amd64-static-standalone.tar.zst',
    verified: 'signature+sha256',
    checks: ['signature (checksums.txt)', 'size', 'sha256', 'digest'],
    signer:
      'https://github.com/pigfoot/static-rootless-container-tools/.github/workflows/build-podman.yml@refs/heads/main' +
      ' (issuer https://token.actions.githubusercontent.com)',
    cacheHit: false,
    installDir: ROOT,
    podman: `${ROOT}/podman`,
    dropin: '/home/runner/.config/containers/containers.conf.d/99-setup-static-podman.conf',
    home: '/home/runner',
  }
  return s
}

const TIMES = { resolve: 310, download: 1840, verify: 220, unpack: 530, gate: 900, info: 300, smoke: 36_000 }

describe('the step summary in a browser at 1012 px', () => {
  it('all green: the ✅ verdict first, each phase folded to its one line', async () => {
    const s = summary()
    s.gate = { pieces: await trixiePieces(), checks: [] }
    s.smoke = report()
    const page = await browser.render(renderStepSummary(s.view(TIMES, 41_200)), 'composed-green')
    expectReadable(page)
    expect(page.view.firstText).toMatch(
      /^✅ podman 5\.4\.2 ready · standalone, static, amd64 · verified signature\+sha256 · /,
    )
    expect(page.view.firstText).toMatch(/ · cache miss · (\d+)\/\1 checks passed · 41\.2 s$/)
    expect(page.view.details.map((d) => [d.summary.split(':')[0], d.open])).toEqual([
      ['✅ Install', false],
      ['✅ Host gate', false],
      ['✅ Smoke tests', false],
    ])
    expect(page.view.details[0].summary).toMatch(/· 2\.9 s$/) // resolve + download + verify + unpack
    expect(page.view.details[1].summary).toMatch(/· 1\.2 s$/) // gate + podman info
    expect(page.view.details[2].summary).toMatch(/· 36\.0 s$/)
    expect(page.expanded.text).toMatch(/^Time\tresolve 0\.3 s · download 1\.8 s · verify 0\.2 s · unpack 0\.5 s$/m)
    expect(page.expanded.text).toMatch(/^Time: gate 0\.9 s · podman info 0\.3 s$/m)
  })

  it('crun too old, a smoke check failed: ❌ first, each cause and fix on screen, install folded', async () => {
    const s = summary()
    s.gate = { pieces: await trixiePieces({ path: '/usr/bin/crun', version: '1.8.1' }), checks: [] }
    const r = report()
    const fail = (c: CheckReport): CheckReport => ({
      ...c,
      status: 'failed',
      severity: 'blocking',
      severityReason: 'every podman job uses it',
      reason: 'probe client failed (exit 126): pasta: deliberately broken',
      stderrTail: `Error: pasta failed with exit code 1:\n${'pasta: deliberately broken, with a long line '.repeat(6)}`,
    })
    s.smoke = { ...r, result: 'failed', checks: r.checks.map((c) => (c.id === 'publish' ? fail(c) : c)) }
    const page = await browser.render(renderStepSummary(s.view(TIMES, 12_000)), 'composed-failures')
    expectReadable(page)
    expect(page.view.firstText).toMatch(/^❌ podman 5\.4\.2 not ready: host gate failed · /)
    expect(page.view.text).toContain(
      '1.8.1 does not meet >= 1.14.3 (required): ' +
        'older crun rejects the OCI version podman 5 writes: crun: unknown version specified',
    )
    expect(page.view.text).toContain('Fix: install-missing: true completes it')
    expect(page.view.text).toContain(
      'publish (smoke tests): probe client failed (exit 126): pasta: deliberately broken',
    )
    expect(page.view.details.filter((d) => d.depth === 0).map((d) => [d.summary.split(':')[0], d.open])).toEqual([
      ['✅ Install', false],
      ['❌ Host gate', true],
      ['❌ Smoke tests', true],
    ])
    expect(page.view.details.filter((d) => d.depth === 1)).toEqual([
      { summary: 'Output of publish', open: false, depth: 1 },
    ])
  })
})
