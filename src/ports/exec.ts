import { type ChildProcess, spawn } from 'node:child_process'
import * as actionsExec from '@actions/exec'
import { childEnv } from './env.js'
import type { ExecResult, Run, RunOptions } from './types.js'

const MAX_CAPTURE = 4 * 1024 * 1024

/** Process groups of the children still running: what a cancelled step must stop. */
const live = new Set<number>()
/**
 * Set once the step is cancelled: a stopped child's result never reaches its caller, and no
 * new child starts, so nothing acts on a failure the cancel itself caused while state is saved.
 */
let stopping = false
const never = new Promise<ExecResult>(() => undefined)

/** The real Run port. Streamed commands go through @actions/exec so they show in the log. */
export const run: Run = async (cmd, args, opts = {}) =>
  opts.stream && !opts.timeoutMs ? runStreamed(cmd, args, opts) : runCaptured(cmd, args, opts)

async function runStreamed(cmd: string, args: string[], opts: RunOptions): Promise<ExecResult> {
  try {
    const r = await actionsExec.getExecOutput(cmd, args, {
      ignoreReturnCode: true,
      env: childEnv(opts.env) as Record<string, string>,
      cwd: opts.cwd,
      input: opts.input === undefined ? undefined : Buffer.from(opts.input),
    })
    return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr }
  } catch (err) {
    return { exitCode: 127, stdout: '', stderr: errorText(err) }
  }
}

function runCaptured(cmd: string, args: string[], opts: RunOptions): Promise<ExecResult> {
  if (stopping) return never
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      env: childEnv(opts.env),
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // own process group, so a timeout kills the whole tree
    })
    if (child.pid) live.add(child.pid)
    const out = collector()
    const err = collector()
    let timedOut = false
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true
          killGroup(child.pid)
        }, opts.timeoutMs)
      : undefined
    child.stdout.on('data', out.push)
    child.stderr.on('data', err.push)
    child.stdin.on('error', () => undefined)
    child.stdin.end(opts.input ?? '')
    child.on('error', (e) => {
      clearTimeout(timer)
      resolve({ exitCode: 127, stdout: '', stderr: errorText(e) })
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (child.pid) live.delete(child.pid)
      if (stopping) return
      const exitCode = code ?? (signal ? 128 : 1)
      resolve({ exitCode, stdout: out.text(), stderr: err.text(), ...(timedOut && { timedOut }) })
    })
  })
}

/**
 * A child spawned outside this port (the unpack's zstd and tar, which pipe into each other)
 * that a cancelled step must stop too: it must have been spawned `detached` (its own process
 * group, as every child here is).
 */
export function track<C extends ChildProcess>(child: C): C {
  const pid = child.pid
  if (!pid) return child
  live.add(pid)
  child.once('close', () => live.delete(pid))
  if (stopping) killGroup(pid)
  return child
}

function collector() {
  const chunks: Buffer[] = []
  let size = 0
  return {
    push: (b: Buffer) => {
      if (size < MAX_CAPTURE) chunks.push(b)
      size += b.length
    },
    text: () => Buffer.concat(chunks).toString('utf8'),
  }
}

/**
 * Stops every child still running, with its whole process group: SIGTERM, then SIGKILL to
 * what is left after `graceMs` (the runner kills the step a few seconds after cancelling).
 */
export async function stopChildren(graceMs = 2000): Promise<number> {
  stopping = true
  const groups = [...live]
  for (const pid of groups) killGroup(pid, 'SIGTERM')
  const until = Date.now() + graceMs
  while (live.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50))
  for (const pid of live) killGroup(pid)
  return groups.length
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (!pid) return
  try {
    process.kill(-pid, signal)
  } catch {
    // already gone
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** The last non-empty line of stderr (or stdout): what an error message should quote. */
export function lastLine(r: ExecResult): string {
  const lines = `${r.stderr}\n${r.stdout}`.split('\n').map((l) => l.trim())
  const fromErr = r.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  return fromErr.at(-1) ?? lines.filter(Boolean).at(-1) ?? `exit code ${r.exitCode}`
}
