// docker-socket: true: podman's Docker-compatible API for the rest of the job. The service
// runs in its own session (setsid) with its output in a log file and is unref'd, so this
// step ends while it keeps serving; main records it in state and post stops it.
import { mkdir, rm } from 'node:fs/promises'
import path from 'node:path'
import { errorText } from '../ports/exec.js'
import type { Procs, StartService, UnixHttp } from '../ports/service.js'

export interface DockerService {
  pid: number
  socket: string
  /** DOCKER_HOST for later steps */
  host: string
  log: string
}

export interface DockerSocketPorts {
  startService: StartService
  unixHttp: UnixHttp
  procs: Procs
}

class DockerSocketError extends Error {}

const READY_MS = 60_000
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** In the user's runtime dir, where podman keeps its own sockets; short, so under the 108-byte limit. */
export function socketPath(env: NodeJS.ProcessEnv, uid: number): string {
  const runtimeDir = env.XDG_RUNTIME_DIR || `/run/user/${uid}`
  return path.join(runtimeDir, 'setup-static-podman', 'docker.sock')
}

const serviceArgs = (socket: string): string[] => ['system', 'service', '--time', '0', `unix://${socket}`]

async function ping(ports: DockerSocketPorts, socket: string): Promise<string> {
  const r = await ports.unixHttp(socket, 'GET', '/_ping', undefined, 5_000).catch((e: unknown) => errorText(e))
  return typeof r === 'string' ? r : r.status === 200 && r.body.trim() === 'OK' ? 'OK' : `HTTP ${r.status}`
}

export async function startDockerSocket(
  ports: DockerSocketPorts,
  podman: string,
  env: NodeJS.ProcessEnv,
  socket: string,
  log: string,
): Promise<DockerService> {
  await mkdir(path.dirname(socket), { recursive: true, mode: 0o700 })
  await rm(socket, { force: true }) // a stale socket from an earlier run would answer nothing
  const svc = await ports.startService(podman, serviceArgs(socket), { env, logFile: log, keep: true })
  const until = Date.now() + READY_MS
  for (let last = ''; ; await sleep(200)) {
    last = await ping(ports, socket)
    if (last === 'OK') return { pid: svc.pid, socket, host: `unix://${socket}`, log }
    if (!svc.running() || Date.now() > until) {
      svc.stop()
      const why = svc.running() ? `no _ping answer within ${READY_MS / 1000} s (${last})` : 'it exited'
      throw new DockerSocketError(`podman system service on ${socket}: ${why}; see ${log}`)
    }
  }
}

/** Stops the service main started, only if that pid is still it (a pid may be reused). */
export async function stopDockerSocket(procs: Procs, s: Pick<DockerService, 'pid' | 'socket'>): Promise<string> {
  const p = (await procs.list()).find((x) => x.pid === s.pid)
  if (!p?.cmdline.includes(s.socket)) return `podman API service (pid ${s.pid}) had already stopped`
  procs.kill(-s.pid) // its process group: the service and anything it started
  procs.kill(s.pid)
  await rm(s.socket, { force: true }).catch(() => undefined)
  return `Stopped the podman API service on ${s.socket} (pid ${s.pid})`
}
