// The local network checks: what each asserts (the table is network-checks.ts). Nothing here
// talks to anything but 127.0.0.1 on the host.
import { randomBytes } from 'node:crypto'
import semver from 'semver'
import { pastaDate } from '../host/parse.js'
import { dirOf } from './argv.js'
import type { Check } from './check.js'
import { detectKind } from './facts.js'
import { blobPath, MiB } from './payload.js'
import type { ConnectResult, Facts, GetJob, GetResult } from './probe.js'
import type { Details } from './report.js'
import { type CheckContext, CheckFailure } from './runner.js'
import { freePort, type HostServer, hostFetch } from './servers.js'

/**
 * Transfer sizes. Each is many times every buffer on its path (Go's 32 KiB io.Copy buffer in
 * rootlessport, the 64 KiB pipes of pasta's splice, libslirp's socket buffers, the kernel's
 * 128 KiB initial TCP receive buffer), so the bytes pass each helper's flow control many times
 * over: a truncated, reordered or corrupted stream still fails the sha256, a stall the deadline.
 * More costs seconds of a 2-core runner's CPU (8 MiB each did) and proves no more.
 */
const FETCH = 2 * MiB
/** each of the eight concurrent TLS transfers: 64 full 16 KiB TLS records */
const TLS_LARGE = 1 * MiB
const size = (bytes: number): string => `${bytes / MiB} MiB`
const PROBE_PORT = 8080
const seedFor = (ctx: CheckContext): string => `${ctx.checkId}-${randomBytes(6).toString('hex')}`
const fail = (msg: string, details?: Details, stderr?: string): never => {
  throw new CheckFailure(msg, stderr, details)
}
const mb = (bytes: number, ms: number): string =>
  `${((bytes * 8) / 1e6 / Math.max(ms / 1000, 0.001)).toFixed(0)} Mbit/s`

/** The container GETs a payload from a host server on 127.0.0.1, over `network` (built with the server's port). */
export async function fetchFromHost(
  ctx: CheckContext,
  network: (port: number) => string,
  host: string,
): Promise<Details> {
  const srv = await ctx.server()
  const s = seedFor(ctx)
  const url = `http://${host}:${srv.port}${blobPath(s, FETCH)}`
  const out = await ctx.probe<GetResult>(
    'client',
    { network: network(srv.port) },
    { mode: 'get', timeoutMs: ctx.remaining(), jobs: [{ url, seed: s, size: FETCH }] },
  )
  const details = {
    url: out.gateway ? url.replace('{gw4}', out.gateway) : url,
    hostSaw: [...srv.peers],
    bytes: out.bytes,
  }
  if (!out.ok) fail(`container GET failed: ${out.failures[0] ?? 'no request completed'}`, details)
  // The host server listens on 127.0.0.1 only: seeing 127.0.0.1 proves the path ended on host loopback.
  if (!srv.peers.has('127.0.0.1'))
    fail(`host server saw ${[...srv.peers].join(', ') || 'nothing'}, expected 127.0.0.1`, details)
  return { ...details, summary: `${details.url} reached host 127.0.0.1:${srv.port}; ${size(FETCH)} sha256 ok` }
}

/** Fetches a payload from a probe server published on 127.0.0.1:port, verified from the host. */
async function fetchPublished(ctx: CheckContext, name: string, port: number): Promise<Details & { peer?: string }> {
  const s = seedFor(ctx)
  const got = await hostFetch(`http://127.0.0.1:${port}${blobPath(s, FETCH)}`, s, FETCH, ctx.remaining())
  const details = { port, bytes: got.bytes, ms: got.ms, containerSaw: got.peer }
  if (!got.ok) {
    const logs = await ctx.podman(['logs', '--tail', '15', name], 10_000)
    fail(`GET 127.0.0.1:${port} from the host: ${got.error}`, details, logs.stderr || logs.stdout)
  }
  return { ...details, peer: got.peer }
}

/** A probe server in the container behind `-p 127.0.0.1:P:8080`, fetched and verified from the host. */
async function publishAndFetch(ctx: CheckContext, network: string): Promise<Details & { peer?: string }> {
  const port = await freePort()
  const { name } = await ctx.serve({
    role: 'srv',
    port: PROBE_PORT,
    network,
    publish: [`127.0.0.1:${port}:${PROBE_PORT}`],
  })
  return fetchPublished(ctx, name, port)
}

/**
 * One container on the default network for publish, default-network and host-containers-internal:
 * a probe server behind -p 127.0.0.1:P that says its own facts once it listens. Started by the
 * first of them to ask (each container costs a podman run, about 0.5 s of a runner's CPU).
 */
const defaultServer = (ctx: CheckContext): Promise<{ name: string; port: number; facts?: Facts }> =>
  ctx.shared('default-server', async () => {
    const port = await freePort()
    const publish = [`127.0.0.1:${port}:${PROBE_PORT}`]
    const { name, said } = await ctx.serve({ role: 'srv', port: PROBE_PORT, publish, facts: true })
    return { name, port, facts: said.facts }
  })

/**
 * The default network's facts: from publish's server when publish runs too; from a probe of
 * their own when it does not, or when that server did not start (its failure is publish's).
 */
const defaultFacts = (ctx: CheckContext): Promise<Facts> =>
  ctx.shared('default-facts', async () => {
    const shared = ctx.suite.planned.has('publish') ? await defaultServer(ctx).catch(() => undefined) : undefined
    return shared?.facts ?? ctx.probe<Facts>('probe', {}, { mode: 'facts' })
  })

export async function defaultNetwork(ctx: CheckContext): Promise<Details> {
  const f = await defaultFacts(ctx)
  const kind = detectKind(f, ctx.suite.hostFacts)
  const want = ctx.caps.defaultKind
  const ifs = f.interfaces.filter((i) => i.name !== 'lo')
  const details = {
    kind,
    expected: want.kind,
    why: want.why,
    interfaces: ifs.map((i) => `${i.name} mtu ${i.mtu} ${i.addrs.join(' ')}`.trim()),
    gateway4: f.gw4[0]?.via,
    nameservers: f.nameservers,
    summary: `${kind}: ${ifs.map((i) => `${i.name} mtu ${i.mtu} ${i.addrs[0] ?? ''}`.trim()).join('; ') || 'lo only'}`,
  }
  if (kind !== want.kind) fail(`default network is ${kind}, expected ${want.kind} (${want.why})`, details)
  if (kind === 'pasta' || kind === 'slirp4netns') {
    if (!ifs.some((i) => i.addrs.some((a) => a.includes('.'))))
      fail(`${kind}: no IPv4 address in the container`, details)
    if (!f.gw4[0]) fail(`${kind}: no IPv4 default route in the container`, details)
    // 65520 is what podman asks both helpers for; a user's own options may change it.
    if (!want.options && !ifs.some((i) => i.mtu === 65520))
      fail(`${kind}: MTU ${ifs.map((i) => i.mtu).join(', ')}, expected 65520`, details)
  }
  return details
}

export async function publish(ctx: CheckContext): Promise<Details> {
  const { name, port } = await defaultServer(ctx)
  const d = await fetchPublished(ctx, name, port)
  return { ...d, summary: `${size(FETCH)} from 127.0.0.1:${d.port} sha256 ok; container saw ${d.peer ?? '?'}` }
}

/** slirp4netns port handlers: what source address the container's server sees (verified on 4.3.1, 5.4.2, 5.8.6). */
export function portHandler(handler: 'slirp4netns' | 'rootlesskit', expect: string, why: string): Check['run'] {
  return async (ctx) => {
    const d = await publishAndFetch(ctx, `slirp4netns:port_handler=${handler}`)
    if (d.peer !== expect) fail(`container saw the client as ${d.peer ?? 'nothing'}, expected ${expect} (${why})`, d)
    return { ...d, summary: `container saw ${d.peer}: ${why}` }
  }
}

export async function hostsEntry(ctx: CheckContext): Promise<Details> {
  const f = await defaultFacts(ctx)
  const entry = f.hosts.find((h) => h.names.includes('host.containers.internal'))
  if (!entry) return fail('/etc/hosts in the container has no host.containers.internal', { hosts: f.hosts })
  const addr = entry.addr
  if (/^127\.|^::1$/.test(addr)) fail(`host.containers.internal is ${addr}: that is the container itself`, { addr })
  const pasta = pastaDate(ctx.caps.pastaVersion ?? '')
  // podman >= 5.3 with passt >= 2024_08_21 maps a fixed link-local address to the host.
  const mapped =
    ctx.caps.defaultKind.kind === 'pasta' &&
    semver.gte(ctx.caps.podman, '5.3.0') &&
    !!pasta &&
    semver.gte(pasta, '2024.8.21')
  if (mapped && addr !== '169.254.1.2')
    fail(`host.containers.internal is ${addr}, expected 169.254.1.2 (podman >= 5.3 with passt ${pasta})`, { addr })
  return {
    addr,
    names: entry.names,
    summary: `host.containers.internal -> ${addr}${addr === '169.254.1.2' ? ' (pasta --map-guest-addr)' : ''}`,
  }
}

export async function networkHost(ctx: CheckContext): Promise<Details> {
  // 127.0.0.1:P answers only in the host's own namespace: reaching it proves --network host.
  return fetchFromHost(ctx, () => 'host', '127.0.0.1')
}

export async function networkNone(ctx: CheckContext): Promise<Details> {
  const srv: HostServer = await ctx.server()
  // One container answers both: its interfaces, then whether it reaches the host's server.
  const c = await ctx.probe<ConnectResult>(
    'probe',
    { network: 'none' },
    { mode: 'connect', host: '127.0.0.1', port: srv.port, timeoutMs: 3000, facts: true },
  )
  const names = (c.facts?.interfaces ?? []).map((i) => i.name)
  if (!c.facts || names.some((n) => n !== 'lo'))
    fail(`--network none has interfaces ${names.join(', ') || '(none read)'}, expected only lo`, { interfaces: names })
  if (c.connected || srv.requests > 0)
    fail(`--network none reached the host's 127.0.0.1:${srv.port}`, { interfaces: names })
  return {
    interfaces: names,
    connect: c.error,
    summary: `only lo; host 127.0.0.1:${srv.port} unreachable (${c.error})`,
  }
}

export async function customNetwork(ctx: CheckContext): Promise<Details> {
  const net = await ctx.network('net')
  const { name: server } = await ctx.serve({ role: 'srv', port: PROBE_PORT, network: net })
  const s = seedFor(ctx)
  // The server's name resolves only through aardvark-dns on this network.
  const job: GetJob = { url: `http://${server}:${PROBE_PORT}${blobPath(s, FETCH)}`, seed: s, size: FETCH, count: 4 }
  const out = await ctx.probe<GetResult>(
    'client',
    { network: net },
    { mode: 'get', timeoutMs: ctx.remaining(), jobs: [job] },
  )
  const details = { network: net, server, serverSaw: out.peers, requests: out.requests }
  if (!out.ok)
    fail(`client on ${net} could not fetch from ${server}: ${out.failures[0] ?? 'no request completed'}`, details)
  return {
    ...details,
    summary:
      `http://${server}:${PROBE_PORT}/ resolved by aardvark-dns; 4 x ${size(FETCH)} sha256 ok; ` +
      `server saw ${out.peers.join(', ')}`,
  }
}

export async function tlsVolume(ctx: CheckContext): Promise<Details> {
  const pasta = ctx.caps.defaultKind.kind === 'pasta'
  // import(): only this check loads the X.509 library (startup time counts for every run)
  const { makeTestPki } = await import('./x509.js')
  const pki = await makeTestPki(['ssp-tls.test', '127.0.0.1', '10.0.2.2'])
  const srv = await ctx.server({ key: pki.keyPem, cert: pki.certPem })
  const ca = await ctx.suite.write(`${ctx.checkId}/ca.pem`, pki.caPem)
  const url = (seed: string, size: number) => `https://ssp-tls.test:${srv.port}${blobPath(seed, size)}`
  const [small, large] = [seedFor(ctx), seedFor(ctx)]
  const out = await ctx.probe<GetResult>(
    'client',
    {
      network: pasta ? `pasta:-T,${srv.port}` : 'slirp4netns:allow_host_loopback=true',
      volumes: [`${dirOf(ca)}:/ssp-ca:ro`],
      addHosts: [`ssp-tls.test:${pasta ? '127.0.0.1' : '10.0.2.2'}`],
    },
    {
      mode: 'get',
      ca: '/ssp-ca/ca.pem',
      timeoutMs: ctx.remaining(),
      jobs: [
        { url: url(small, 4096), seed: small, size: 4096, count: 100 },
        { url: url(large, TLS_LARGE), seed: large, size: TLS_LARGE, count: 8 },
      ],
    },
  )
  const details = { requests: out.requests, failed: out.failed, bytes: out.bytes, ms: out.ms, hostServed: srv.requests }
  if (!out.ok) fail(`${out.failed} of ${out.requests} TLS transfers failed: ${out.failures.join('; ')}`, details)
  if (out.requests !== 108 || srv.requests !== 108)
    fail(`expected 108 transfers, container made ${out.requests}, host served ${srv.requests}`, details)
  return {
    ...details,
    summary:
      `108 parallel TLS transfers (100 x 4 KiB, 8 x ${size(TLS_LARGE)}) verified, ` +
      `${mb(out.bytes, out.ms)}; CA from a volume`,
  }
}
