// One requirement line against one found piece: pure, so the decision grid is unit-tested.
import semver from 'semver'
import { pastaLabel } from './parse.js'
import type { Found } from './found.js'
import { isAvoidLine, type Level, needText, type Requirement } from './requirements.js'

export type Status = 'ok' | 'warn' | 'fail'

export interface LineVerdict {
  req: Requirement
  status: Status
  /** why, in one short clause: `1.8.1 < 1.14.3`, `missing`, `version unknown` */
  detail: string
}

const RANK: Record<Status, number> = { ok: 0, warn: 1, fail: 2 }
export const worst = (xs: readonly Status[]): Status => xs.reduce<Status>((a, b) => (RANK[b] > RANK[a] ? b : a), 'ok')
export const better = (a: Status, b: Status): boolean => RANK[a] < RANK[b]

const unmet = (level: Level): Status => (level === 'required' || level === 'refused' ? 'fail' : 'warn')

export function versionText(piece: string, version: string | undefined): string {
  if (!version) return 'version unknown'
  return piece === 'pasta' ? pastaLabel(version) : version
}

const TOP = '999999.0.0'

/** An unknown version pinned between bounds still decides a line when the whole span agrees. */
function bounded(req: Requirement, f: Found): LineVerdict | undefined {
  const b = f.bounds
  if (f.version || !f.path || !b?.min || ['present', 'setuid'].includes(req.need)) return undefined
  const span = `>=${b.min} <=${b.max ?? TOP}`
  const shown =
    `version unknown, ${versionText(req.piece, b.min)} ` +
    `${b.max ? `to ${versionText(req.piece, b.max)}` : 'or later'}`
  const inside = semver.subset(span, req.need)
  const touches = semver.intersects(span, req.need)
  if (isAvoidLine(req))
    return !touches
      ? { req, status: 'ok', detail: shown }
      : inside
        ? { req, status: unmet(req.level), detail: `${shown}: in ${needText(req).replace(/^(not|avoid) /, '')}` }
        : undefined
  return inside
    ? { req, status: 'ok', detail: shown }
    : !touches
      ? { req, status: unmet(req.level), detail: `${shown}: does not meet ${needText(req)}` }
      : undefined
}

export function evaluateLine(req: Requirement, f: Found): LineVerdict {
  const v = (status: Status, detail: string): LineVerdict => ({ req, status, detail })
  const shown = versionText(req.piece, f.version)
  const pinned = bounded(req, f)
  if (pinned) return pinned
  if (isAvoidLine(req)) {
    if (!f.path) return v('ok', 'not used')
    if (!f.version)
      return v(req.level === 'refused' ? 'warn' : 'ok', 'version unknown: cannot rule out the known-bad releases')
    return semver.satisfies(f.version, req.need)
      ? v(unmet(req.level), `${shown} is in ${needText(req).replace(/^(not|avoid) /, '')}`)
      : v('ok', shown)
  }
  if (!f.path) return v(unmet(req.level), 'missing')
  if (req.need === 'setuid')
    return f.setuid ? v('ok', 'setuid') : v(unmet(req.level), `not setuid (${f.raw ?? 'no setuid bit'})`)
  if (req.need === 'present') return v('ok', f.version ? shown : 'present')
  if (!f.version) return v('warn', `present, version unknown: cannot check ${needText(req)}`)
  if (semver.satisfies(f.version, req.need)) return v('ok', shown)
  return v(unmet(req.level), `${shown} does not meet ${needText(req)}`)
}

export function evaluateLines(reqs: readonly Requirement[], f: Found): LineVerdict[] {
  return reqs.map((r) => evaluateLine(r, f))
}
