// Containers of the base image for one check: started, read and cleaned up through the
// check's context, so every podman call has the check's deadline and nothing is left behind.
import type { ExecResult } from '../../ports/types.js'
import { jsonLine } from '../output.js'
import { type CheckContext, CheckFailure } from '../runner.js'
import { baseRunArgv, IDLE, nodeCmd } from './argv.js'
import type { RuntimeRequest } from './script.js'

const tail = (s: string): string => s.trimEnd().split('\n').slice(-15).join('\n')

export interface RunOpts {
  detach?: boolean
  keep?: boolean
  flags?: string[]
  cmd: string[]
  image?: string
  timeoutMs?: number
}

/** podman run of the base image (or `image`); the name is tracked before podman can create it. */
export async function runBase(ctx: CheckContext, role: string, o: RunOpts): Promise<{ name: string; r: ExecResult }> {
  const name = ctx.track(role)
  const image = o.image ?? (await ctx.suite.rt.baseImage())
  const argv = baseRunArgv({ ...o, name, image, node: ctx.suite.rt.node, runId: ctx.suite.runId })
  return { name, r: await ctx.podman(argv, o.timeoutMs) }
}

/** Runs the runtime script in a container and returns its JSON line; fails with podman's words otherwise. */
export async function script<T>(
  ctx: CheckContext,
  role: string,
  req: RuntimeRequest,
  o: Omit<RunOpts, 'cmd'> = {},
): Promise<{ out: T; r: ExecResult; name: string }> {
  const { name, r } = await runBase(ctx, role, { ...o, cmd: nodeCmd(ctx.suite.rt.node, req) })
  const out = jsonLine<T & { error?: string }>(r.stdout)
  if (out === undefined || out.error || r.exitCode !== 0)
    throw new CheckFailure(
      `${role}: ${out?.error ?? (r.timedOut ? 'timed out' : `podman run exit ${r.exitCode}`)}`,
      tail(r.stderr || r.stdout),
    )
  return { out, r, name }
}

/** A detached container that only waits; returns its name and full id. */
export async function idle(
  ctx: CheckContext,
  role: string,
  flags: string[] = [],
): Promise<{ name: string; id: string }> {
  const { name, r } = await runBase(ctx, role, { detach: true, flags, cmd: IDLE })
  if (r.exitCode !== 0)
    throw new CheckFailure(`starting ${role} failed (exit ${r.exitCode})`, tail(r.stderr || r.stdout))
  return { name, id: r.stdout.trim().split('\n').pop() ?? '' }
}

export const podmanText = (r: ExecResult): string => tail(r.stderr || r.stdout)
