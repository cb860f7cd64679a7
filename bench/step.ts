// One stack's measurements of the whole step as the user waits for it: `node dist/main.cjs`
// as the runner user (on the host, or inside a Debian tree), against the loopback mirror.
// Every figure that is subtracted from another goes through the same wrapper (runuser,
// or unshare + enter-tree), so the wrapper's own cost cancels out.
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { PhaseTimes } from '../src/ports/timings.js'
import type { SmokeReport } from '../src/smoke/report.js'
import type { Mirror } from '../test-support/mirror/server.js'
import {
  type ActionResult,
  createWorkspace,
  nodePath,
  repoRoot,
  runAction,
  runAsRunner,
  type TreeName,
  type Workspace,
} from '../test-support/runner.js'
import { dropRuntimeDirs, stopProcessesIn } from '../test-support/runtime-dir.js'
import { freshRuntimeDir } from '../test-support/workspace.js'
import { type Retimed, retimed } from './lookups.js'
import { type Exec, lookupTarget, packageLookups, parseTrace } from './trace.js'

export interface BenchStack {
  name: string
  tree?: TreeName
  repo: string
  version: string
  mirror: Mirror
  trustedRoot: string
  signerIdentity: string
}

export interface StepRun {
  wallMs: number
  /** peak RSS of the action's node process, kB */
  rssKb: number
  /** requests the mirror saw during the step */
  requests: number
  timings: PhaseTimes
  /** smoke checks that ran (not skipped) */
  checks: number
  /** each that failed, with its reason */
  failures: { id: string; reason: string }[]
  /** each check that ran, with how long it took (ms), longest first */
  durations: { id: string; ms: number }[]
  binDir: string
}

export type Smoke = 'none' | 'auto'

/** A runner job's directories, with the test trusted root inside (a tree sees only the workspace). */
export async function benchWorkspace(b: BenchStack): Promise<Workspace> {
  const work = await createWorkspace()
  await writeFile(path.join(work.dir, 'trusted_root.json'), b.trustedRoot, { mode: 0o644 })
  return work
}

const now = () => performance.now()

const dropped = new Set<string>()

/**
 * Runtime dirs made for one run: a late `container cleanup` may start a new pause process
 * after its dir was dropped, so the bench stops what lives with them once more at its end.
 */
export const sweepRuntimeDirs = async (): Promise<void> => void (await stopProcessesIn(dropped))

async function dropRuntimeDir(dir: string): Promise<void> {
  dropped.add(dir)
  await dropRuntimeDirs([dir])
}

/**
 * Each run is a new job: nothing exported by an earlier step, and on the host a fresh runtime
 * dir (a tree gets a fresh /run anyway). The preload records the peak RSS.
 */
async function jobEnv(b: BenchStack, work: Workspace, xdg?: string): Promise<Record<string, string>> {
  work.exported = { env: {}, path: [] }
  const env: Record<string, string> = {
    NODE_OPTIONS: `--require ${path.join(repoRoot(), 'bench/maxrss.cjs')}`,
    SSP_BENCH_RSS: path.join(work.dir, 'rss'),
  }
  if (xdg) env.XDG_RUNTIME_DIR = xdg
  else if (!b.tree) env.XDG_RUNTIME_DIR = await freshRuntimeDir('/tmp')
  return env
}

const inputsFor = (b: BenchStack, work: Workspace, smoke: Smoke): Record<string, string> => ({
  repository: b.repo,
  'api-url': b.mirror.url,
  'podman-version': b.version,
  variant: 'full',
  libc: 'static',
  'verify-signature': 'true',
  'trusted-root': path.join(work.dir, 'trusted_root.json'),
  'signer-identity': b.signerIdentity,
  'smoke-tests': smoke,
  // A failing check is reported, not fatal: the bench measures the time either way.
  'smoke-failure': 'warning',
})

function failed(what: string, r: Pick<ActionResult, 'exitCode' | 'errors' | 'stderr' | 'stdout'>): Error {
  const tail = (r.stderr || r.stdout).trim().split('\n').slice(-10).join('\n')
  return new Error(`${what} failed (exit ${r.exitCode}): ${r.errors.join('; ')}\n${tail}`)
}

/** The phase times the step logs as a debug line (`::debug::timings {...}`). */
function timingsOf(stdout: string): PhaseTimes {
  const m = /^::debug::timings (\{.*\})$/m.exec(stdout)
  return m ? (JSON.parse(m[1]) as PhaseTimes) : {}
}

type Counts = Pick<StepRun, 'checks' | 'failures' | 'durations'>

/** Checks that ran (not skipped) and failed, from the report file: a failure is named, not only counted. */
async function smokeCounts(r: ActionResult): Promise<Counts> {
  const file = r.outputs['smoke-report']
  if (!file) return { checks: 0, failures: [], durations: [] }
  const report = JSON.parse(await readFile(file, 'utf8')) as Pick<SmokeReport, 'checks'>
  const ran = report.checks.filter((c) => c.status !== 'skipped')
  const failures = ran.filter((c) => c.status === 'failed').map((c) => ({ id: c.id, reason: c.reason ?? '' }))
  const durations = ran.map((c) => ({ id: c.id, ms: c.durationMs })).sort((a, b) => b.ms - a.ms)
  return { checks: ran.length, failures, durations }
}

interface StepOptions {
  wrap?: string[]
  /** the host's runtime dir to use and keep (default: a fresh one, removed after) */
  xdg?: string
}

export async function runStep(b: BenchStack, work: Workspace, smoke: Smoke, o: StepOptions = {}): Promise<StepRun> {
  const env = await jobEnv(b, work, o.xdg)
  b.mirror.resetRequests()
  const t = now()
  const inputs = inputsFor(b, work, smoke)
  const script = process.env.BENCH_MAIN && path.resolve(process.env.BENCH_MAIN)
  const r = await runAction({
    entry: 'main',
    work,
    tree: b.tree,
    inputs,
    env,
    wrap: o.wrap,
    script,
    timeoutMs: 600_000,
  })
  const wallMs = now() - t
  if (env.XDG_RUNTIME_DIR && !o.xdg) await dropRuntimeDir(env.XDG_RUNTIME_DIR)
  if (r.exitCode !== 0) throw failed(`${b.name}: the step (smoke-tests: ${smoke})`, r)
  return {
    wallMs,
    rssKb: Number(await readFile(env.SSP_BENCH_RSS, 'utf8').catch(() => '0')),
    requests: b.mirror.requests.length,
    timings: timingsOf(r.stdout),
    ...(await smokeCounts(r)),
    binDir: r.outputs['bin-dir'],
  }
}

/** `node -e 0` through the same wrapper, with the same preload: what the step costs before its first line. */
export async function nodeStart(b: BenchStack, work: Workspace): Promise<number> {
  const env = await jobEnv(b, work)
  const t = now()
  const r = await runAsRunner(work, nodePath(), ['-e', '0'], { tree: b.tree, env })
  const ms = now() - t
  if (env.XDG_RUNTIME_DIR) await dropRuntimeDir(env.XDG_RUNTIME_DIR)
  if (r.exitCode !== 0) throw new Error(`node -e 0 failed: ${r.stderr}`)
  return ms
}

// Times `podman run --rm` of `true` in an empty rootfs over /usr (the smoke suite's host
// mode), after one untimed run; prints the times as one JSON line.
const PODMAN_RUN = `
const { spawnSync } = require('node:child_process'), fs = require('node:fs'), path = require('node:path')
const n = Number(process.argv[process.argv.length - 1])
const root = fs.mkdtempSync(path.join(process.env.RUNNER_TEMP, 'bench-rootfs-'))
for (const d of ['usr', 'etc', 'proc', 'sys', 'dev', 'tmp']) fs.mkdirSync(path.join(root, d))
for (const d of ['bin', 'lib', 'lib64', 'sbin']) fs.symlinkSync('usr/' + d, path.join(root, d))
const times = []
for (let i = 0; i <= n; i++) {
  const t = performance.now()
  const r = spawnSync('podman', ['run', '--rm', '-v', '/usr:/usr:ro', '--rootfs', root, 'true'], { encoding: 'utf8' })
  if (r.status !== 0) { console.error(r.stderr); process.exit(1) }
  if (i > 0) times.push(performance.now() - t)
}
fs.rmSync(root, { recursive: true, force: true })
console.log(JSON.stringify(times))
`

/** One bare `podman run --rm` with the installed podman, as the job's next step runs it (ms each). */
export async function bareRuns(b: BenchStack, work: Workspace, binDir: string, n: number): Promise<number[]> {
  const env = await jobEnv(b, work)
  const r = await runAsRunner(work, nodePath(), ['-e', PODMAN_RUN, String(n)], {
    tree: b.tree,
    env,
    extraPath: [binDir],
  })
  if (env.XDG_RUNTIME_DIR) await dropRuntimeDir(env.XDG_RUNTIME_DIR)
  if (r.exitCode !== 0) throw new Error(`${b.name}: bare podman run failed: ${r.stderr.trim()}`)
  return JSON.parse(r.stdout.trim()) as number[]
}

const VERSIONS = String.raw`
const { spawnSync } = require('node:child_process')
const out = {}
for (const p of JSON.parse(process.argv[process.argv.length - 1])) {
  const r = spawnSync(p, ['--version'], { encoding: 'utf8', timeout: 10000 })
  out[p] = (r.stdout || '').split('\n')[0].trim()
}
console.log(JSON.stringify(out))
`

/** What each binary prints for `--version` through a pipe, in the stack (first line; '' for nothing). */
async function versionLines(b: BenchStack, work: Workspace, files: string[]): Promise<Record<string, string>> {
  if (files.length === 0) return {}
  const r = await runAsRunner(work, nodePath(), ['-e', VERSIONS, JSON.stringify(files)], { tree: b.tree })
  return JSON.parse(r.stdout.trim()) as Record<string, string>
}

/**
 * A warm step under strace, after an untraced cold one in the same job dirs: every program
 * it started and who started it. strace -f waits for every traced process, so the step must
 * not start podman's long-lived pause process: the cold step started it already (on the
 * host, in the runtime dir both share; a tree's pid namespace ends with the step anyway).
 * smoke-tests: none, because tracing its containers changes how they behave (waitid fails);
 * the suite itself never asks podman info nor looks up packages.
 */
export interface Traced {
  execs: Exec[]
  /** each package lookup's file, with what it prints for --version (asked while the install still exists) */
  versions: Record<string, string>
  /** each of packageLookups(execs), run again untraced (lookups.ts) */
  untraced: (Retimed | undefined)[]
}

/**
 * The host's runtime dir both steps share, so the traced one finds the pause process. A tree
 * gets a fresh /run/user/UID per step, and a host path does not exist in it: podman info
 * failed there, and the step asked again after the gate's remedies created the dir.
 */
async function sharedRuntimeDir(b: BenchStack): Promise<string | undefined> {
  return b.tree ? undefined : freshRuntimeDir('/tmp')
}

export async function tracedStep(b: BenchStack): Promise<Traced> {
  const work = await benchWorkspace(b)
  const file = path.join(work.dir, 'strace.log')
  const xdg = await sharedRuntimeDir(b)
  try {
    await runStep(b, work, 'none', { xdg })
    // -v: each exec's environment, so a lookup can be run again as podman ran it
    const trace = ['-f', '-v', '-ttt', '--pidns-translation', '-q', '-s', '1024', '-e', 'signal=none']
    trace.push('-e', 'trace=execve,clone,clone3,fork,vfork')
    const wrap = ['strace', ...trace, '-o', file]
    await runStep(b, work, 'none', { wrap, xdg })
    const execs = parseTrace(await readFile(file, 'utf8'))
    const lookups = packageLookups(execs)
    const files = [...new Set(lookups.map(lookupTarget))].filter((f) => f.startsWith('/'))
    return { execs, versions: await versionLines(b, work, files), untraced: await retimed(b.tree, work, lookups) }
  } finally {
    await work.remove()
    if (xdg) await dropRuntimeDir(xdg)
  }
}
