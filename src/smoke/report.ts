// The suite's report (written as JSON) and its headline for the log: pure functions.
// The job summary's section for it is src/report/smoke-phase.ts.
import type { ReportIdentity } from './identity.js'

export type { ReportIdentity } from './identity.js'

export type SmokeResult = 'passed' | 'failed' | 'skipped'
/** blocking: a failure fails the suite; advisory: a failure is a warning (⚠️), the suite still passes */
export type Severity = 'blocking' | 'advisory'
export type Details = Record<string, unknown>

export interface CheckReport {
  id: string
  title: string
  /** network mode the check used, e.g. `default (pasta)`, `pasta:-T`, `host` */
  mode: string
  status: SmokeResult
  severity: Severity
  /** why this severity: from the check table, or `named in smoke-tests` */
  severityReason: string
  /** why it failed or was skipped */
  reason?: string
  /** what to do about a failure */
  fix?: string
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

/** An advisory check that failed: reported with ⚠️, never failing the suite. */
export const isWarning = (c: CheckReport): boolean => c.status === 'failed' && c.severity === 'advisory'
export const isBlockingFailure = (c: CheckReport): boolean => c.status === 'failed' && c.severity !== 'advisory'

/** failed if a blocking check failed; passed if something ran (advisory failures included); else skipped. */
export function suiteResult(checks: readonly CheckReport[]): SmokeResult {
  if (checks.some(isBlockingFailure)) return 'failed'
  return checks.some((c) => c.status !== 'skipped') ? 'passed' : 'skipped'
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`

export function smokeHeadline(report: SmokeReport): string {
  const n = (s: SmokeResult) => report.checks.filter((c) => c.status === s && !isWarning(c)).length
  const warnings = report.checks.filter(isWarning).length
  return (
    `Smoke tests ${report.result}: ${n('passed')} passed, ${n('failed')} failed, ` +
    `${warnings ? `${warnings} warning(s) (advisory), ` : ''}${n('skipped')} skipped; ` +
    `wall time ${seconds(report.wallMs)}, sum of check durations ${seconds(report.checksMs)}`
  )
}
