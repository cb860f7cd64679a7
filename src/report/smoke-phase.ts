// The smoke suite as a phase of the job summary: one row per check (blocking or advisory),
// each failure as a problem with its cause and fix, stderr tails folded. Report text comes
// from tools and containers: it is escaped by the HTML builder, never trusted as markup.
import { type CheckReport, isWarning, type SmokeReport, seconds } from '../smoke/report.js'
import { type Content, code, concat, prose } from './html.js'
import type { PhaseView, Problem, Tone } from './phase.js'

const RESULT = { passed: '✅ passed', failed: '❌ failed', skipped: '⏭️ skipped' } as const
const resultText = (c: CheckReport): string => (isWarning(c) ? '⚠️ failed' : RESULT[c.status])

/** A table cell keeps one short line; the whole text is in the problem list above. */
export function clip(text: string, max = 140): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

/** `no internet: IPv4 default route via …` is `no internet` in the table; the rest goes under it. */
function shortReason(reason: string): string {
  const head = reason.slice(0, Math.max(0, reason.indexOf(': ')))
  const balanced = head.split('(').length === head.split(')').length
  return clip(head && balanced ? head : reason, 80)
}

/**
 * Modes (`slirp4netns:port_handler=slirp4netns`) and notes (storage paths) have no space to
 * wrap at and widen the table past the pane: a zero-width space after `/ : = ,` lets them wrap
 * (<wbr> is not in GitHub's HTML allowlist).
 */
const breakable = (s: string): string => s.replace(/([/:=,])(?=\S)/g, '$1\u200b')

function note(c: CheckReport): string {
  if (c.status === 'passed') return typeof c.details.summary === 'string' ? clip(c.details.summary) : ''
  return c.status === 'skipped' ? shortReason(c.reason ?? '') : clip(c.reason ?? '')
}

/** Each skip reason once, in full, with the checks it skipped (they often share one). */
function skipNotes(checks: readonly CheckReport[]): Content[] {
  const by = new Map<string, string[]>()
  for (const c of checks)
    if (c.status === 'skipped' && c.reason && c.reason !== shortReason(c.reason))
      by.set(c.reason, [...(by.get(c.reason) ?? []), c.id])
  return [...by].map(([reason, ids]) =>
    concat('Skipped ', ...ids.flatMap((id, i) => [i ? ', ' : '', code(id)]), ': ', ...prose(reason)),
  )
}

function problem(c: CheckReport): Problem {
  return {
    tone: isWarning(c) ? 'warn' : 'fail',
    what: c.id,
    why: prose(
      `${c.reason ?? 'failed'}${isWarning(c) ? ` (advisory: ${c.severityReason}; the step still passes)` : ''}`,
    ),
    fix: c.fix && prose(c.fix),
    output: c.stderrTail,
  }
}

export interface Counts {
  passed: number
  failed: number
  warned: number
  skipped: number
}

export function smokeCounts(r: SmokeReport): Counts {
  const n = (f: (c: CheckReport) => boolean) => r.checks.filter(f).length
  return {
    passed: n((c) => c.status === 'passed'),
    failed: n((c) => c.status === 'failed' && !isWarning(c)),
    warned: n(isWarning),
    skipped: n((c) => c.status === 'skipped'),
  }
}

function smokeResultLine(k: Counts): string {
  const ran = k.passed + k.failed + k.warned
  const parts = [
    `${k.passed}/${ran} passed`,
    k.failed && `${k.failed} failed`,
    k.warned && `${k.warned} advisory failed`,
    k.skipped && `${k.skipped} skipped`,
  ]
  return parts.filter(Boolean).join(', ')
}

export function smokePhase(r: SmokeReport, ms?: number): PhaseView {
  const k = smokeCounts(r)
  const tone: Tone = k.failed ? 'fail' : k.warned ? 'warn' : 'ok'
  const rows = r.checks.map((c) => [
    [c.title, ' ', code(c.id)],
    breakable(c.mode),
    resultText(c),
    c.severity ?? '—', // reports written before checks had a severity
    c.status === 'skipped' ? '—' : seconds(c.durationMs),
    breakable(note(c)),
  ])
  return {
    title: 'Smoke tests',
    tone,
    // the step's clock, else the suite's own wall time: one duration on the line, not two
    result: smokeResultLine(k),
    ms: ms ?? r.wallMs,
    tables: [{ head: ['Check', 'Network', 'Result', 'Kind', 'Time', 'Notes'], rows }],
    problems: r.checks.filter((c) => c.status === 'failed').map(problem),
    notes: skipNotes(r.checks),
  }
}
