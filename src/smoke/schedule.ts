// Runs checks concurrently, each under its own deadline: a check's result is never an
// exception, and its cleanup runs before the result is final. One check never stops another.
import { errorText } from '../ports/exec.js'
import type { CheckReport } from './report.js'
import { CheckContext, CheckFailure, CheckSkip, type Runnable, type Suite } from './runner.js'

type Base = Pick<CheckReport, 'id' | 'title' | 'mode' | 'severity' | 'severityReason'> & { fix?: string }

/** One check: its result, never an exception. Cleanup runs before the result is final. */
async function runOne(suite: Suite, c: Runnable): Promise<CheckReport> {
  const { fix, ...base } = reportBase(c)
  if (c.skip) return { ...base, status: 'skipped', reason: c.skip, durationMs: 0, details: {} }
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
  const leftovers = await ctx.cleanup()
  if (leftovers.length > 0) {
    // A failed check keeps its own reason first: the leftover is usually a consequence of it.
    const cleanup = `cleanup failed: ${leftovers.join('; ')}`
    const reason = report.status === 'failed' ? `${report.reason}; ${cleanup}` : cleanup
    report = { ...report, status: 'failed', reason, details: { ...report.details, leftovers } }
  }
  return { ...report, durationMs: Date.now() - started }
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

/** Runs all checks with at most `limit` at a time; results keep the input order. */
export async function runAll(suite: Suite, checks: readonly Runnable[], limit: number): Promise<CheckReport[]> {
  const results: CheckReport[] = new Array(checks.length)
  let next = 0
  const worker = async () => {
    while (next < checks.length) {
      const i = next++
      results[i] = await runOne(suite, checks[i])
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, checks.length)) }, worker))
  return results
}
