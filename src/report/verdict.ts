// The first thing a person reads: one verdict line (✅/⚠️/❌, podman version, variant, libc,
// how it was verified, cache, checks passed, total time), and when something needs a look,
// which check, why and the fix, right under it. Then the phases, green ones folded.
import { type Content, concat, html, list, paragraph, strong } from './html.js'
import { ICON, type PhaseView, type Problem, problemItem, renderPhase, type Tone, worstTone } from './phase.js'
import { seconds } from '../smoke/report.js'

interface VerdictFacts {
  /** podman's version, once known */
  version?: string
  /** `full, static, amd64`, or `the runner's own podman` */
  flavour?: string
  verified?: string
  /** `cache miss`, `cache hit (tool-cache)`; absent for the runner's own podman */
  cache?: string
  /** smoke checks that passed, of those that ran; or why the suite did not run */
  checks: { passed: number; ran: number } | { notRun: string }
  totalMs: number
}

export interface StepSummary {
  verdict: VerdictFacts
  phases: readonly PhaseView[]
  /** what failed the step when no phase says it (a download that failed, a bad release) */
  error?: string
}

function headline(tone: Tone, s: StepSummary, failedPhase?: PhaseView): string {
  const podman = s.verdict.version ? `podman ${s.verdict.version}` : 'podman'
  if (tone === 'fail') {
    const what = failedPhase ? `${failedPhase.title.toLowerCase()} failed` : 'setup failed'
    return `${ICON.fail} ${podman} not ready: ${what}`
  }
  const warnings = s.phases.flatMap((p) => p.problems).length
  return tone === 'warn'
    ? `${ICON.warn} ${podman} ready, ${warnings} warning${warnings === 1 ? '' : 's'}`
    : `${ICON.ok} ${podman} ready`
}

/** The verdict's two parts: the headline, then the facts. */
function verdictParts(s: StepSummary): [string, string[]] {
  const tone: Tone = s.error ? 'fail' : worstTone(s.phases.map((p) => p.tone))
  const failed = s.phases.find((p) => p.tone === 'fail')
  const v = s.verdict
  const facts = [
    v.flavour,
    v.verified && `verified ${v.verified}`,
    v.cache,
    'notRun' in v.checks ? v.checks.notRun : `${v.checks.passed}/${v.checks.ran} checks passed`,
    seconds(v.totalMs),
  ]
  return [headline(tone, s, failed), facts.filter((f): f is string => Boolean(f))]
}

/** The verdict as one line of text (the job log's last line). */
export const verdictLine = (s: StepSummary): string => verdictParts(s).flat().join(' · ')

/** Everything that needs a look, from every phase, worst first. */
function problems(s: StepSummary): Content[] {
  const all: { p: Problem; phase: string }[] = s.phases.flatMap((ph) =>
    ph.problems.map((p) => ({ p, phase: ph.title })),
  )
  const sorted = [...all.filter((x) => x.p.tone === 'fail'), ...all.filter((x) => x.p.tone === 'warn')]
  const items = sorted.map((x) => problemItem(x.p, x.phase.toLowerCase()))
  return s.error ? [concat(`${ICON.fail} `, strong('Error'), `: ${s.error}`), ...items] : items
}

/** The whole summary, as the HTML blocks GFM passes through untouched. */
export function renderStepSummary(s: StepSummary): string {
  const items = problems(s)
  const [head, facts] = verdictParts(s)
  const blocks = [
    html(paragraph(concat(strong(head), ` · ${facts.join(' · ')}`))),
    ...(items.length ? [html(list(items))] : []),
    ...s.phases.map(renderPhase),
  ]
  return `${blocks.join('\n\n')}\n\n`
}
