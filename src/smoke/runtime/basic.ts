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

const READY_DIR = '/ssp-ready'

/**
 * Waits for the script's file `file` on the volume (free to watch), or for `want` in `podman logs`,
 * asked once a second (a volume it could not write); its text, or '' when the time ran out.
 */
async function until(ctx: CheckContext, name: string, file: string, want: string): Promise<string> {
  for (let i = 1; ; i++) {
    const text = await ctx.suite.rt.readText(file)
    if (text?.includes(want) && text.trimEnd().endsWith('}')) return text // whole, not mid-write
    if (i % 10 === 0) {
      const logs = await ctx.podman(logsArgv(name), 10_000)
      if (logs.stdout.includes(want) || logs.stdout.includes('"error":')) return logs.stdout
    }
    if (ctx.remaining() < 1000) return ''
    await sleep(100)
  }
}

/** One --init container: it orphans a process for PID 1 to reap, says so, then waits for SIGTERM. */
async function started(ctx: CheckContext, dir: string): Promise<{ name: string; reap: ReapResult }> {
  const cmd = nodeCmd(ctx.suite.rt.node, { mode: 'init', dir: READY_DIR })
  const flags = ['--init', '-v', `${dir}:${READY_DIR}`]
  const { name, r } = await runBase(ctx, 'target', { detach: true, flags, cmd })
  if (r.exitCode !== 0) {
    if (NO_INIT.test(r.stderr))
      throw new CheckSkip(`no catatonit: podman found no init binary (${r.stderr.trim().split('\n').pop()})`)
    throw new CheckFailure(`--init container did not start (exit ${r.exitCode})`, podmanText(r))
  }
  const said = await until(ctx, name, join(dir, 'ready'), '"ready"')
  const reap = jsonLine<ReapResult & { ready?: boolean; error?: string }>(said)
  if (!reap?.ready) throw new CheckFailure(`init: ${reap?.error ?? 'the --init container never got ready'}`, said)
  return { name, reap }
}

/** podman kill sends SIGTERM to PID 1 (catatonit), which must pass it on to the script. */
async function forwards(ctx: CheckContext, name: string, dir: string): Promise<void> {
  await ctx.podmanOk('podman kill --signal TERM', ['kill', '--signal', 'TERM', name])
  const said = await until(ctx, name, join(dir, 'signal'), 'SIGTERM')
  if (!said.includes('"signal":"SIGTERM"'))
    throw new CheckFailure('SIGTERM sent to the container never reached the process under --init', said)
}

export async function initCheck(ctx: CheckContext): Promise<Details> {
  const dir = await ctx.suite.rt.scratch(ctx.checkId)
  const { name, reap } = await started(ctx, dir)
  const details = { pid1: reap.pid1, zombies: reap.zombies }
  if (!/catatonit|podman-init|tini/.test(reap.pid1))
    throw new CheckFailure(`PID 1 under --init is ${reap.pid1}, not catatonit`, undefined, details)
  if (reap.zombies.length > 0)
    throw new CheckFailure(`${reap.zombies.length} zombie(s) not reaped by ${reap.pid1}`, undefined, details)
  await forwards(ctx, name, dir)
  return { ...details, summary: `PID 1 ${reap.pid1} reaped an orphan; SIGTERM forwarded to the process under it` }
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
