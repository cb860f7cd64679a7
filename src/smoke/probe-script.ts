// The program a probe container runs as `node -e PROBE_SCRIPT '<json>'`, bundled on its own
// into that string at build time (scripts/esbuild-options.mjs): node builtins only, for
// node >= 18, because it runs under the action's own Node through the host's /usr, or under
// the `node` of a user's smoke-image. It prints ONE JSON line. payload() is payload.ts's own.
import crypto from 'node:crypto'
import dns from 'node:dns'
import fs from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import os from 'node:os'
import { parseBlobPath, payloadSha256, payloadStream } from './payload.js'
import type { Facts, GetJob, GetResult, ProbeRequest } from './probe.js'

type Req<M extends ProbeRequest['mode']> = Extract<ProbeRequest, { mode: M }>
interface Fetched {
  ok: boolean
  bytes: number
  error?: string
  peer?: string
  ms?: number
}

const out = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`)
const errText = (e: unknown) => String((e as NodeJS.ErrnoException)?.code || (e as Error)?.message || e)
const text = (f: string) => {
  try {
    return fs.readFileSync(f, 'utf8')
  } catch {
    return ''
  }
}
const peerOf = (s: net.Socket) => String(s.remoteAddress || '').replace(/^::ffff:/, '')
const hex4 = (h: string) => [3, 2, 1, 0].map((i) => parseInt(h.slice(i * 2, i * 2 + 2), 16)).join('.')
const hex6 = (h: string) => (h.match(/.{4}/g) ?? []).map((g) => g.replace(/^0+(?=.)/, '')).join(':')
const rows = (f: string) =>
  text(f)
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((r) => r.length > 3)

function interfaces(): Facts['interfaces'] {
  let names: string[] = []
  try {
    names = fs.readdirSync('/sys/class/net')
  } catch {}
  const ifs = os.networkInterfaces()
  names = [...new Set([...names, ...Object.keys(ifs)])].sort()
  const mtu = (name: string) => Number(text(`/sys/class/net/${name}/mtu`).trim()) || 0
  return names.map((name) => ({ name, mtu: mtu(name), addrs: (ifs[name] ?? []).flatMap((a) => a.cidr ?? []) }))
}

function facts(): Facts {
  const gw4 = rows('/proc/net/route')
    .filter((r) => r[1] === '00000000' && r[7] === '00000000')
    .map((r) => ({ dev: r[0], via: hex4(r[2]) }))
  const gw6 = rows('/proc/net/ipv6_route')
    .filter((r) => r[0] === '0'.repeat(32) && r[1] === '00' && r[9] !== 'lo')
    .map((r) => ({ dev: r[9], via: hex6(r[4]) }))
  const hosts = text('/etc/hosts')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim().split(/\s+/))
    .filter((f) => f.length > 1)
    .map(([addr, ...names]) => ({ addr, names }))
  const nameservers = text('/etc/resolv.conf')
    .split('\n')
    .flatMap((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1] ?? [])
  return { interfaces: interfaces(), gw4, gw6, hosts, nameservers }
}

function serve(req: Req<'serve'>): void {
  http
    .createServer((q, r) => {
      const blob = parseBlobPath(q.url ?? '')
      r.setHeader('x-ssp-peer', peerOf(q.socket))
      if (!blob) return r.end(peerOf(q.socket))
      r.setHeader('content-length', blob.size)
      payloadStream(blob.seed, blob.size).pipe(r)
    })
    .listen(req.port, () => {
      const said = { listening: req.port, ...(req.facts && { facts: facts() }) }
      out(said)
      try {
        if (req.readyFile) fs.writeFileSync(req.readyFile, JSON.stringify(said))
      } catch {} // not writable (an SELinux label, a user namespace): the host reads the log instead
    })
}

function connect(req: Req<'connect'>): void {
  const f = req.facts ? { facts: facts() } : {}
  const s = net.connect({ host: req.host, port: req.port, timeout: req.timeoutMs })
  s.on('connect', () => {
    out({ connected: true, ...f })
    s.destroy()
  })
  s.on('timeout', () => {
    out({ connected: false, error: 'timeout', ...f })
    s.destroy()
  })
  s.on('error', (e) => out({ connected: false, error: errText(e), ...f }))
}

async function lookups(req: Req<'dns'>): Promise<void> {
  const one = async (name: string, fn: (n: string) => Promise<string[]>) => {
    try {
      return await fn(name)
    } catch (e) {
      return `error: ${errText(e)}`
    }
  }
  const results = []
  for (const name of req.names)
    results.push({ name, a: await one(name, dns.promises.resolve4), aaaa: await one(name, dns.promises.resolve6) })
  out({ results })
}

const want = (job: GetJob & { seed: string }): string => payloadSha256(job.seed, job.size ?? 0)

let gateway: string | undefined
// '{gw4}' in a URL: the container's own IPv4 gateway (pasta --map-gw maps it to the host).
function resolveUrl(u: string): string {
  if (!u.includes('{gw4}')) return u
  gateway = gateway || facts().gw4[0]?.via
  return u.replace('{gw4}', String(gateway))
}

function fetchOne(req: Req<'get'>, job: GetJob): Promise<Fetched> {
  return new Promise((resolve) => {
    const url = resolveUrl(job.url)
    const lib = url.startsWith('https:') ? https : http
    const opts: https.RequestOptions = { agent: false, family: req.family, timeout: req.timeoutMs }
    if (req.ca) opts.ca = fs.readFileSync(req.ca)
    const t = Date.now()
    const fail = (error: string) => resolve({ ok: false, error: `${url}: ${error}`, bytes: 0 })
    const q = lib.get(url, opts, (res) => {
      const h = crypto.createHash('sha256')
      let bytes = 0
      res.on('data', (d: Buffer) => {
        h.update(d)
        bytes += d.length
      })
      res.on('error', (e) => fail(errText(e)))
      res.on('end', () => {
        const digest = h.digest('hex')
        const peer = String(res.headers['x-ssp-peer'] || '')
        if ((res.statusCode ?? 0) >= 400) return fail(`HTTP ${res.statusCode}`)
        if (job.seed !== undefined && digest !== want({ ...job, seed: job.seed }))
          return fail(`sha256 mismatch after ${bytes} bytes`)
        resolve({ ok: true, bytes, peer, ms: Date.now() - t })
      })
    })
    q.on('timeout', () => q.destroy(new Error(`timeout after ${req.timeoutMs} ms`)))
    q.on('error', (e) => fail(errText(e)))
  })
}

async function get(req: Req<'get'>): Promise<void> {
  const queue = req.jobs.flatMap((j) => Array.from({ length: j.count || 1 }, () => j))
  const results: Fetched[] = []
  const t = Date.now()
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) results.push(await fetchOne(req, job))
  }
  await Promise.all(Array.from({ length: Math.min(req.concurrency || queue.length, queue.length) }, worker))
  const failures = results.flatMap((r) => (r.ok ? [] : [r.error ?? '']))
  const result: GetResult = {
    ok: failures.length === 0,
    requests: results.length,
    failed: failures.length,
    ms: Date.now() - t,
    bytes: results.reduce((n, r) => n + r.bytes, 0),
    peers: [...new Set(results.flatMap((r) => r.peer || []))],
    failures: failures.slice(0, 5),
    gateway,
  }
  out(result)
  process.exitCode = failures.length ? 1 : 0
}

function dispatch(req: ProbeRequest): void | Promise<void> {
  switch (req.mode) {
    case 'facts':
      return void out(facts())
    case 'serve':
      return serve(req)
    case 'connect':
      return connect(req)
    case 'dns':
      return lookups(req)
    case 'get':
      return get(req)
    default:
      throw new Error(`unknown probe mode ${(req as { mode: unknown }).mode}`)
  }
}

Promise.resolve()
  .then(() => dispatch(JSON.parse(process.argv[process.argv.length - 1]) as ProbeRequest))
  .catch((e) => {
    out({ ok: false, error: String((e as Error)?.message || e) })
    process.exitCode = 1
  })
