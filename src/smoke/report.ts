// The suite's report (written as JSON) and the job summary built from it: pure functions.
import { escapeHtml, type Row } from '../report/summary.js'
import type { ReportIdentity } from './identity.js'

export type { ReportIdentity } from './identity.js'

export type SmokeResult = 'passed' | 'failed' | 'skipped'
export type Details = Record<string, unknown>

export interface CheckReport {
  id: string
  title: string
  /** network mode the check used, e.g. `default (pasta)`, `pasta:-T`, `host` */
  mode: string
  status: SmokeResult
  /** why it failed or was skipped */
  reason?: string
  durationMs: number
  details: Details
  /** last lines of the failing command's stderr */
  stderrTail?: string
}

export interface SmokeReport {
  version: 1
  /** which configuration this is: a row of the compatibility matrix (set by the action's step) */
  identity?: ReportIdentity
  result: SmokeResult
  podmanVersion: string
  image: string
  /** the network `podman run` gives without --network: expected, and what the default-network check saw */
  defaultNetwork: { expected: string; why: string; observed?: string }
  internet: { ipv4: string; ipv6: string }
  startedAt: string
  wallMs: number
  /** sum of the checks' durations: what running them one after another would have cost */
  checksMs: number
  checks: CheckReport[]
}

/** The report with its identity first, as the JSON file shows it. */
export function withIdentity(report: SmokeReport, identity: ReportIdentity | undefined): SmokeReport {
  if (!identity) return report
  const { version, ...rest } = report
  return { version, identity, ...rest }
}

/** failed if anything failed; passed if something ran and nothing failed; else skipped. */
export function suiteResult(checks: readonly CheckReport[]): SmokeResult {
  if (checks.some((c) => c.status === 'failed')) return 'failed'
  return checks.some((c) => c.status === 'passed') ? 'passed' : 'skipped'
}

const ICON: Record<SmokeResult, string> = { passed: '✅ passed', failed: '❌ failed', skipped: '⏭️ skipped' }
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`

/** One line of what a passed check saw, from its details, for the summary table. */
function note(c: CheckReport): string {
  if (c.status !== 'passed') return c.reason ?? ''
  const d = c.details
  return typeof d.summary === 'string' ? d.summary : ''
}

export function smokeSummaryRows(report: SmokeReport): Row[] {
  const head = ['Check', 'Network mode', 'Result', 'Duration', 'Notes'].map((data) => ({ data, header: true }))
  const rows = report.checks.map((c) =>
    [`${c.title} (${c.id})`, c.mode, ICON[c.status], c.status === 'skipped' ? '—' : seconds(c.durationMs), note(c)].map(
      escapeHtml,
    ),
  )
  return [head, ...rows]
}

export function smokeHeadline(report: SmokeReport): string {
  const n = (s: SmokeResult) => report.checks.filter((c) => c.status === s).length
  return (
    `Network smoke tests ${report.result}: ${n('passed')} passed, ${n('failed')} failed, ${n('skipped')} skipped; ` +
    `wall time ${seconds(report.wallMs)}, sum of check durations ${seconds(report.checksMs)}`
  )
}

/** For the summary's <details>: each failure with the last lines of its stderr. */
export function smokeFailureDetails(report: SmokeReport): { label: string; text: string }[] {
  return report.checks
    .filter((c) => c.status === 'failed')
    .map((c) => ({ label: `${c.id}: ${c.reason ?? 'failed'}`, text: c.stderrTail || c.reason || 'no output' }))
}
