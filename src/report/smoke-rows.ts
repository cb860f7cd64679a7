// The job summary's table of the smoke suite: one row per check. Tool output is untrusted:
// every cell is escaped.
import { type CheckReport, isWarning, type SmokeReport, type SmokeResult, seconds } from '../smoke/report.js'
import { escapeHtml, type Row } from './summary.js'

const ICON: Record<SmokeResult, string> = { passed: '✅ passed', failed: '❌ failed', skipped: '⏭️ skipped' }
const WARNING_ICON = '⚠️ warning'
/** The result cell: an advisory failure is a warning, not a failure. */
export const resultText = (c: CheckReport): string => (isWarning(c) ? WARNING_ICON : ICON[c.status])

/** One line of what a passed check saw, from its details, for the summary table. */
function note(c: CheckReport): string {
  if (c.status !== 'passed') return [c.reason, c.fix && `fix: ${c.fix}`].filter(Boolean).join('; ')
  const d = c.details
  return typeof d.summary === 'string' ? d.summary : ''
}

export function smokeSummaryRows(report: SmokeReport): Row[] {
  const head = ['Check', 'Network mode', 'Result', 'Duration', 'Notes', 'Severity'].map((data) => ({
    data,
    header: true,
  }))
  const rows = report.checks.map((c) =>
    [
      `${c.title} (${c.id})`,
      c.mode,
      resultText(c),
      c.status === 'skipped' ? '—' : seconds(c.durationMs),
      note(c),
      `${c.severity}: ${c.severityReason}`,
    ].map(escapeHtml),
  )
  return [head, ...rows]
}
