// The program a probe container runs: `node -e PROBE_SCRIPT '<json>'`. Plain CommonJS with
// node builtins only (node >= 18), because it runs under the action's own Node through the
// host's /usr, or under the `node` of a user's smoke-image. It prints ONE JSON line.
// Its payload() must stay byte-identical to payload.ts (a unit test runs both).

export type ProbeRequest =
  | { mode: 'facts' }
  | { mode: 'serve'; port: number }
  | { mode: 'connect'; host: string; port: number; timeoutMs: number }
  | { mode: 'dns'; names: string[] }
  | { mode: 'get'; jobs: GetJob[]; ca?: string; family?: 4 | 6; timeoutMs: number; concurrency?: number }

export interface GetJob {
  url: string
  /** with seed and size the body must be payload(seed, size); without, any 2xx/3xx body passes */
  seed?: string
  size?: number
  count?: number
}

export interface NetInterface {
  name: string
  mtu: number
  addrs: string[]
}

export interface Facts {
  interfaces: NetInterface[]
  gw4: { dev: string; via: string }[]
  gw6: { dev: string; via: string }[]
  hosts: { addr: string; names: string[] }[]
  nameservers: string[]
}

export interface GetResult {
  ok: boolean
  requests: number
  failed: number
  bytes: number
  ms: number
  peers: string[]
  failures: string[]
  /** set when a URL used '{gw4}' */
  gateway?: string
}

export const PROBE_SCRIPT = String.raw`'use strict'
const fs = require('fs'), os = require('os'), crypto = require('crypto'), net = require('net')
const http = require('http'), https = require('https'), dns = require('dns')
const req = JSON.parse(process.argv[process.argv.length - 1])
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n')
const text = (f) => { try { return fs.readFileSync(f, 'utf8') } catch { return '' } }
const peerOf = (s) => String(s.remoteAddress || '').replace(/^::ffff:/, '')
function payload(seed, size) {
  const key = crypto.createHash('sha256').update(seed).digest()
  return crypto.createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32)).update(Buffer.alloc(size))
}
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex')
const hex4 = (h) => [3, 2, 1, 0].map((i) => parseInt(h.substr(i * 2, 2), 16)).join('.')
const hex6 = (h) => h.match(/.{4}/g).map((g) => g.replace(/^0+(?=.)/, '')).join(':')
const rows = (f) => text(f).split('\n').map((l) => l.trim().split(/\s+/)).filter((r) => r.length > 3)
function facts() {
  let names = []
  try { names = fs.readdirSync('/sys/class/net') } catch {}
  const ifs = os.networkInterfaces()
  names = [...new Set([...names, ...Object.keys(ifs)])].sort()
  const interfaces = names.map((name) => ({
    name, mtu: Number(text('/sys/class/net/' + name + '/mtu').trim()) || 0, addrs: (ifs[name] || []).map((a) => a.cidr),
  }))
  const gw4 = rows('/proc/net/route').filter((r) => r[1] === '00000000' && r[7] === '00000000').map((r) => ({ dev: r[0], via: hex4(r[2]) }))
  const gw6 = rows('/proc/net/ipv6_route').filter((r) => r[0] === '0'.repeat(32) && r[1] === '00' && r[9] !== 'lo').map((r) => ({ dev: r[9], via: hex6(r[4]) }))
  const hosts = text('/etc/hosts').split('\n').map((l) => l.replace(/#.*/, '').trim().split(/\s+/)).filter((f) => f.length > 1).map(([addr, ...names]) => ({ addr, names }))
  const nameservers = text('/etc/resolv.conf').split('\n').map((l) => /^\s*nameserver\s+(\S+)/.exec(l)).filter(Boolean).map((m) => m[1])
  return { interfaces, gw4, gw6, hosts, nameservers }
}
function serve() {
  http.createServer((q, r) => {
    const m = /^\/blob\/([^/]+)\/(\d+)$/.exec(q.url)
    r.setHeader('x-ssp-peer', peerOf(q.socket))
    if (!m) return r.end(peerOf(q.socket))
    r.end(payload(decodeURIComponent(m[1]), Math.min(Number(m[2]), 268435456)))
  }).listen(req.port, () => out({ listening: req.port }))
}
function connect() {
  const s = net.connect({ host: req.host, port: req.port, timeout: req.timeoutMs })
  s.on('connect', () => { out({ connected: true }); s.destroy() })
  s.on('timeout', () => { out({ connected: false, error: 'timeout' }); s.destroy() })
  s.on('error', (e) => out({ connected: false, error: e.code || e.message }))
}
async function lookups() {
  const one = async (name, fn) => { try { return await fn(name) } catch (e) { return 'error: ' + (e.code || e.message) } }
  const results = []
  for (const name of req.names) results.push({ name, a: await one(name, dns.promises.resolve4), aaaa: await one(name, dns.promises.resolve6) })
  out({ results })
}
const expected = new Map()
function want(job) {
  const k = job.seed + '/' + job.size
  if (!expected.has(k)) expected.set(k, sha(payload(job.seed, job.size)))
  return expected.get(k)
}
let gateway
// '{gw4}' in a URL: the container's own IPv4 gateway (pasta --map-gw maps it to the host).
const resolveUrl = (u) => u.includes('{gw4}') ? u.replace('{gw4}', gateway = gateway || (facts().gw4[0] || {}).via) : u
function fetchOne(job) {
  return new Promise((resolve) => {
    const url = resolveUrl(job.url)
    const lib = url.startsWith('https:') ? https : http
    const opts = { agent: false, family: req.family, timeout: req.timeoutMs }
    if (req.ca) opts.ca = fs.readFileSync(req.ca)
    const t = Date.now()
    const fail = (error) => resolve({ ok: false, error: url + ': ' + error, bytes: 0 })
    const q = lib.get(url, opts, (res) => {
      const h = crypto.createHash('sha256')
      let bytes = 0
      res.on('data', (d) => { h.update(d); bytes += d.length })
      res.on('error', (e) => fail(e.code || e.message))
      res.on('end', () => {
        const digest = h.digest('hex')
        const peer = String(res.headers['x-ssp-peer'] || '')
        if (res.statusCode >= 400) return fail('HTTP ' + res.statusCode)
        if (job.seed !== undefined && digest !== want(job)) return fail('sha256 mismatch after ' + bytes + ' bytes')
        resolve({ ok: true, bytes, peer, ms: Date.now() - t })
      })
    })
    q.on('timeout', () => q.destroy(new Error('timeout after ' + req.timeoutMs + ' ms')))
    q.on('error', (e) => fail(e.code || e.message))
  })
}
async function get() {
  const queue = req.jobs.flatMap((j) => Array.from({ length: j.count || 1 }, () => j))
  const results = []
  const t = Date.now()
  const worker = async () => { while (queue.length) results.push(await fetchOne(queue.shift())) }
  await Promise.all(Array.from({ length: Math.min(req.concurrency || queue.length, queue.length) }, worker))
  const failures = results.filter((r) => !r.ok).map((r) => r.error)
  out({
    ok: failures.length === 0, requests: results.length, failed: failures.length, ms: Date.now() - t,
    bytes: results.reduce((n, r) => n + r.bytes, 0), peers: [...new Set(results.map((r) => r.peer).filter(Boolean))],
    failures: failures.slice(0, 5), gateway,
  })
  process.exitCode = failures.length ? 1 : 0
}
const modes = { facts: () => out(facts()), serve, connect, dns: lookups, get }
Promise.resolve().then(() => modes[req.mode]()).catch((e) => { out({ ok: false, error: String(e && e.message || e) }); process.exitCode = 1 })
`
