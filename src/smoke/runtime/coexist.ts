// podman-coexist: another podman on the machine (the runner image's own) and the installed
// one take turns on the user's storage and locks: create, start and rm with each. GitHub's
// static bundle hit "numerical result out of range" on the shared lock beside apt's podman.
import { LABEL, usrMounts } from '../argv.js'
import type { Details } from '../report.js'
import { type CheckContext, CheckFailure, CheckSkip } from '../runner.js'

/** The other podman's share of the work; each is tracked for cleanup with its own binary. */
interface Turn {
  podman: string
  name: string
}

const lastOf = (s: string): string => s.trim().split('\n').pop() ?? ''

async function step(ctx: CheckContext, t: Turn, what: string, args: string[]): Promise<void> {
  const r = await ctx.suite.run(t.podman, args, { env: ctx.suite.env, timeoutMs: Math.min(60_000, ctx.remaining()) })
  if (r.exitCode !== 0)
    throw new CheckFailure(
      `${t.podman} ${what} failed${r.timedOut ? ' (timed out)' : ` (exit ${r.exitCode})`}: ` +
        `${lastOf(r.stderr || r.stdout)}`,
      (r.stderr || r.stdout).trim().split('\n').slice(-15).join('\n'),
    )
}

async function versionOf(ctx: CheckContext, podman: string): Promise<string> {
  const r = await ctx.suite.run(podman, ['--version'], { env: ctx.suite.env, timeoutMs: 15_000 })
  return lastOf(r.stdout).replace(/^podman version /, '') || `unknown (${lastOf(r.stderr)})`
}

/** A container that exits 0 at once and is kept (no --rm): the next podman's turn sees it. */
const runArgv = (ctx: CheckContext, t: Turn, image: string): string[] => [
  'run',
  '--name',
  t.name,
  '--label',
  `${LABEL}=${ctx.suite.runId}`,
  '--network',
  'none',
  ...usrMounts(ctx.suite.rt.node),
  image,
  'sh',
  '-c',
  'exit 0',
]

export async function podmanCoexist(ctx: CheckContext): Promise<Details> {
  const others = ctx.suite.rt.otherPodmans
  if (others.length === 0) throw new CheckSkip('no other podman on this machine (PATH as the job started)')
  const image = await ctx.suite.rt.baseImage()
  const mine: Turn = { podman: ctx.suite.podman, name: ctx.track('mine') }
  const turns: Turn[] = [mine, ...others.slice(0, 2).map((p, i) => ({ podman: p, name: ctx.track(`other${i}`) }))]
  // A container its own `rm` turn removed needs no second rm (each costs a podman start-up).
  const removed = new Set<string>()
  for (const t of turns.slice(1))
    ctx.defer(async () => {
      if (removed.has(t.name)) return undefined
      await ctx.suite.run(t.podman, ['rm', '-f', '-t', '0', t.name], { env: ctx.suite.env, timeoutMs: 30_000 })
      return undefined
    })
  // Read while the turns run: `--version` opens no storage, database or lock (strace of 4.3.1), so it
  // cannot come between one podman's write and the other's read.
  const versions = Promise.all(turns.map(async (t) => [t.podman, await versionOf(ctx, t.podman)]))
  // Alternately, so each podman opens the locks and databases right after the other wrote them.
  // `run` (create and start in one podman call: each call costs a podman start-up) keeps its
  // container, so the second podman allocates its lock while the first one's container holds one.
  for (const t of turns) await step(ctx, t, 'run', runArgv(ctx, t, image))
  for (const t of turns) {
    await step(ctx, t, 'rm', ['rm', t.name])
    removed.add(t.name)
    // Every podman's containers are named by this check: the sweep need not remove them again.
    ctx.removed(t.name)
  }
  for (const t of turns) await step(ctx, t, 'ps -a', ['ps', '-a', '--format', '{{.Names}}'])
  const podmans = Object.fromEntries(await versions) as Record<string, string>
  const list = turns.map((t) => `${t.podman} ${podmans[t.podman]}`).join(' and ')
  return { podmans, summary: `${list}: run (create and start), rm and ps in turns on the same storage and locks` }
}
