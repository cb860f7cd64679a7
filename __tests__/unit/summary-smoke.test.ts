// The smoke phase of the job summary from real smoke reports (the committed fixtures the
// integration tests produced) and from a report with a blocking and an advisory failure.
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { html } from '../../src/report/html.js'
import { renderPhase } from '../../src/report/phase.js'
import { clip, smokePhase } from '../../src/report/smoke-phase.js'
import type { CheckReport, SmokeReport } from '../../src/smoke/report.js'

const real = (name: string): SmokeReport =>
  JSON.parse(
    readFileSync(`__tests__/fixtures/report/reports/${name}/setup-static-podman-smoke.json`, 'utf8'),
  ) as SmokeReport

describe('smokePhase', () => {
  it('a green real report: ✅, passed of ran, one row per check with its kind, folded', () => {
    const r = real('pigfoot-full-trixie')
    const p = smokePhase(r, 36_000)
    const ran = r.checks.filter((c) => c.status !== 'skipped').length
    expect(p.tone).toBe('ok')
    expect(p.result).toMatch(new RegExp(`^${ran}/${ran} passed, \\d+ skipped$`))
    expect(p.ms).toBe(36_000)
    expect(smokePhase(r).ms).toBe(r.wallMs) // no step clock (the report action): the suite's own wall time
    expect(p.problems).toEqual([])
    expect(p.tables[0].rows).toHaveLength(r.checks.length)
    expect(renderPhase(p)).toMatch(/^<details><summary>/)
    // the shared skip reason once, in full, under the table; its first clause in the rows
    const internet = r.checks.filter((c) => c.id.startsWith('internet-') && c.reason?.startsWith('no internet: '))
    expect(internet.length).toBeGreaterThan(1)
    expect((p.notes ?? []).map((n) => html(n))).toContainEqual(
      `Skipped ${internet.map((c) => `<code>${c.id}</code>`).join(', ')}: ${internet[0].reason}`,
    )
    const row = p.tables[0].rows.find((x) => html(x[0]).includes(internet[0].id))
    expect(row?.[5]).toBe('no internet')
  })

  it('a blocking failure is ❌ with its cause, fix and stderr; an advisory one ⚠️, saying the step still passes', () => {
    const r = real('pigfoot-default-trixie')
    const fail = (c: CheckReport, severity: CheckReport['severity']): CheckReport => ({
      ...c,
      status: 'failed',
      severity,
      severityReason: severity === 'advisory' ? 'a non-default network mode' : 'every podman job uses it',
      reason: `probe failed: <${c.id}> broke`,
      fix: 'install pasta 2024_08_21 or later',
      stderrTail: 'line 1\nline 2',
    })
    const checks = r.checks.map((c) =>
      c.id === 'default-network' ? fail(c, 'blocking') : c.id === 'network-host' ? fail(c, 'advisory') : c,
    )
    const p = smokePhase({ ...r, checks })
    expect(p.tone).toBe('fail')
    expect(p.problems.map((x) => [x.tone, x.what])).toEqual([
      ['fail', 'default-network'],
      ['warn', 'network-host'],
    ])
    expect(html(p.problems[1].why)).toBe(
      'probe failed: &#60;network-host&#62; broke (advisory: a non-default network mode; the step still passes)',
    )
    expect(html(p.problems[0].fix ?? '')).toBe('install pasta 2024_08_21 or later')
    const row = p.tables[0].rows.find((x) => html(x[0]).includes('default-network'))
    expect(row?.slice(2, 4)).toEqual(['❌ failed', 'blocking'])
    expect(p.result).toMatch(/, 1 failed, 1 advisory failed/)
  })

  it('a table cell keeps one short line', () => {
    expect(clip('a\n  b')).toBe('a b')
    expect(clip('x'.repeat(200))).toHaveLength(140)
  })
})
