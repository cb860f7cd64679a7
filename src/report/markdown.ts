// The matrix as Markdown (job summary and the file committed into docs) and as JSON.
// Report text comes from artifacts: every cell is escaped, nothing is trusted as HTML.
// One table per runner, checks down and configurations across: a row per configuration
// with a column per check is 23 columns wide and scrolls sideways in a 1012 px summary.
import { escapeHtml } from './html.js'
import type { SmokeResult } from '../smoke/report.js'
import type { Matrix, Row } from './matrix.js'

const CELL: Record<SmokeResult, string> = { passed: '✅', failed: '❌', skipped: '⏭️' }

/** Safe in a GFM table cell: no HTML, no column breaks, one line. */
export function cell(text: string): string {
  return escapeHtml(text)
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ')
}

const line = (cells: string[]): string => `| ${cells.join(' | ')} |`

const runnerOf = (r: Row): string => `${r.runner} · ${r.arch}`

/** Rows grouped by runner and arch, in the matrix's order (runner first already). */
function groups(m: Matrix): [string, Row[]][] {
  const out = new Map<string, Row[]>()
  for (const r of m.rows) out.set(runnerOf(r), [...(out.get(runnerOf(r)) ?? []), r])
  return [...out]
}

function table(m: Matrix, rows: readonly Row[]): string[] {
  const components = (['podman', 'crun', 'pasta'] as const).map((k) => line([k, ...rows.map((r) => cell(r[k]))]))
  const checks = m.columns
    .filter((c) => rows.some((r) => r.cells[c.id]))
    .map((c) =>
      line([`${cell(c.title)} (${cell(c.id)})`, ...rows.map((r) => (r.cells[c.id] ? CELL[r.cells[c.id]] : '—'))]),
    )
  const passed = line(['**Passed**', ...rows.map((r) => `**${r.passed}/${r.passed + r.failed}**`)])
  const head = ['', ...rows.map((r) => cell(r.configuration))]
  return [line(head), line(head.map(() => '---')), ...components, ...checks, passed]
}

function failures(m: Matrix): string[] {
  const out: string[] = []
  for (const r of m.rows) {
    for (const c of m.columns) {
      if (r.cells[c.id] === 'failed')
        out.push(
          `- ❌ **${cell(r.configuration)}** on ${cell(runnerOf(r))}: ${cell(c.title)} (${cell(c.id)}): ` +
            `${cell(r.reasons[c.id] ?? 'failed')}`,
        )
    }
  }
  return out.length ? ['', '### Failures', '', ...out] : []
}

export function totalLine(m: Matrix): string {
  const configs = `${m.rows.length} configuration${m.rows.length === 1 ? '' : 's'}`
  const icon = m.ran > m.passed ? '❌' : '✅'
  return `${icon} **${m.passed}/${m.ran} passed** (${m.skipped} skipped) across ${configs}.`
}

export function renderMarkdown(m: Matrix): string {
  const tables = groups(m).flatMap(([runner, rows]) => ['', `### ${cell(runner)}`, '', ...table(m, rows)])
  return [
    `## ${cell(m.title)}`,
    '',
    totalLine(m),
    ...failures(m),
    ...tables,
    '',
    '✅ passed, ❌ failed, ⏭️ skipped: did not apply here (the reason is in the JSON). Origin: bundled in the ' +
      "release, completed from its full asset, or the runner's own (system).",
    '',
  ].join('\n')
}

/** The JSON file: the matrix as data, each row with the identity it came from. */
export function renderJson(m: Matrix): string {
  return `${JSON.stringify({ version: 1, ...m }, null, 2)}\n`
}
