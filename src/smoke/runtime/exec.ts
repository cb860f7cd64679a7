// exec-repeat: many `podman exec` into one running container, one after another and at
// once, each under its own deadline. A hang (GitHub's static bundle hung on a futex in about
// one job of three) fails within the deadline, and whatever it left running is killed.
import type { Procs } from '../../ports/service.js'
import { killTree } from '../process-tree.js'
import type { Details } from '../report.js'
import { type CheckContext, CheckFailure } from '../runner.js'
import { idle } from './context.js'

const EXEC_SERIAL = 4
const EXEC_PARALLEL = 6
/** One exec takes about 0.1 s on a quiet runner and up to 7 s on a loaded 2-core VM (measured here). */
const EXEC_DEADLINE_MS = 25_000

interface Attempt {
  i: number
  ms: number
  ok: boolean
  timedOut?: boolean
  error?: string
}

async function execOnce(ctx: CheckContext, name: string, i: number): Promise<Attempt> {
  const t = Date.now()
  const r = await ctx.podman(['exec', name, 'sh', '-c', `echo exec-${i}`], Math.min(EXEC_DEADLINE_MS, ctx.remaining()))
  const ok = r.exitCode === 0 && r.stdout.trim() === `exec-${i}`
  const error = ok ? undefined : r.timedOut ? 'no answer within the deadline' : (r.stderr || r.stdout).trim()
  return { i, ms: Date.now() - t, ok, ...(r.timedOut && { timedOut: true }), ...(error && { error }) }
}

/** After the container is gone: kill what it left, and say what that was. */
async function killLeftovers(procs: Procs, id: string): Promise<string[]> {
  if (!id) return []
  const left = await killTree(procs, id)
  return left.map((p) => `${p.pid} ${p.cmdline.slice(0, 120)}`)
}

export async function execRepeat(ctx: CheckContext): Promise<Details> {
  const { name, id } = await idle(ctx, 'target')
  const serial: Attempt[] = []
  for (let i = 0; i < EXEC_SERIAL && serial.every((a) => !a.timedOut); i++) serial.push(await execOnce(ctx, name, i))
  const parallel = serial.every((a) => a.ok)
    ? await Promise.all(Array.from({ length: EXEC_PARALLEL }, (_, k) => execOnce(ctx, name, EXEC_SERIAL + k)))
    : []
  const all = [...serial, ...parallel]
  const bad = all.filter((a) => !a.ok)
  const slowest = Math.max(...all.map((a) => a.ms))
  const details: Details = {
    serial: serial.length,
    parallel: parallel.length,
    slowestMs: slowest,
    deadlineMs: EXEC_DEADLINE_MS,
  }
  if (bad.length === 0)
    return {
      ...details,
      summary: `${serial.length} serial + ${parallel.length} concurrent execs answered, slowest ${slowest} ms`,
    }
  const hung = bad.filter((a) => a.timedOut).length
  // The container first (its conmon and runtime exit with it), then whatever still names it.
  await ctx.podman(['rm', '-f', '-t', '0', name], 30_000)
  const killed = await killLeftovers(ctx.suite.rt.procs, id)
  const what = hung
    ? `${hung} of ${all.length} podman exec hung past the ${EXEC_DEADLINE_MS / 1000} s deadline`
    : `${bad.length} of ${all.length} podman exec failed: ${bad[0].error}`
  throw new CheckFailure(
    `${what}${killed.length ? `; killed ${killed.length} leftover process(es)` : '; no process left behind'}`,
    bad.map((a) => `exec-${a.i}: ${a.error}`).join('\n'),
    { ...details, failed: bad.length, hung, killed },
  )
}
