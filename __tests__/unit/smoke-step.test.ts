// The suite as a step: what it hands the outputs module, written through the real
// @actions/core (GITHUB_OUTPUT file), the job-log lines, and the verdict per smoke-failure
// applied after the summary.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { INFO_431 } from '../helpers/podman-info.js'
import type { Run } from '../../src/ports/types.js'
import type { SmokeReport } from '../../src/smoke/index.js'
import { PROBE_SCRIPT } from '../../src/smoke/probe.js'
import { applySmokeVerdict, logLine, REPORT_FILE, runSmokeStep } from '../../src/step/smoke.js'
import { Summary } from '../../src/report/summary.js'
import type { CheckId } from '../../src/inputs.js'
import { setSmokeOutputs } from '../../src/step/outputs.js'

const INFO = INFO_431
const lo = { name: 'lo', mtu: 65536, addrs: ['127.0.0.1/8'] }
const HOST = {
  interfaces: [{ name: 'eth0', mtu: 1400, addrs: ['192.0.2.2/24'] }, lo],
  gw4: [{ dev: 'eth0', via: '192.0.2.1' }],
  gw6: [],
  hosts: [],
  nameservers: ['10.255.255.53'],
}
const SLIRP = {
  ...HOST,
  interfaces: [lo, { name: 'tap0', mtu: 65520, addrs: ['10.0.2.100/24'] }],
  gw4: [{ dev: 'tap0', via: '10.0.2.2' }],
}

let dir: string
let printed: string[]
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'smoke-step-'))
  process.env.GITHUB_OUTPUT = join(dir, 'output')
  writeFileSync(process.env.GITHUB_OUTPUT, '')
  printed = []
  jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    printed.push(String(s))
    return true
  })
})
afterEach(() => {
  jest.restoreAllMocks()
  delete process.env.GITHUB_OUTPUT
  process.exitCode = undefined
})

/** Every podman run answers with the slirp4netns view; the host's node reads the host view. */
function podman(calls: string[]): Run {
  return async (cmd, args) => {
    calls.push([cmd, ...args].map((a) => (a === PROBE_SCRIPT ? '<probe>' : a)).join(' '))
    const host = cmd === process.execPath // the suite reads the host's view with its own Node
    return { exitCode: 0, stdout: `${JSON.stringify(host ? HOST : SLIRP)}\n`, stderr: '' }
  }
}
const inputs = (smokeTests: 'none' | CheckId[]) => ({
  smokeTests,
  smokeImage: 'host',
  smokeTimeoutSec: 10,
  defaultNetwork: '',
})
const installed = { podman: '/usr/bin/podman', env: {}, info: INFO, podmanVersion: '4.3.1' }
const outputs = () => readFileSync(process.env.GITHUB_OUTPUT!, 'utf8')

describe('runSmokeStep', () => {
  it('smoke-tests: none runs nothing and reports skipped', async () => {
    const calls: string[] = []
    const smoke = await runSmokeStep(podman(calls), installed, inputs('none'), dir, new Summary())
    expect(smoke).toBeUndefined()
    expect(calls).toEqual([])
    setSmokeOutputs(smoke)
    expect(outputs()).toMatch(/^smoke-result<<ghadelimiter_[\w-]+\nskipped\n/)
  })

  it('sets smoke-result and smoke-report (the JSON file in RUNNER_TEMP) and logs one line per check', async () => {
    const calls: string[] = []
    const smoke = await runSmokeStep(podman(calls), installed, inputs(['default-network']), dir, new Summary())
    expect(smoke?.report.result).toBe('passed')
    setSmokeOutputs(smoke)
    expect(calls.filter((c) => c.startsWith('/usr/bin/podman run'))).toHaveLength(1)
    expect(outputs()).toContain('\npassed\n')
    expect(outputs()).toContain(`\n${join(dir, REPORT_FILE)}\n`)
    const written = JSON.parse(readFileSync(join(dir, REPORT_FILE), 'utf8')) as SmokeReport
    expect(written.checks.find((c) => c.id === 'default-network')).toMatchObject({
      id: 'default-network',
      status: 'passed',
    })
    expect(printed.join('')).toContain('✅ default-network [default (slirp4netns)]')
    expect(printed.join('')).toContain(
      '⏭️ publish [default (slirp4netns)] 0.0 s not selected (smoke-tests: default-network)',
    )
  })
})

describe('applySmokeVerdict', () => {
  const report = (result: SmokeReport['result']): SmokeReport =>
    ({
      result,
      checks: [
        {
          id: 'publish',
          title: '',
          mode: '',
          status: 'failed',
          severity: 'blocking',
          severityReason: 'x',
          reason: 'GET 127.0.0.1:4: ECONNREFUSED',
          durationMs: 5,
          details: {},
        },
        {
          id: 'healthcheck',
          title: '',
          mode: '',
          status: 'failed',
          severity: 'advisory',
          severityReason: 'an optional feature',
          reason: 'never healthy',
          durationMs: 5,
          details: {},
        },
      ],
    }) as unknown as SmokeReport

  it('error: fails the step naming each failed check', () => {
    applySmokeVerdict(report('failed'), 'error')
    expect(process.exitCode).toBe(1)
    expect(printed.join('')).toContain('::error::Smoke tests failed: publish (GET 127.0.0.1:4: ECONNREFUSED)')
    expect(printed.join('')).not.toContain('healthcheck')
  })

  it('warning: annotates only; nothing happens when the suite passed or did not run', () => {
    applySmokeVerdict(report('failed'), 'warning')
    expect(process.exitCode).toBeUndefined()
    expect(printed.join('')).toContain(
      '::warning::Smoke tests failed: publish (GET 127.0.0.1:4: ECONNREFUSED). smoke-failure: ' +
        'warning keeps the step green.',
    )
    printed.length = 0
    applySmokeVerdict(report('passed'), 'error')
    applySmokeVerdict(undefined, 'error')
    expect(printed).toEqual([])
    expect(process.exitCode).toBeUndefined()
  })

  it('log line for a failure carries the reason; an advisory one is ⚠️ with its fix', () => {
    const base = { id: 'x', title: '', mode: 'host', severityReason: 'y', durationMs: 1234, details: {} }
    expect(logLine({ ...base, status: 'failed', severity: 'blocking', reason: 'boom' })).toBe('❌ x [host] 1.2 s boom')
    expect(logLine({ ...base, status: 'failed', severity: 'advisory', reason: 'boom', fix: 'do z' })).toBe(
      '⚠️ x [host] (advisory) 1.2 s boom; fix: do z',
    )
  })

  it('an advisory failure alone never fails the step nor annotates', () => {
    const only = report('passed')
    only.checks = only.checks.filter((c) => c.severity === 'advisory')
    applySmokeVerdict(only, 'error')
    expect(printed).toEqual([])
    expect(process.exitCode).toBeUndefined()
  })
})
