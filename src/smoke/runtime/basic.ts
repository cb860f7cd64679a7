// init and build: `--init` (catatonit as PID 1) reaps orphans and forwards signals; `podman
// build` runs a RUN step FROM the local base image, with no registry anywhere.
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { logsArgv } from '../argv.js'
import type { Details } from '../report.js'
import { type CheckContext, CheckFailure, CheckSkip } from '../runner.js'
import { nodeCmd } from './argv.js'
import { podmanText, runBase } from './context.js'
import { jsonLine } from '../output.js'
import type { ReapResult } from './script.js'

const NO_INIT = /container-init binary not found|catatonit|podman-init/i
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Polls `podman logs` until `want` (or the script's error) shows up or the check's time runs out. */
async function logsUntil(ctx: CheckContext, name: string, want: string): Promise<string> {
  for (;;) {
    const logs = await ctx.podman(logsArgv(name), 10_000)
    if (logs.stdout.includes(want) || logs.stdout.includes('"error":') || ctx.remaining() < 1000) return logs.stdout
    await sleep(200)
  }
}

/** One --init container: it orphans a process for PID 1 to reap, says so, then waits for SIGTERM. */
async function started(ctx: CheckContext): Promise<{ name: string; reap: ReapResult }> {
  const cmd = nodeCmd(ctx.suite.rt.node, { mode: 'init' })
  const { name, r } = await runBase(ctx, 'target', { detach: true, flags: ['--init'], cmd })
  if (r.exitCode !== 0) {
    if (NO_INIT.test(r.stderr))
      throw new CheckSkip(`no catatonit: podman found no init binary (${r.stderr.trim().split('\n').pop()})`)
    throw new CheckFailure(`--init container did not start (exit ${r.exitCode})`, podmanText(r))
  }
  const logs = await logsUntil(ctx, name, '"ready"')
  const reap = jsonLine<ReapResult & { ready?: boolean; error?: string }>(logs)
  if (!reap?.ready) throw new CheckFailure(`init: ${reap?.error ?? 'the --init container never got ready'}`, logs)
  return { name, reap }
}

async function forwards(ctx: CheckContext, name: string): Promise<string> {
  await ctx.podmanOk('podman kill --signal TERM', ['kill', '--signal', 'TERM', name])
  const wait = await ctx.podman(['wait', name])
  const logs = await logsUntil(ctx, name, 'SIGTERM')
  if (!logs.includes('"signal":"SIGTERM"'))
    throw new CheckFailure('SIGTERM sent to the container never reached the process under --init', logs)
  return wait.stdout.trim()
}

export async function initCheck(ctx: CheckContext): Promise<Details> {
  const { name, reap } = await started(ctx)
  const details = { pid1: reap.pid1, zombies: reap.zombies }
  if (!/catatonit|podman-init|tini/.test(reap.pid1))
    throw new CheckFailure(`PID 1 under --init is ${reap.pid1}, not catatonit`, undefined, details)
  if (reap.zombies.length > 0)
    throw new CheckFailure(`${reap.zombies.length} zombie(s) not reaped by ${reap.pid1}`, undefined, details)
  const exit = await forwards(ctx, name)
  return { ...details, exit, summary: `PID 1 ${reap.pid1} reaped an orphan; SIGTERM forwarded, exit ${exit}` }
}

/** podman build of dir's Containerfile: offline, from the local base image, the host's /usr for the shell. */
const buildArgv = (tag: string, dir: string): string[] => [
  'build',
  '--pull=never',
  '--network',
  'none',
  '-v',
  '/usr:/usr:ro',
  '-q',
  '-t',
  tag,
  '-f',
  join(dir, 'Containerfile'),
  dir,
]

export async function buildCheck(ctx: CheckContext): Promise<Details> {
  const base = await ctx.suite.rt.baseImage()
  const dir = await ctx.suite.rt.scratch(ctx.checkId)
  const seed = randomBytes(8).toString('hex')
  await writeFile(
    join(dir, 'Containerfile'),
    `FROM ${base}\nRUN echo ${seed} > /data/built.txt && chmod 0640 /data/built.txt\n`,
  )
  const tag = ctx.image('built')
  const t = Date.now()
  const b = await ctx.podman(buildArgv(tag, dir))
  if (b.exitCode !== 0) throw new CheckFailure(`podman build failed (exit ${b.exitCode})`, podmanText(b))
  const buildMs = Date.now() - t
  const { r } = await runBase(ctx, 'run', {
    image: tag,
    cmd: ['sh', '-c', 'cat /data/built.txt; stat -c %a /data/built.txt'],
  })
  const [got, mode] = r.stdout.trim().split('\n')
  if (r.exitCode !== 0 || got !== seed || mode !== '640')
    throw new CheckFailure(
      `the built image does not hold what its RUN step wrote (got ${got} mode ${mode})`,
      podmanText(r),
    )
  return {
    buildMs,
    summary: `FROM the local base image, RUN wrote a file; a container of the result read it (build ${buildMs} ms)`,
  }
}
