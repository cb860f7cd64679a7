// Run the remedies the checks planned, record each system change (with its revert) before
// its command runs, so post reverts it even when the step is cancelled or fails half-way,
// then look again: a remedy counts as done only when its check passes afterwards.
import { recordThenDo, type SystemChange } from './change.js'
import { lastLine } from '../ports/exec.js'
import type { Wiring } from '../install/dropin.js'
import { readFacts, type User } from './facts.js'
import { type HostProbe, type HostPorts, probePiece } from './probe.js'
import { locate } from './which.js'
import type { Check, RemedyOptions, Step } from './remedies/check.js'
import { planChecks } from './remedies/index.js'
import { candidates, NO_WIRING } from './search.js'
import { holdChange, sharedChange } from './shared.js'

export interface CheckResult extends Check {
  /** pending: a remedy that did not run because the gate stopped first */
  outcome: 'ok' | 'fixed' | 'failed' | 'reported' | 'warned' | 'pending'
  actionText: string
}

export interface RemedyOutcome {
  checks: CheckResult[]
  changes: SystemChange[]
  failures: string[]
  warnings: string[]
  /** for the job log only: handled warnings and notes on checks that passed */
  notes: string[]
  wiring: Partial<Wiring>
}

export interface RemedyContext {
  env: NodeJS.ProcessEnv
  user: User
  /**
   * called with each change before its command runs (marked pending), and with the same
   * object again once it succeeded: save it to state right away each time
   */
  onChange?: (c: SystemChange) => void
  /** the step run's id: a host-wide change is held under it, and reverted by its last holder */
  holdId?: string
}

const quote = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)

/** How a person would type the step (no `-n`: they can answer a prompt). */
export function commandText(s: Step, root = false): string {
  const argv = s.sudo && !root ? ['sudo', ...s.argv] : s.argv
  const line = argv.map(quote).join(' ')
  return s.input === undefined ? line : `${line} >/dev/null <<'EOF'\n${s.input}EOF`
}

const commands = (c: Check, root: boolean): string =>
  (c.remedy?.steps ?? []).map((s) => commandText(s, root)).join('\n')

interface StepResult {
  error?: string
  change?: SystemChange
}

interface Run1 {
  ports: HostPorts
  root: boolean
  record: Recorder
  /** the step run's id: host-wide changes are held under it (src/host/shared.ts) */
  holdId?: string
}

async function runStep(s: Step, x: Run1): Promise<StepResult> {
  const sudo = s.sudo && !x.root
  const wrap = (argv: string[]) => (sudo ? ['sudo', '-n', ...argv] : argv)
  const exec = (argv: string[], input = s.input) => x.ports.run(argv[0], argv.slice(1), { input, timeoutMs: 300_000 })
  const planned = await stepChange(s, x, sudo)
  let error: string | undefined
  // A failed command stays recorded, pending: it may have changed something before failing.
  const ok = await recordThenDo(x.record, planned?.change, async () => {
    await planned?.hold((argv, input) => exec(wrap(argv), input))
    let r = await exec(wrap(s.argv))
    if (r.exitCode !== 0 && s.retryAfter) {
      for (const pre of s.retryAfter) await exec(wrap(pre))
      r = await exec(wrap(s.argv))
    }
    if (r.exitCode !== 0) error = `${wrap(s.argv).join(' ')} failed: ${lastLine(r)}`
    return r.exitCode === 0
  })
  return ok ? { change: planned?.change } : { error }
}

/**
 * The step's change, if any, and its hold, taken after it is recorded: a host-wide one (a
 * sudo step) is held, so another job's post leaves it alone; unheld, its plain revert is kept.
 */
async function stepChange(s: Step, x: Run1, sudo: boolean) {
  const existed = s.createsDir ? (await x.ports.fs.stat(s.createsDir)) !== undefined : true
  const planned =
    s.change ??
    (existed
      ? undefined
      : { kind: 'mkdir', description: `created ${s.createsDir}`, revert: ['rmdir', s.createsDir as string] })
  if (!planned) return undefined
  const plain: SystemChange = { ...planned, sudo }
  const id = x.holdId
  if (!s.sudo || !id) return { change: plain, hold: async (_: HoldExec) => undefined }
  const change = sharedChange(plain, id)
  const hold = async (exec: HoldExec) => {
    if (await holdChange(exec, planned, id)) return
    change.revert = plain.revert
    x.record(change)
  }
  return { change, hold }
}

type HoldExec = Parameters<typeof holdChange>[0]
type Recorder = (c: SystemChange) => void

async function fix(
  ports: HostPorts,
  c: Check,
  ctx: RemedyContext,
  changes: SystemChange[],
): Promise<string | undefined> {
  const x: Run1 = { ports, root: ctx.user.uid === 0, record: (ch) => ctx.onChange?.(ch), holdId: ctx.holdId }
  for (const s of c.remedy?.steps ?? []) {
    const r = await runStep(s, x)
    if (r.change) changes.push(r.change)
    if (r.error) return r.error
  }
  return undefined
}

/** Look again after the remedies: facts, and newuidmap/newgidmap where podman finds them. */
async function recheck(ports: HostPorts, probe: HostProbe, ctx: RemedyContext, opts: RemedyOptions): Promise<Check[]> {
  const facts = await readFacts(ports.fs, ctx.env, ctx.user)
  const pieces = { ...probe.pieces }
  for (const t of ['newuidmap', 'newgidmap'] as const) {
    const at = await locate(ports.fs, candidates(t, NO_WIRING, ctx.env.PATH))
    pieces[t] = await probePiece(ports, t, at)
  }
  return planChecks({ ...probe, facts, pieces }, opts)
}

function settle(c: Check, error: string | undefined, after: Check | undefined, root: boolean): CheckResult {
  const name = c.remedy?.name ?? 'remedy'
  if (error)
    return { ...c, outcome: 'failed', actionText: `${name} failed: ${error}. To fix by hand:\n${commands(c, root)}` }
  if (after && after.status !== 'ok' && after.id !== 'lock-clash')
    return { ...c, outcome: 'failed', actionText: `${name} ran, but the check still fails: ${after.found}` }
  return { ...c, status: 'ok', outcome: 'fixed', actionText: `fixed: ${name}` }
}

function unfixed(c: Check, root: boolean): CheckResult {
  if (c.status === 'ok') return { ...c, outcome: 'ok', actionText: c.message ?? '—' }
  if (c.plan === 'report') {
    const how = c.remedy ? `allow-sudo is false; run:\n${commands(c, root)}` : (c.message ?? 'no remedy')
    return { ...c, outcome: 'reported', actionText: c.remedy && c.message ? `${c.message}; ${how}` : how }
  }
  return { ...c, outcome: 'warned', actionText: c.message ?? '—' }
}

const isError = (r: CheckResult): boolean =>
  r.outcome === 'failed' || (r.outcome === 'reported' && r.severity === 'error')
const line = (r: CheckResult): string => `${r.name}: ${r.found}. ${r.actionText}`

/** Before anything runs: the checks that will fail however the rest goes (no remedy, or no sudo). */
export function blockingChecks(checks: readonly Check[], user: User): string[] {
  return checks
    .map((c) => (c.plan === 'fix' ? undefined : unfixed(c, user.uid === 0)))
    .filter((r): r is CheckResult => r !== undefined && isError(r))
    .map(line)
}

/** The checks as they stand when the gate stops before any remedy ran: for the job summary. */
export function previewChecks(checks: readonly Check[], user: User): CheckResult[] {
  return checks.map((c) =>
    c.plan === 'fix'
      ? { ...c, outcome: 'pending', actionText: `not run: ${c.remedy?.name ?? 'remedy'} (the gate stopped first)` }
      : unfixed(c, user.uid === 0),
  )
}

export async function applyRemedies(
  ports: HostPorts,
  probe: HostProbe,
  checks: readonly Check[],
  opts: RemedyOptions,
  ctx: RemedyContext,
): Promise<RemedyOutcome> {
  const root = ctx.user.uid === 0
  const changes: SystemChange[] = []
  const errors = new Map<string, string | undefined>()
  for (const c of checks) if (c.plan === 'fix') errors.set(c.id, await fix(ports, c, ctx, changes))
  const after = errors.size ? await recheck(ports, probe, ctx, opts) : []
  const results = checks.map((c) =>
    c.plan === 'fix'
      ? settle(
          c,
          errors.get(c.id),
          after.find((a) => a.id === c.id),
          root,
        )
      : unfixed(c, root),
  )
  return {
    checks: results,
    changes,
    failures: results.filter(isError).map(line),
    warnings: results.filter((r) => !isError(r) && r.status !== 'ok' && !r.handled).map(line),
    notes: results.filter((r) => (r.status === 'ok' && r.message) || (!isError(r) && r.handled)).map(line),
    wiring: Object.assign({}, ...results.map((r) => r.wiring)) as Partial<Wiring>,
  }
}
