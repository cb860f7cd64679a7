// Process helpers for the test infrastructure: argument arrays only, a timeout on every
// spawn, and the whole process group killed when it expires.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { constants } from 'node:os'

export interface ProcResult {
  exitCode: number
  stdout: string
  stderr: string
  timedOut: boolean
}

export interface ProcOptions {
  timeoutMs: number
  env?: NodeJS.ProcessEnv
  cwd?: string
  input?: string
}

const MAX_CAPTURE = 16 * 1024 * 1024

/** Runs a program and captures its output; never throws for a failing command. */
export function runProc(cmd: string, args: readonly string[], opts: ProcOptions): Promise<ProcResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // own process group, so the timeout reaches grandchildren too
    })
    const out = capture(child.stdout)
    const err = capture(child.stderr)
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      killGroup(child.pid)
    }, opts.timeoutMs)
    child.stdin.on('error', () => undefined)
    child.stdin.end(opts.input ?? '')
    child.on('error', (e) => {
      clearTimeout(timer)
      resolve({ exitCode: 127, stdout: '', stderr: e.message, timedOut })
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ exitCode: code ?? 128 + signalNumber(signal), stdout: out(), stderr: err(), timedOut })
    })
  })
}

/** Like runProc, but throws with the command's last stderr line unless it exits 0. */
export async function runOk(cmd: string, args: readonly string[], opts: ProcOptions): Promise<ProcResult> {
  const r = await runProc(cmd, args, opts)
  if (r.exitCode !== 0) {
    const last = r.stderr.trim().split('\n').at(-1) || `exit code ${r.exitCode}`
    throw new Error(`${cmd} ${args.join(' ')} failed${r.timedOut ? ' (timed out)' : ''}: ${last}`)
  }
  return r
}

export function killGroup(pid: number | undefined): void {
  if (!pid) return
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

function capture(stream: NodeJS.ReadableStream): () => string {
  const chunks: Buffer[] = []
  let size = 0
  stream.on('data', (b: Buffer) => {
    if (size < MAX_CAPTURE) chunks.push(b)
    size += b.length
  })
  return () => Buffer.concat(chunks).toString('utf8')
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? (constants.signals[signal] ?? 0) : 1
}
