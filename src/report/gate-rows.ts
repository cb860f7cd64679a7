// Summary rows for the gate: piece | found | needed | status | action taken, and the same
// shape for the host checks. Tool output is untrusted: every cell is escaped.
import type { CheckResult } from '../host/apply-remedies.js'
import { type Status, versionText } from '../host/evaluate.js'
import type { PieceVerdict } from '../host/gate.js'
import { needText } from '../host/requirements.js'
import { escapeHtml, type Row } from './summary.js'

export const STATUS_ICON: Record<Status, string> = { ok: '✅', warn: '⚠️', fail: '❌' }

const header = (...xs: string[]): Row => xs.map((data) => ({ data, header: true }))
const cells = (...xs: string[]): Row => xs.map((x) => escapeHtml(x).replace(/\n/g, '<br>'))

function origin(p: PieceVerdict): string {
  if (p.action === 'completed') return 'completed from the full asset'
  return p.from === 'asset' ? 'bundled' : 'host'
}

export function foundText(p: PieceVerdict): string {
  const f = p.found
  if (!f.path) return f.note ?? 'missing'
  const v = f.setuid !== undefined ? (f.raw ?? '') : versionText(p.piece, f.version)
  return `${v}, ${f.path} (${origin(p)})${f.note && !f.version ? `\n${f.note}` : ''}`
}

export function neededText(p: PieceVerdict): string {
  return p.lines.map((l) => `${needText(l.req)}: ${l.req.reason}`).join('\n') || '—'
}

export function gateRows(pieces: readonly PieceVerdict[]): Row[] {
  return [
    header('Piece', 'Found', 'Needed', 'Status', 'Action taken'),
    ...pieces.map((p) => [
      ...cells(p.piece, foundText(p), neededText(p)),
      STATUS_ICON[p.status],
      ...cells(p.actionText),
    ]),
  ]
}

const CHECK_STATUS: Record<CheckResult['outcome'], (c: CheckResult) => Status> = {
  ok: () => 'ok',
  fixed: () => 'ok',
  failed: () => 'fail',
  reported: (c) => (c.severity === 'error' ? 'fail' : 'warn'),
  warned: () => 'warn',
}

export function checkRows(checks: readonly CheckResult[]): Row[] {
  return [
    header('Host check', 'Found', 'Needed', 'Status', 'Action taken'),
    ...checks.map((c) => [
      ...cells(c.name, c.found, c.needed),
      STATUS_ICON[CHECK_STATUS[c.outcome](c)],
      ...cells(c.actionText),
    ]),
  ]
}
