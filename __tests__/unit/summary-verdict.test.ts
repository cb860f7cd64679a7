// The verdict line when there are no smoke results: it says why (turned off, or what stopped
// the step first), never just "no smoke tests". The gate facts come from the probe captured on
// the Debian 13 tree (__tests__/fixtures/host) through the real gate.
import { describe, expect, it } from '@jest/globals'
import { planGate } from '../../src/host/gate.js'
import { probeHost } from '../../src/host/probe.js'
import { requirementsFor } from '../../src/host/requirements.js'
import { Summary } from '../../src/report/summary.js'
import { verdictLine } from '../../src/report/verdict.js'
import { loadSnapshot } from '../fixtures/host/load.js'
import { replay } from '../fixtures/host/snapshot.js'

async function gateWithOldCrun(): Promise<Summary['gate']> {
  const s = loadSnapshot('trixie')
  const probe = await probeHost(replay(s), { env: s.options.env, user: s.options.user, podman: s.options.podman })
  const pieces = { ...probe.pieces, crun: { path: '/usr/bin/crun', version: '1.8.1' } }
  return {
    pieces: planGate({ pieces }, requirementsFor('standalone', '5.4.2'), { installMissing: false }).pieces,
    checks: [],
  }
}

const line = (s: Summary): string => verdictLine(s.view({}, 2000))

describe('the verdict without smoke results says why', () => {
  it('a host gate failure: the smoke tests did not run because the host gate failed', async () => {
    const s = new Summary()
    s.gate = await gateWithOldCrun()
    s.error = 'This host cannot run podman as set up (1 unmet)'
    expect(line(s)).toBe(
      '❌ podman not ready: host gate failed · smoke tests did not run: the host gate failed · 2.0 s',
    )
  })

  it('smoke-tests: none: the suite is off, and says which input turned it off', () => {
    const s = new Summary()
    s.smokeOff = true
    expect(line(s)).toBe('✅ podman ready · smoke tests off (smoke-tests: none) · 2.0 s')
  })

  it('an error before the suite (a failed download) and an error inside it are told apart', () => {
    const before = new Summary()
    before.error = 'download failed'
    expect(line(before)).toBe(
      '❌ podman not ready: setup failed · smoke tests did not run: the step failed before them · 2.0 s',
    )
    const inside = new Summary()
    inside.smokeStarted = true
    inside.error = 'podman run failed'
    expect(line(inside)).toBe(
      '❌ podman not ready: setup failed · smoke tests did not finish: the step failed in them · 2.0 s',
    )
  })
})

describe('the summary shows the phase times npm run bench prints', () => {
  const TIMES = { resolve: 310, download: 1840, verify: 220, unpack: 530, gate: 900, info: 300, smoke: 36_000 }

  it("the gate's line is its own work plus podman info (timed apart, so they add up), each named", async () => {
    const s = new Summary()
    s.gate = await gateWithOldCrun()
    const gate = s.view(TIMES, 41_200).phases.find((p) => p.title === 'Host gate')
    expect(gate?.ms).toBe(1200)
    expect(gate?.notes).toEqual(['Time: gate 0.9 s · podman info 0.3 s'])
  })

  it('nothing timed: no duration and no Time line', async () => {
    const s = new Summary()
    s.gate = await gateWithOldCrun()
    const gate = s.view({}, 2000).phases.find((p) => p.title === 'Host gate')
    expect([gate?.ms, gate?.notes]).toEqual([undefined, []])
  })
})
