// What a smoke-auto step's CPU is made of, by program, from the kernel's process accounting
// (the acct package's `accton` and `sa`; root only). The suite is CPU-bound, so its ratio to
// bare `podman run`s is read from this: how many podman processes, at what CPU each.
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

const exec = promisify(execFile)

export interface ProgramCpu {
  program: string
  procs: number
  cpuS: number
}

/** node names its main thread, and accounting records the thread's name */
const PROGRAM_NAMES: Record<string, string> = { MainThread: 'node' }

/**
 * `sa -u` lines: `user  0.11 cpu  354048k mem  1155 io podman  *` (the command may hold
 * spaces; `*` marks a fork that did not exec). Root's processes (the bench's own) are left out:
 * the step runs as the runner user.
 */
export function parseSaUser(text: string): ProgramCpu[] {
  const by = new Map<string, ProgramCpu>()
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+([\d.]+) cpu\s+\S+ mem\s+\S+ io (.*?)\s*\*?\s*$/.exec(line)
    if (!m || m[1] === 'root') continue
    const program = PROGRAM_NAMES[m[3]] ?? m[3]
    const p = by.get(program) ?? { program, procs: 0, cpuS: 0 }
    p.procs++
    p.cpuS += Number(m[2])
    by.set(program, p)
  }
  return [...by.values()].sort((a, b) => b.cpuS - a.cpuS)
}

export type Accounted<T> = { value: T; cpu: ProgramCpu[] } | { value: T; why: string }

/**
 * Runs `fn` with process accounting on; every process that ended meanwhile is counted. The
 * kernel keeps one accounting file: accounting is off afterwards, also on a machine whose acct
 * service had it on (until that service starts again).
 */
export async function accounted<T>(fn: () => Promise<T>): Promise<Accounted<T>> {
  if (process.getuid?.() !== 0) return { value: await fn(), why: 'process accounting needs root' }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ssp-acct-'))
  const file = path.join(dir, 'pacct')
  try {
    await writeFile(file, '', { mode: 0o600 })
    const on = await exec('accton', [file]).catch((e: Error) => e)
    if (on instanceof Error)
      return { value: await fn(), why: `accton failed (Debian: apt install acct): ${on.message}` }
    let value: T
    try {
      value = await fn()
    } finally {
      await exec('accton', ['off'])
    }
    const { stdout } = await exec('sa', ['-u', file], { maxBuffer: 64 * 1024 * 1024 })
    return { value, cpu: parseSaUser(stdout) }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
