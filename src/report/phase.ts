// One phase of the step (install, host gate, smoke tests) as the summary shows it: a one-line
// result, compact tables, and every problem with why and the fix. All green folds away into
// <details>; anything that needs a look stays open. Pure: data in, HTML out.
import { type Content, concat, details, html, output, raw, strong, type Table, table } from './html.js'
import { seconds } from '../smoke/report.js'

export type Tone = 'ok' | 'warn' | 'fail'
export const ICON: Record<Tone, string> = { ok: '✅', warn: '⚠️', fail: '❌' }

export interface Problem {
  tone: Exclude<Tone, 'ok'>
  /** which check or piece: `crun`, `default-network` */
  what: string
  /** what was seen, and why it matters */
  why: Content
  /** what the user does about it */
  fix?: Content
  /** long tool output (a stderr tail): folded, never in a table cell */
  output?: string
}

export interface PhaseView {
  title: string
  tone: Tone
  /** the one line shown when the phase is folded */
  result: string
  ms?: number
  tables: Table[]
  problems: Problem[]
  /** extra lines under the tables */
  notes?: Content[]
}

/** The worst tone of a list (ok when empty). */
export function worstTone(tones: readonly Tone[]): Tone {
  return tones.includes('fail') ? 'fail' : tones.includes('warn') ? 'warn' : 'ok'
}

/** `❌ crun (host gate): 1.8.1 does not meet … Fix: …`: one list item under the verdict. */
export function problemItem(p: Problem, phase?: string): Content {
  const where = phase ? ` (${phase})` : ''
  const fix = p.fix ? concat(raw('<br>'), strong('Fix:'), ' ', p.fix) : []
  return concat(`${ICON[p.tone]} `, strong(p.what), `${where}: `, p.why, fix)
}

export function phaseSummary(p: PhaseView): string {
  const time = p.ms === undefined ? '' : ` · ${seconds(p.ms)}`
  return `${ICON[p.tone]} ${p.title}: ${p.result}${time}`
}

/** Problems with the same output (one broken helper fails many checks alike) share one fold. */
function sameOutputs(problems: readonly Problem[]): [string, string[]][] {
  const by = new Map<string, string[]>()
  for (const p of problems) if (p.output) by.set(p.output, [...(by.get(p.output) ?? []), p.what])
  return [...by]
}

/** The phase as one <details>, open unless all green; stderr tails nested and folded. */
export function renderPhase(p: PhaseView): string {
  const outputs = sameOutputs(p.problems).map(([text, whats]) => output(`Output of ${whats.join(', ')}`, text))
  const body = [
    ...p.tables.filter((t) => t.rows.length).map(table),
    ...outputs,
    ...(p.notes ?? []).map((n) => raw(`<p>${html(n)}</p>`)),
  ]
  return details(strong(phaseSummary(p)), body, p.tone !== 'ok').value
}
