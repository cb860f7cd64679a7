// The report action's pieces on small hand-made reports: which files count, row order,
// escaping of artifact text, totals, the files and outputs through the real @actions/core.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import yaml from 'js-yaml'
import { collectReports } from '../../src/report/collect.js'
import { cell, renderMarkdown } from '../../src/report/markdown.js'
import { buildMatrix } from '../../src/report/matrix.js'
import { getReportInputs, reportMain } from '../../src/report/run.js'
import type { ReportIdentity } from '../../src/smoke/identity.js'
import type { CheckReport, SmokeReport } from '../../src/smoke/report.js'
import {
  actionsEnv,
  type ActionsEnv,
  captureStdout,
  parseFileCommands,
  type StdoutCapture,
} from '../helpers/actions-env.js'

let env: ActionsEnv
let out: StdoutCapture
beforeEach(() => {
  env = actionsEnv()
  out = captureStdout()
})
afterEach(() => {
  out.restore()
  env.restore()
})

const check = (id: string, status: CheckReport['status'], reason?: string): CheckReport => ({
  id,
  title: `Title of ${id}`,
  mode: 'host',
  status,
  severity: 'blocking',
  severityReason: 'every podman job uses it',
  reason,
  durationMs: 1,
  details: {},
})
const identity = (o: Partial<ReportIdentity>): ReportIdentity => ({
  source: 'pigfoot',
  arch: 'amd64',
  runner: 'ubuntu24 20250105.1',
  podman: { version: '5.7.1', origin: 'bundled' },
  crun: { version: '1.25.1', origin: 'bundled' },
  pasta: { origin: 'missing' },
  ...o,
})
const report = (id: ReportIdentity | undefined, checks: CheckReport[]): SmokeReport =>
  ({
    version: 1,
    ...(id && { identity: id }),
    result: 'passed',
    podmanVersion: '5.7.1',
    image: 'host',
    checks,
  }) as unknown as SmokeReport

function writeReports(files: Record<string, unknown>): string {
  const dir = path.join(env.dir, 'artifacts')
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true })
    writeFileSync(path.join(dir, rel), typeof body === 'string' ? body : JSON.stringify(body))
  }
  return dir
}

describe('collectReports', () => {
  it('finds smoke reports in nested artifact dirs and passes over other JSON', async () => {
    const dir = writeReports({
      'smoke-b/setup-static-podman-smoke.json': report(undefined, []),
      'smoke-a/x/renamed.json': report(undefined, []),
      'smoke-a/package.json': { name: 'x' },
      'broken/report.json': '{ not json',
      'notes.txt': 'ignored',
    })
    const { reports, skipped } = await collectReports(dir)
    expect(reports.map((r) => r.file)).toEqual(['smoke-a/x/renamed.json', 'smoke-b/setup-static-podman-smoke.json'])
    expect(skipped).toEqual(['broken/report.json', 'smoke-a/package.json'])
  })
})

describe('buildMatrix and renderMarkdown', () => {
  const found = [
    {
      file: 'c.json',
      report: report(identity({ variant: 'full', libc: 'glibc' }), [
        check('publish', 'passed'),
        check('network-host', 'failed', 'curl: (7) refused | <b>x</b>'),
      ]),
    },
    {
      file: 'a.json',
      report: report(identity({ source: 'system', podman: { version: '4.9.3', origin: 'system' } }), [
        check('publish', 'passed'),
        check('internet-dns', 'skipped', 'no internet'),
      ]),
    },
    {
      file: 'b.json',
      report: report(identity({ variant: 'standalone', libc: 'static' }), [
        check('publish', 'failed', 'crun: unknown version specified'),
      ]),
    },
    { file: 'd.json', report: report(undefined, [check('publish', 'passed')]) },
  ]

  it(
    'orders rows by runner, then system, mgoltzsche, pigfoot and variant; columns in suite order; ' +
      'totals count what ran',
    () => {
      const m = buildMatrix(found, 'T')
      expect(m.rows.map((r) => `${r.runner}: ${r.configuration}`)).toEqual([
        'ubuntu24 20250105.1: system',
        'ubuntu24 20250105.1: pigfoot standalone static',
        'ubuntu24 20250105.1: pigfoot full glibc',
        'unknown: unknown',
      ])
      expect(m.columns.map((c) => c.id)).toEqual(['publish', 'network-host', 'internet-dns'])
      expect({ passed: m.passed, ran: m.ran, skipped: m.skipped }).toEqual({ passed: 3, ran: 5, skipped: 1 })
    },
  )

  it('renders the total first, each failure with its reason, escaped, then a table per runner with checks down', () => {
    const md = renderMarkdown(buildMatrix(found, 'Title <script>'))
    const lines = md.split('\n')
    expect(lines.slice(0, 3)).toEqual([
      '## Title &#60;script&#62;',
      '',
      '❌ **3/5 passed** (1 skipped) across 4 configurations.',
    ])
    expect(md).toContain(
      '- ❌ **pigfoot full glibc** on ubuntu24 20250105.1 · amd64: Title of network-host (network-host): curl: (7) ' +
        'refused \\| &#60;b&#62;x&#60;/b&#62;',
    )
    expect(md).toContain(
      '- ❌ **pigfoot standalone static** on ubuntu24 20250105.1 · amd64: Title of publish (publish): crun: ' +
        'unknown version specified',
    )
    expect(lines.filter((l) => l.startsWith('### '))).toEqual([
      '### Failures',
      '### ubuntu24 20250105.1 · amd64',
      '### unknown · unknown',
    ])
    const ubuntu = md.slice(md.indexOf('### ubuntu24'), md.indexOf('### unknown'))
    expect(ubuntu).toContain('|  | system | pigfoot standalone static | pigfoot full glibc |')
    expect(ubuntu).toContain('| podman | 4.9.3 (system) | 5.7.1 (bundled) | 5.7.1 (bundled) |')
    expect(ubuntu).toContain('| pasta | missing | missing | missing |')
    expect(ubuntu).toContain('| Title of publish (publish) | ✅ | ❌ | ✅ |')
    expect(ubuntu).toContain('| Title of network-host (network-host) | — | — | ❌ |')
    expect(ubuntu).toContain('| Title of internet-dns (internet-dns) | ⏭️ | — | — |')
    expect(ubuntu).toContain('| **Passed** | **1/1** | **0/1** | **1/2** |')
    // a runner's table has only the checks its configurations ran
    expect(md.slice(md.indexOf('### unknown'))).not.toContain('network-host')
  })

  it('a cell never breaks the table', () => {
    expect(cell('a|b\n  c')).toBe('a\\|b c')
  })
})

describe('reportMain', () => {
  it('writes the Markdown and JSON files, sets both outputs and the job summary', async () => {
    const dir = writeReports({
      'one/setup-static-podman-smoke.json': report(identity({ variant: 'default', libc: 'static' }), [
        check('publish', 'passed'),
      ]),
    })
    process.env.INPUT_REPORTS = dir
    process.env['INPUT_OUTPUT-DIR'] = path.join(env.dir, 'out')
    await reportMain()
    const outputs = parseFileCommands(env.read('output'))
    expect(outputs).toEqual({
      json: path.join(env.dir, 'out/podman-compatibility.json'),
      markdown: path.join(env.dir, 'out/podman-compatibility.md'),
    })
    const md = readFileSync(outputs.markdown, 'utf8')
    expect(md).toContain('✅ **1/1 passed** (0 skipped) across 1 configuration.')
    expect(env.read('summary')).toBe(md)
    expect(JSON.parse(readFileSync(outputs.json, 'utf8'))).toMatchObject({
      version: 1,
      title: 'Podman compatibility',
      passed: 1,
      ran: 1,
      rows: [{ configuration: 'pigfoot default static', cells: { publish: 'passed' } }],
    })
    expect(process.exitCode).toBeUndefined()
  })

  it('fails the step when the directory holds no smoke report', async () => {
    process.env.INPUT_REPORTS = writeReports({ 'x.json': { a: 1 } })
    await reportMain()
    expect(process.exitCode).toBe(1)
    process.exitCode = undefined
    expect(out.text()).toContain('::error::No smoke reports found under')
  })
})

describe('report/action.yml', () => {
  const action = yaml.load(readFileSync('report/action.yml', 'utf8')) as {
    inputs: Record<string, unknown>
    outputs: Record<string, unknown>
    runs: { using: string; main: string }
  }

  it('declares exactly the inputs the code reads and the outputs it sets; runs the bundle one level up', async () => {
    const read = new Set<string>()
    const real = process.env
    process.env = new Proxy(real, {
      get: (t, k) => {
        if (typeof k === 'string' && k.startsWith('INPUT_')) read.add(k.slice(6).toLowerCase())
        return Reflect.get(t, k)
      },
    })
    try {
      process.env.INPUT_REPORTS = 'x'
      getReportInputs()
    } finally {
      process.env = real
    }
    expect(Object.keys(action.inputs).sort()).toEqual([...read].sort())
    expect(Object.keys(action.outputs).sort()).toEqual(['json', 'markdown'])
    expect(action.runs).toEqual({ using: 'node24', main: '../dist/report.cjs' })
    expect(existsSync(path.join('report', action.runs.main))).toBe(true)
  })
})
