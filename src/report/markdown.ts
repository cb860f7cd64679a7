// The matrix as Markdown (job summary and the file committed into docs) and as JSON.
// Report text comes from artifacts: every cell is escaped, nothing is trusted as HTML.
import { escapeHtml } from './summary.js'
import type { SmokeResult } from '../smoke/report.js'
import type { Matrix, Row } from './matrix.js'

const CELL: Record<SmokeResult, string> = { passed: '✅', failed: '❌', skipped: 'skipped' }

/** Safe in a GFM table cell: no HTML, no column breaks, one line. */
export function cell(text: string): string {
  return escapeHtml(text)
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ')
}

const line = (cells: string[]): string => `| ${cells.join(' | ')} |`

function tableRow(m: Matrix, r: Row): string {
  const checks = m.columns.map((c) => (r.cells[c.id] ? CELL[r.cells[c.id]] : '—'))
  const fixed = [r.configuration, r.arch, r.runner, r.podman, r.crun, r.pasta].map(cell)
  return line([...fixed, ...checks, `${r.passed}/${r.passed + r.failed}`])
}

function table(m: Matrix): string[] {
  const head = [
    'Configuration',
    'Arch',
    'Runner',
    'podman',
    'crun',
    'pasta',
    ...m.columns.map((c) => cell(c.id)),
    'Passed',
  ]
  return [line(head), line(head.map(() => '---')), ...m.rows.map((r) => tableRow(m, r))]
}

function failures(m: Matrix): string[] {
  const out: string[] = []
  for (const r of m.rows) {
    for (const c of m.columns) {
      if (r.cells[c.id] === 'failed')
        out.push(
          `- **${cell(r.configuration)}** · ${cell(r.arch)} · ${cell(r.runner)}: \`${c.id}\`: ${cell(r.reasons[c.id] ?? 'failed')}`,
        )
    }
  }
  return out.length ? ['', '### Failures', '', ...out] : []
}

export function totalLine(m: Matrix): string {
  const configs = `${m.rows.length} configuration${m.rows.length === 1 ? '' : 's'}`
  return `**${m.passed}/${m.ran} passed** (${m.skipped} skipped) across ${configs}.`
}

export function renderMarkdown(m: Matrix): string {
  const legend = m.columns.map((c) => `\`${c.id}\`: ${cell(c.title)}`).join('; ')
  return [
    `## ${cell(m.title)}`,
    '',
    ...table(m),
    '',
    totalLine(m),
    ...failures(m),
    '',
    `Checks: ${legend}. ✅ passed, ❌ failed, skipped: did not apply here (the reason is in the JSON). Origin: bundled in the release, completed from its full asset, or the runner's own (system).`,
    '',
  ].join('\n')
}

/** The JSON file: the matrix as data, each row with the identity it came from. */
export function renderJson(m: Matrix): string {
  return `${JSON.stringify({ version: 1, ...m }, null, 2)}\n`
}
