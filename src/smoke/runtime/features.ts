// Optional features, advisory: cgroup limits (enforced, or which controllers are missing) and
// healthchecks (a --health-cmd container must become healthy on its own: podman runs them
// from systemd timers, which static builds without the systemd tag never create).
import type { Details } from '../report.js'
import { type CheckContext, CheckFailure } from '../runner.js'
import { idle, podmanText, script } from './context.js'
import type { LimitsResult } from './script.js'

const LIMITS = { memory: '64m', pids: '64', cpus: '0.5' }
const WANT: Record<string, string> = { 'memory.max': '67108864', 'pids.max': '64', 'cpu.max': '50000 100000' }
const CONTROLLER: Record<string, string> = { 'memory.max': 'memory', 'pids.max': 'pids', 'cpu.max': 'cpu' }
const V1 = /not supported and ignored on cgroups? ?V1/i
const CGROUP_FIX =
  'a runner with cgroup v2 and the cpu, memory and pids controllers delegated to the user (systemd does it for ' +
  'user@.service; GitHub-hosted Ubuntu runners have it)'

const V1_REASON =
  'cgroup v1: rootless podman ignores --memory, --pids-limit and --cpus (it says so and runs without limits)'

/** Known before any container: rootless podman on cgroup v1 never applies limits (it warns and runs). */
function knownV1(ctx: CheckContext): void {
  const cg = ctx.suite.rt.cgroup
  if (cg?.version === 'v1' && cg.rootless)
    throw new CheckFailure(
      V1_REASON,
      undefined,
      { cgroupVersion: 'v1', decidedFrom: 'podman info (host.cgroupVersion v1, rootless): no container needed' },
      CGROUP_FIX,
    )
}

export async function cgroupLimits(ctx: CheckContext): Promise<Details> {
  knownV1(ctx)
  const flags = ['--memory', LIMITS.memory, '--pids-limit', LIMITS.pids, '--cpus', LIMITS.cpus]
  let res: { out: LimitsResult; r: { stderr: string } }
  try {
    res = await script<LimitsResult>(ctx, 'limits', { mode: 'limits' }, { flags })
  } catch (err) {
    if (!(err instanceof CheckFailure)) throw err
    // crun names the controller it could not use: that is the reason, with podman's words.
    throw new CheckFailure(
      `limits refused: ${err.stderr?.split('\n').pop() ?? err.message}`,
      err.stderr,
      {},
      CGROUP_FIX,
    )
  }
  const { out, r } = res
  const details = { controllers: out.controllers, files: out.files }
  if (V1.test(r.stderr))
    throw new CheckFailure(V1_REASON, podmanText({ exitCode: 0, stdout: '', stderr: r.stderr }), details, CGROUP_FIX)
  const wrong = Object.entries(WANT).filter(([f, v]) => out.files[f] !== v)
  if (wrong.length) {
    const have = out.controllers.startsWith('error') ? [] : out.controllers.split(/\s+/)
    const missing = wrong.map(([f]) => CONTROLLER[f]).filter((c) => !have.includes(c))
    throw new CheckFailure(
      `limits not in force: ${wrong.map(([f, v]) => `${f} ${out.files[f]} (want ${v})`).join(', ')}` +
        `${missing.length ? `; controllers not delegated: ${missing.join(', ')}` : ''}`,
      undefined,
      { ...details, missing },
      CGROUP_FIX,
    )
  }
  return { ...details, summary: `memory.max, pids.max and cpu.max set in the container's cgroup (${out.controllers})` }
}

const HEALTH_INTERVAL_S = 1
/** a few intervals: a working timer runs the first check within one */
const HEALTH_WAIT_MS = 6_000
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface Inspected {
  State?: { Health?: { Status?: string }; Healthcheck?: { Status?: string } }
}

async function healthOf(ctx: CheckContext, name: string): Promise<string> {
  const r = await ctx.podman(['inspect', '--format', 'json', name], 15_000)
  try {
    const doc = (JSON.parse(r.stdout) as Inspected[])[0]
    return doc?.State?.Health?.Status ?? doc?.State?.Healthcheck?.Status ?? 'none'
  } catch {
    return `unreadable (${r.stderr.trim().split('\n').pop()})`
  }
}

const NO_TIMER_FIX =
  'run `podman healthcheck run NAME` from the job yourself, or use a runner with a user systemd session ' +
  '(loginctl enable-linger)'

/**
 * No user bus, so no timer can exist: podman creates healthcheck timers through the user's systemd
 * over D-Bus ($DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus). Known before any container.
 */
async function noBus(ctx: CheckContext): Promise<string | undefined> {
  if (ctx.suite.env.DBUS_SESSION_BUS_ADDRESS) return undefined
  const xdg = ctx.suite.env.XDG_RUNTIME_DIR
  const bus = xdg ? `${xdg}/bus` : undefined
  if (bus && (await ctx.suite.rt.exists(bus))) return undefined
  return (
    `no user systemd: no D-Bus at ${bus ?? '$XDG_RUNTIME_DIR/bus (unset)'}, ` +
    `so podman could create no healthcheck timer`
  )
}

export async function healthcheck(ctx: CheckContext): Promise<Details> {
  const missing = await noBus(ctx)
  if (missing)
    throw new CheckFailure(missing, undefined, { decidedFrom: 'no user bus: no container needed' }, NO_TIMER_FIX)
  const flags = ['--health-cmd', 'true', '--health-interval', `${HEALTH_INTERVAL_S}s`, '--health-retries', '1']
  const { name } = await idle(ctx, 'target', flags)
  const until = Date.now() + Math.min(HEALTH_WAIT_MS, ctx.remaining() - 2000)
  let status = await healthOf(ctx, name)
  while (status !== 'healthy' && Date.now() < until) {
    await sleep(1000)
    status = await healthOf(ctx, name)
  }
  const details = { status, waitedMs: HEALTH_WAIT_MS, interval: `${HEALTH_INTERVAL_S}s` }
  if (status === 'healthy')
    return { ...details, summary: `healthy on its own within ${HEALTH_WAIT_MS / 1000} s (timer ran)` }
  throw new CheckFailure(
    `still "${status}" after ${HEALTH_WAIT_MS / 1000} s with a ${HEALTH_INTERVAL_S} s interval: a user systemd is ` +
      'there but no timer ran: this podman is likely built without the systemd build tag (static builds are)',
    undefined,
    details,
    'run `podman healthcheck run NAME` from the job yourself, or use a podman built with the systemd tag',
  )
}
