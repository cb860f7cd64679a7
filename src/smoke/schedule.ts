// Runs checks concurrently, each under its own deadline: a check's result is never an
// exception, and the sweep of what it created runs before the result is final. One check
// never stops another.
import type { CheckId } from '../inputs.js'
import { errorText } from '../ports/exec.js'
import type { CheckReport } from './report.js'
import { CheckContext, CheckFailure, CheckSkip, type Runnable, type Suite } from './runner.js'
import { type Leftovers, sweep } from './sweep.js'

type Base = Pick<CheckReport, 'id' | 'title' | 'mode' | 'severity' | 'severityReason'> & { fix?: string }

interface Ran {
  report: CheckReport
  /** what its own cleanup (host servers, deferred steps) could not undo */
  errors: string[]
  left: Leftovers
  /** what it left may still serve a running check (a shared server): swept after the last check */
  held: boolean
}

/**
 * Started first, longest first, as measured in timelines of `smoke-tests: auto` on the 2-core
 * test VM (host and Debian 13 tree, `npm run bench`): podman-coexist (six turns of two podmans
 * one after another: 5-10 s), storage-integrity (run, commit, run), exec-repeat (run, four
 * execs, six more), custom-network (network, server, client), build (build, run), tls-volume
 * (108 TLS transfers through the network helper). Started late, one of them would end the
 * suite alone while the cores idle.
 */
const FIRST: readonly CheckId[] = [
  'podman-coexist',
  'storage-integrity',
  'exec-repeat',
  'custom-network',
  'build',
  'tls-volume',
]

/** Indexes of `checks` in the order they start: FIRST's, then the rest in table order. */
function startOrder(checks: readonly Pick<Runnable, 'id'>[]): number[] {
  const rank = (id: string) => {
    const r = FIRST.indexOf(id as CheckId)
    return r < 0 ? FIRST.length : r
  }
  return checks.map((_, i) => i).sort((a, b) => rank(checks[a].id) - rank(checks[b].id) || a - b)
}

const NOTHING: Leftovers = { containers: [], networks: [], images: [] }
/** each sweep call: many containers at once, on a loaded runner */
const SWEEP_MS = 60_000

/** One check: its result, never an exception; what it left in podman is swept after the last check. */
async function runOne(suite: Suite, c: Runnable): Promise<Ran> {
  const { fix, ...base } = reportBase(c)
  if (c.skip)
    return {
      report: { ...base, status: 'skipped', reason: c.skip, durationMs: 0, details: {} },
      errors: [],
      left: NOTHING,
      held: false,
    }
  const started = Date.now()
  const ctx = new CheckContext(suite, c.id, started + suite.timeoutMs)
  let timer: NodeJS.Timeout | undefined
  // Backstop for host-side waits: podman calls already end at the deadline themselves.
  const backstop = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CheckFailure(`timed out (smoke-timeout ${suite.timeoutMs / 1000} s)`)),
      suite.timeoutMs + 2000,
    )
  })
  let report: CheckReport
  try {
    const details = await Promise.race([c.run(ctx), backstop])
    report = { ...base, status: 'passed', durationMs: 0, details }
  } catch (err) {
    report = outcome({ ...base, fix }, err)
  } finally {
    clearTimeout(timer)
  }
  const { errors, left, held } = await ctx.finish()
  return { report: { ...report, durationMs: Date.now() - started }, errors, left, held }
}

/** A check whose leftovers could not be removed fails; its own reason first (the leftover is usually a consequence). */
function withLeftovers(report: CheckReport, leftovers: string[]): CheckReport {
  if (leftovers.length === 0) return report
  const cleanup = `cleanup failed: ${leftovers.join('; ')}`
  const reason = report.status === 'failed' ? `${report.reason}; ${cleanup}` : cleanup
  return { ...report, status: 'failed', reason, details: { ...report.details, leftovers } }
}

export const reportBase = (c: Runnable): Base => ({
  id: c.id,
  title: c.title,
  mode: c.mode,
  severity: c.severity,
  severityReason: c.severityReason,
  ...(c.fix && { fix: c.fix }),
})

function outcome({ fix, ...base }: Base, err: unknown): CheckReport {
  if (err instanceof CheckSkip) return { ...base, status: 'skipped', reason: err.message, durationMs: 0, details: {} }
  const f = err instanceof CheckFailure ? err : new CheckFailure(errorText(err))
  const how = f.fix ?? fix
  return {
    ...base,
    status: 'failed',
    reason: f.message,
    ...(how && { fix: how }),
    durationMs: 0,
    details: f.details ?? {},
    ...(f.stderr && { stderrTail: f.stderr }),
  }
}

/** Finished checks' leftovers, swept a batch at a time; each sweep's errors go to their checks. */
function sweeps(podman: Parameters<typeof sweep>[0], ran: readonly Ran[], errors: string[][]) {
  const done: number[] = []
  // Swept after the last check only: what these left may serve another (a shared server swept
  // while publish fetched from it failed publish with a reset on a loaded runner).
  const held: number[] = []
  return {
    finished: (i: number) => void (ran[i].held ? held : done).push(i),
    pending: () => done.length > 0,
    async sweep(extra: string[] = [], last = false) {
      if (last) done.push(...held.splice(0))
      const batch = done.splice(0)
      const swept = await sweep(
        podman,
        batch.map((i) => ran[i].left),
        extra,
      )
      for (const [k, i] of batch.entries()) errors[i].push(...swept[k])
    },
  }
}

/**
 * Runs all checks with at most `limit` at a time, the long ones first; then sweeps what they
 * left (with `extraImages`, the suite's base image). Results keep the input order.
 */
export async function runAll(
  suite: Suite,
  checks: readonly Runnable[],
  limit: number,
  extraImages: () => string[] = () => [],
): Promise<CheckReport[]> {
  const ran: Ran[] = new Array(checks.length)
  const errors: string[][] = checks.map(() => [])
  const queue = startOrder(checks)
  const batches = sweeps(
    { run: (args) => suite.run(suite.podman, args, { env: suite.env, timeoutMs: SWEEP_MS }) },
    ran,
    errors,
  )
  let sweeping = false
  let running = 0
  const worker = async () => {
    for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
      running++
      ran[i] = await runOne(suite, checks[i])
      running--
      batches.finished(i)
    }
    // Nothing left to start: while the last checks run, this slot sweeps what the finished ones
    // left (one batch at a time), so the sweep after the last check has less to do.
    if (sweeping || running === 0 || !batches.pending()) return
    sweeping = true
    await batches.sweep()
    sweeping = false
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, checks.length)) }, worker))
  await batches.sweep(extraImages(), true)
  return ran.map((r, i) => withLeftovers(r.report, [...r.errors, ...errors[i]]))
}
