// docker-api: podman's Docker-compatible API on a unix socket answers _ping, then creates,
// starts and waits for a container (what testcontainers and the docker CLI do). It uses the
// job's socket when docker-socket: true started one, else its own short-lived service.
import { join } from 'node:path'
import { LABEL, usrMounts } from '../argv.js'
import type { Details } from '../report.js'
import { type CheckContext, CheckFailure } from '../runner.js'

const API = '/v1.41'
const EXIT = 7
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const serviceArgv = (socket: string): string[] => ['system', 'service', '--time', '0', `unix://${socket}`]

/** _ping until it answers OK: the service needs a moment to create its socket. */
async function waitForPing(ctx: CheckContext, socket: string, alive: () => boolean): Promise<number> {
  const t = Date.now()
  for (;;) {
    const r = await ctx.suite.rt.unixHttp(socket, 'GET', '/_ping', undefined, 5_000).catch((e: Error) => e)
    if (!(r instanceof Error) && r.status === 200 && r.body.trim() === 'OK') return Date.now() - t
    if (!alive()) throw new CheckFailure('podman system service exited before it answered')
    if (ctx.remaining() < 1000)
      throw new CheckFailure(`no _ping answer on ${socket}: ${r instanceof Error ? r.message : `HTTP ${r.status}`}`)
    await sleep(100)
  }
}

async function ownService(ctx: CheckContext): Promise<{ socket: string; alive: () => boolean }> {
  const dir = await ctx.suite.rt.scratch(ctx.checkId)
  const socket = join(dir, 'api.sock')
  const log = join(dir, 'service.log')
  const svc = await ctx.suite.rt.startService(ctx.suite.podman, serviceArgv(socket), {
    env: ctx.suite.env,
    logFile: log,
  })
  ctx.defer(async () => {
    svc.stop()
    return undefined
  })
  return { socket, alive: () => svc.running() }
}

async function call(ctx: CheckContext, socket: string, method: string, path: string, body?: unknown, want = [200]) {
  const r = await ctx.suite.rt.unixHttp(socket, method, path, body, Math.max(1000, ctx.remaining()))
  if (!want.includes(r.status))
    throw new CheckFailure(`${method} ${path}: HTTP ${r.status} ${r.body.trim().slice(0, 300)}`)
  return r
}

export async function dockerApi(ctx: CheckContext): Promise<Details> {
  const job = ctx.suite.rt.dockerSocket
  const { socket, alive } = job ? { socket: job, alive: () => true } : await ownService(ctx)
  const pingMs = await waitForPing(ctx, socket, alive)
  const name = ctx.track('api')
  const node = ctx.suite.rt.node
  const binds = usrMounts(node).filter((_, i) => i % 2 === 1) // the values of its -v pairs
  const spec = {
    Image: await ctx.suite.rt.baseImage(),
    Cmd: [node, '-e', `process.exit(${EXIT})`],
    Labels: { [LABEL]: ctx.suite.runId },
    HostConfig: { Binds: binds, NetworkMode: 'none' },
  }
  await call(ctx, socket, 'POST', `${API}/containers/create?name=${name}`, spec, [201])
  await call(ctx, socket, 'POST', `${API}/containers/${name}/start`, undefined, [204])
  const waited = await call(ctx, socket, 'POST', `${API}/containers/${name}/wait`)
  const code = (JSON.parse(waited.body) as { StatusCode?: number }).StatusCode
  if (code !== EXIT) throw new CheckFailure(`the container exited ${code}, expected ${EXIT} (its command did not run)`)
  await call(ctx, socket, 'DELETE', `${API}/containers/${name}?force=true`, undefined, [200, 204])
  ctx.removed(name)
  const where = job ? `the job's socket ${socket}` : 'a socket of its own'
  return { socket, pingMs, summary: `_ping, create, start, wait (exit ${EXIT}) and delete over ${where}` }
}
