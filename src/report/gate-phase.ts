// The host gate as a phase of the job summary: what podman uses (piece, version, where it is,
// whose it is), what it needs, and the rootless host checks; every unmet line as a problem
// with why and the fix. Tool output is untrusted: the HTML builder escapes it.
import type { CheckResult } from '../host/apply-remedies.js'
import { type LineVerdict, type Status, versionText } from '../host/evaluate.js'
import { actionable, type PieceVerdict } from '../host/gate.js'
import { type Origin, originOf } from '../host/origin.js'
import { needText } from '../host/requirements.js'
import { type Content, code, concat, prose, raw, shortPath } from './html.js'
import { ICON, type PhaseView, type Problem, worstTone } from './phase.js'
import type { PhaseTimes } from '../ports/timings.js'
import { seconds } from '../smoke/report.js'

const ORIGIN: Record<Origin, string> = {
  bundled: 'bundled',
  completed: 'completed',
  system: 'host',
  missing: 'missing',
}

export interface GateFacts {
  pieces: readonly PieceVerdict[]
  checks: readonly CheckResult[]
  /** the release's tree: paths inside it are shown relative to it (undefined for source: system) */
  installRoot?: string
  /** the gate's own work and the `podman info` it asks (timed apart: they add up to the phase) */
  times?: Pick<PhaseTimes, 'gate' | 'info'>
}

function found(p: PieceVerdict, root?: string): Content {
  const f = p.found
  if (!f.path) return f.note ?? 'missing'
  const version = f.setuid !== undefined ? (f.raw ?? '') : versionText(p.piece, f.version)
  return [`${version} `, code(shortPath(f.path, root)), ` (${ORIGIN[originOf(f.path, p, root)]})`]
}

/** The lines that decide the row: the unmet ones when any, else all of them. */
const deciding = (p: PieceVerdict) => {
  const unmet = p.lines.filter((l) => l.status !== 'ok')
  return unmet.length ? unmet : p.lines
}

const needs = (p: PieceVerdict): string =>
  deciding(p)
    .map((l) => `${needText(l.req)} (${l.req.level})`)
    .join('; ') || '—'

function result(p: PieceVerdict): Content {
  if (p.action === 'completed') return concat(`${ICON[p.status]} `, prose(p.actionText))
  if (p.action === 'complete') return `${ICON[p.status]} to complete`
  return p.status === 'ok' ? ICON.ok : concat(`${ICON[p.status]} `, prose(p.actionText))
}

function pieceFix(p: PieceVerdict, need: string): Content {
  if (p.from === 'asset') return 'pick another podman-version: this piece comes with the release asset'
  if (p.actionText.includes('install-missing is false'))
    return [
      code('install-missing: true'),
      ` completes it from the release's full asset; or install ${p.piece} ${need} on the runner`,
    ]
  return `install ${p.piece} ${need} on the runner, or use variant: full`
}

/** `1.8.1 does not meet >= 1.14.3`, or the detail with the need when it does not say it. */
function unmet(l: LineVerdict): string {
  const need = needText(l.req)
  return l.detail.includes(need) ? l.detail : `${l.detail}, needs ${need}`
}

function pieceProblems(p: PieceVerdict, root?: string): Problem[] {
  // newuidmap/newgidmap: the uidmap host check says it, with its remedy
  if (p.status === 'ok' || p.action === 'remedy') return []
  // what asks nothing of the user (an optional piece missing) stays in the table only
  return p.lines
    .filter((l) => l.status === 'fail' || (l.status === 'warn' && actionable(l)))
    .map((l) => ({
      tone: l.status === 'fail' ? 'fail' : 'warn',
      what: p.piece,
      why: concat(found(p, root), `: ${unmet(l)} (${l.req.level}): `, prose(l.req.reason)),
      fix: l.status === 'fail' && p.action !== 'completed' ? pieceFix(p, needText(l.req)) : undefined,
    }))
}

/** A check's status; undefined for a remedy the gate never got to (it stopped first). */
const CHECK_STATUS: Record<CheckResult['outcome'], (c: CheckResult) => Status | undefined> = {
  ok: () => 'ok',
  fixed: () => 'ok',
  failed: () => 'fail',
  reported: (c) => (c.severity === 'error' ? 'fail' : 'warn'),
  // a warning the action handled (no user systemd: cgroupfs) needs nothing from the user
  warned: (c) => (c.handled ? 'ok' : 'warn'),
  pending: () => undefined,
}
const checkStatus = (c: CheckResult) => CHECK_STATUS[c.outcome](c)

function checkProblem(c: CheckResult): Problem[] {
  const s = checkStatus(c)
  if (s === undefined || s === 'ok') return []
  // actionText: what to do, then the exact commands one a line (short: shown, not folded)
  const [first, ...commands] = c.actionText.split('\n')
  const fix = concat(prose(first), ...commands.flatMap((cmd) => [raw('<br>'), code(cmd)]))
  return [{ tone: s, what: c.name, why: prose(`${c.found}; needs ${c.needed}`), fix }]
}

function checkResult(c: CheckResult): Content {
  const s = checkStatus(c)
  const text = prose(c.actionText.split('\n')[0])
  if (s === undefined) return concat('⏭️ ', text)
  if (s === 'ok') return c.actionText === '—' ? ICON.ok : concat(`${ICON.ok} `, text)
  return concat(`${ICON[s]} `, text)
}

/** `gate 0.9 s · podman info 0.3 s`, the names npm run bench prints; undefined when nothing was timed */
function timing(t: GateFacts['times']): { ms?: number; text?: string } {
  const parts = (['gate', 'info'] as const).filter((p) => t?.[p] !== undefined)
  if (!t || !parts.length) return {}
  const ms = parts.reduce((a, p) => a + (t[p] as number), 0)
  return { ms, text: parts.map((p) => `${p === 'info' ? 'podman info' : p} ${seconds(t[p] as number)}`).join(' · ') }
}

export function gatePhase(g: GateFacts): PhaseView {
  const root = g.installRoot
  const problems = [...g.pieces.flatMap((p) => pieceProblems(p, root)), ...g.checks.flatMap(checkProblem)]
  const tone = worstTone(problems.map((p) => p.tone))
  const completed = g.pieces.filter((p) => p.action === 'completed').map((p) => p.piece)
  const fixed = g.checks.filter((c) => c.outcome === 'fixed').map((c) => c.name)
  const okCount =
    g.pieces.filter((p) => p.status === 'ok').length + g.checks.filter((c) => checkStatus(c) === 'ok').length
  const total = g.pieces.length + g.checks.length
  const time = timing(g.times)
  const parts = [
    `${okCount}/${total} met`,
    completed.length && `completed ${completed.join(', ')} from the full asset`,
    fixed.length && `fixed: ${fixed.join(', ')}`,
  ]
  return {
    title: 'Host gate',
    tone,
    result: parts.filter(Boolean).join('; '),
    ms: time.ms,
    tables: [
      {
        head: ['Piece', 'Found', 'Needs', 'Result'],
        rows: g.pieces.map((p) => [p.piece, found(p, root), needs(p), result(p)]),
      },
      { head: ['Host check', 'Found', 'Result'], rows: g.checks.map((c) => [c.name, prose(c.found), checkResult(c)]) },
    ],
    problems,
    notes: time.text ? [`Time: ${time.text}`] : [],
  }
}
