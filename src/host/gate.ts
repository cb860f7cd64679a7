// The gate: probe results against the requirement table, per piece: what was found, what
// is needed and why, the status, and what to do (nothing, complete it from the release's
// full asset, a host remedy, or fail). Pure: src/step/gate.ts does the I/O the plan asks for.
import type { Variant } from '../inputs.js'
import { evaluateLines, type LineVerdict, type Status, worst } from './evaluate.js'
import type { CheckResult } from './apply-remedies.js'
import type { Found } from './found.js'
import type { HostProbe } from './probe.js'
import { COMPLETABLE, providedBy, type RequirementSet, requirementsFor, VARIANT_ORDER } from './requirements.js'
import type { Piece } from './search.js'

type Action =
  | 'none'
  /** take it from the full asset (the plan downloads it) */
  | 'complete'
  /** taken from the full asset (after applyCompletion) */
  | 'completed'
  /** the uidmap remedy (remedies/uidmap.ts) installs it */
  | 'remedy'
  | 'fail'
  | 'warn'

export interface PieceVerdict {
  piece: Piece
  found: Found
  /** who provides it for this variant */
  from: 'host' | 'asset'
  lines: LineVerdict[]
  status: Status
  action: Action
  /** one line for the summary's "action taken" column */
  actionText: string
}

export interface GateOptions {
  installMissing: boolean
  /** before install (variant: auto): trust what the asset bundles instead of the probe */
  predict?: boolean
}

export interface GatePlan {
  variant: Variant
  podmanVersion: string
  pieces: PieceVerdict[]
  /** pieces to take from the full asset, when it is installed */
  complete: Piece[]
  needsFullAsset: boolean
  /** every unmet ❌ line nothing in this plan will fix: fail the step with all of them at once */
  failures: string[]
  /** unmet lines the user can act on: ::warning:: annotations */
  warnings: string[]
  /** unmet lines that ask nothing of the user (an optional piece missing, an unreadable version): log lines */
  notes: string[]
}

/** A line that makes downloading the full asset worthwhile (optional pieces ride along). */
const wantsCompletion = (l: LineVerdict): boolean =>
  l.status === 'fail' ||
  (l.status === 'warn' &&
    ['recommended', 'cautioned'].includes(l.req.level) &&
    !l.detail.startsWith('present, version unknown'))

/**
 * A warning worth an annotation: an unmet recommended or cautioned line. An optional piece
 * that is missing, or a version the tool does not print, asks nothing of the user.
 */
export const actionable = (l: LineVerdict): boolean =>
  l.req.level !== 'optional' && !/^(present, )?version unknown/.test(l.detail)

export const lineText = (piece: Piece, l: LineVerdict): string =>
  `${piece}: ${l.detail} (${l.req.level}: ${l.req.reason})`

function verdict(piece: Piece, found: Found, lines: LineVerdict[], variant: Variant, opts: GateOptions): PieceVerdict {
  const from = providedBy(variant, piece) ? 'asset' : 'host'
  if (opts.predict && from === 'asset') {
    return {
      piece,
      found: { note: 'bundled in the release asset' },
      from,
      lines: [],
      status: 'ok',
      action: 'none',
      actionText: `bundled in the ${variant} asset`,
    }
  }
  const status = worst(lines.map((l) => l.status))
  const base = { piece, found, from, lines, status } as const
  if (status === 'ok') return { ...base, action: 'none', actionText: '—' }
  if (piece === 'newuidmap' || piece === 'newgidmap')
    return { ...base, action: 'remedy', actionText: 'see the uidmap host check' }
  const completable = from === 'host' && COMPLETABLE.includes(piece) && opts.installMissing
  if (completable && lines.some(wantsCompletion))
    return { ...base, action: 'complete', actionText: 'complete from the full asset' }
  if (status === 'fail') {
    const why =
      from === 'asset'
        ? 'bundled in the asset; nothing to complete it with'
        : opts.installMissing
          ? 'the full asset does not carry it'
          : 'install-missing is false'
    return { ...base, action: 'fail', actionText: `none: ${why}` }
  }
  return { ...base, action: 'warn', actionText: 'kept as is (warning)' }
}

/** netavark and aardvark-dns come as a pair: complete one, complete both. */
function completionSet(pieces: readonly PieceVerdict[], opts: GateOptions): Piece[] {
  const set = new Set(pieces.filter((p) => p.action === 'complete').map((p) => p.piece))
  if (set.has('netavark') || set.has('aardvark-dns')) for (const p of ['netavark', 'aardvark-dns'] as const) set.add(p)
  if (set.size === 0 || !opts.installMissing) return []
  // Optional pieces the host lacks ride along once the asset is coming anyway.
  for (const p of pieces) if (p.from === 'host' && p.status !== 'ok' && COMPLETABLE.includes(p.piece)) set.add(p.piece)
  return COMPLETABLE.filter((p) => set.has(p))
}

export function planGate(probe: Pick<HostProbe, 'pieces'>, reqs: RequirementSet, opts: GateOptions): GatePlan {
  const { variant, podmanVersion, lines } = reqs
  const byPiece = [...new Set(lines.map((l) => l.piece))]
  const pieces = byPiece.map((p) =>
    verdict(
      p,
      probe.pieces[p] ?? {},
      evaluateLines(
        lines.filter((l) => l.piece === p),
        probe.pieces[p] ?? {},
      ),
      variant,
      opts,
    ),
  )
  const complete = completionSet(pieces, opts)
  for (const p of pieces) {
    if (complete.includes(p.piece) && p.action !== 'complete')
      Object.assign(p, { action: 'complete', actionText: 'complete from the full asset (it is downloaded anyway)' })
  }
  return { variant, podmanVersion, pieces, complete, needsFullAsset: complete.length > 0, ...unmetTexts(pieces) }
}

/** Unmet lines nothing in the plan resolves: failures, warnings the user can act on, notes for the log. */
function unmetTexts(pieces: readonly PieceVerdict[]): Pick<GatePlan, 'failures' | 'warnings' | 'notes'> {
  const unresolved = pieces
    .filter((p) => p.action !== 'complete' && p.action !== 'remedy')
    .flatMap((p) => p.lines.filter((l) => l.status !== 'ok').map((l) => ({ piece: p.piece, l })))
  const texts = (keep: (l: LineVerdict) => boolean) =>
    unresolved.filter((u) => keep(u.l)).map((u) => lineText(u.piece, u.l))
  return {
    failures: texts((l) => l.status === 'fail'),
    warnings: texts((l) => l.status === 'warn' && actionable(l)),
    notes: texts((l) => l.status === 'warn' && !actionable(l)),
  }
}

export interface VariantChoice {
  variant: Variant
  reason: string
}

/**
 * `variant: auto`: the smallest variant whose needs this host meets as it is (host remedies
 * such as uidmap are the same for every variant and do not count).
 */
export function chooseVariant(probe: Pick<HostProbe, 'pieces'>, podmanVersion: string): VariantChoice {
  const misses: string[] = []
  for (const variant of VARIANT_ORDER) {
    const plan = planGate(probe, requirementsFor(variant, podmanVersion), { installMissing: false, predict: true })
    const short = plan.pieces
      .filter((p) => p.action !== 'remedy')
      .flatMap((p) =>
        p.lines.filter((l) => l.status !== 'ok' && l.req.level !== 'optional').map((l) => `${p.piece} ${l.detail}`),
      )
    if (short.length === 0) {
      const before = misses.length ? ` (${misses.join('; ')})` : ''
      return { variant, reason: `${variant}: the smallest variant this host can run as it is${before}` }
    }
    misses.push(`${variant} would need: ${short.join(', ')}`)
  }
  return { variant: 'full', reason: `full: no variant fits this host as it is (${misses.join('; ')})` }
}

/** What the gate saw when it stopped: the job summary shows it with the failure. */
export interface GateFound {
  pieces: readonly PieceVerdict[]
  checks: readonly CheckResult[]
}

/** Fails the step with every unmet line at once, not one per run. */
export class GateError extends Error {
  constructor(
    readonly lines: readonly string[],
    readonly found?: GateFound,
  ) {
    super(`This host cannot run podman as set up (${lines.length} unmet):\n${lines.map((l) => `- ${l}`).join('\n')}`)
  }
}
