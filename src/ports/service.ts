// Long-running processes (podman's API service) and HTTP over a unix socket: the I/O the
// runtime smoke checks and the docker-socket input need beyond Run, behind small ports.
import { spawn } from 'node:child_process'
import { openSync, closeSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { request } from 'node:http'
import { errorText } from './exec.js'

interface Service {
  pid: number
  /** SIGKILL to the service's whole process group (it runs in its own session) */
  stop(): void
  /** true while the process has not exited */
  running(): boolean
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv
  /** stdout and stderr go here (appended); without it they are discarded */
  logFile?: string
  /** outlive this process: unref'd, so node may exit while the service keeps running */
  keep?: boolean
}

export type StartService = (cmd: string, args: string[], opts?: StartOptions) => Promise<Service>

interface UnixResponse {
  status: number
  body: string
}

export type UnixHttp = (
  socket: string,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs?: number,
) => Promise<UnixResponse>

export interface Proc {
  pid: number
  ppid: number
  cmdline: string
}

/** The machine's processes and signals, for proving a check left nothing running. */
export interface Procs {
  list(): Promise<Proc[]>
  kill(pid: number): void
}

/** In its own session (setsid through `detached`), so stop() reaches every child and a step's end does not. */
export const startService: StartService = (cmd, args, opts = {}) =>
  new Promise((resolve, reject) => {
    const fd = opts.logFile ? openSync(opts.logFile, 'a') : 'ignore'
    const child = spawn(cmd, args, { env: opts.env ?? process.env, detached: true, stdio: ['ignore', fd, fd] })
    if (typeof fd === 'number') closeSync(fd)
    let exited = false
    child.on('exit', () => {
      exited = true
    })
    child.on('error', (err) => reject(new Error(`${cmd}: ${errorText(err)}`)))
    child.on('spawn', () => {
      if (opts.keep) child.unref()
      resolve({
        pid: child.pid as number,
        running: () => !exited,
        stop: () => killGroup(child.pid as number),
      })
    })
  })

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

export const unixHttp: UnixHttp = (socket, method, path, body, timeoutMs = 30_000) =>
  new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
    const headers = data ? { 'content-type': 'application/json', 'content-length': String(data.length) } : {}
    const req = request({ socketPath: socket, method, path, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end(data)
  })

export const realProcs: Procs = {
  async list() {
    const pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d))
    const read = async (pid: string): Promise<Proc | undefined> => {
      const [raw, stat] = await Promise.all(
        ['cmdline', 'stat'].map((f) => readFile(`/proc/${pid}/${f}`, 'utf8').catch(() => '')),
      )
      // stat: "pid (comm) state ppid ...", comm may hold spaces and parentheses
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      return stat ? { pid: Number(pid), ppid, cmdline: raw.replace(/\0/g, ' ').trim() } : undefined
    }
    return (await Promise.all(pids.map(read))).filter((p): p is Proc => p !== undefined)
  },
  kill(pid) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone, or not ours
    }
  },
}
