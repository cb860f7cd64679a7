// Checks that leave the machine. They run only when the host's own configuration says the
// internet is plausible (facts.ts decides without sending anything), else they are skipped.
import type { Check } from './check.js'
import type { GetResult } from './probe.js'
import type { Details } from './report.js'
import { type CheckContext, CheckFailure } from './runner.js'

/**
 * Several CDNs: pasta 2025_12_08 to 2025_12_10 hang with some peers only (Cloudflare-fronted
 * hosts such as the npm registry: `bun install` failed where curl to other hosts worked).
 */
const HTTPS_TARGETS = [
  'https://registry.npmjs.org/', // Cloudflare (npm registry)
  'https://www.cloudflare.com/cdn-cgi/trace', // Cloudflare
  'https://deb.debian.org/debian/README', // Fastly
  'https://www.google.com/generate_204', // Google
  'https://github.com/robots.txt', // GitHub
] as const
const DNS_NAMES = ['registry.npmjs.org', 'github.com', 'deb.debian.org', 'www.google.com'] as const
const LARGE_URL = 'https://speed.cloudflare.com/__down?bytes=26214400'
const IPV6_TARGETS = ['https://www.google.com/generate_204', 'https://registry.npmjs.org/'] as const

const mbit = (r: GetResult): number => (r.bytes * 8) / 1e6 / Math.max(r.ms / 1000, 0.001)

async function dnsLookups(ctx: CheckContext): Promise<Details> {
  type Lookup = { name: string; a: string[] | string; aaaa: string[] | string }
  const out = await ctx.probe<{ results: Lookup[] }>('dns', {}, { mode: 'dns', names: [...DNS_NAMES] })
  const missing = out.results.filter((r) => !Array.isArray(r.a) || r.a.length === 0)
  const details = { lookups: out.results }
  if (missing.length > 0)
    throw new CheckFailure(
      `no A record for ${missing.map((r) => `${r.name} (${String(r.a)})`).join(', ')}`,
      undefined,
      details,
    )
  const aaaa = out.results.filter((r) => Array.isArray(r.aaaa) && r.aaaa.length > 0).length
  return { ...details, summary: `A for ${out.results.length} names; AAAA for ${aaaa}` }
}

async function https4(ctx: CheckContext): Promise<Details> {
  const jobs = [...HTTPS_TARGETS.map((url) => ({ url })), { url: HTTPS_TARGETS[0], count: 16 }]
  const out = await ctx.probe<GetResult>(
    'client',
    {},
    { mode: 'get', family: 4, concurrency: 16, timeoutMs: ctx.remaining(), jobs },
  )
  const details = { requests: out.requests, failed: out.failed, failures: out.failures, ms: out.ms }
  if (!out.ok)
    throw new CheckFailure(
      `${out.failed} of ${out.requests} HTTPS requests failed: ${out.failures.join('; ')}`,
      undefined,
      details,
    )
  return { ...details, summary: `${HTTPS_TARGETS.length} CDNs, then 16 in parallel to registry.npmjs.org, over IPv4` }
}

async function throughput(ctx: CheckContext): Promise<Details> {
  const get = (role: string, network?: string) =>
    ctx.probe<GetResult>(
      role,
      { network },
      { mode: 'get', family: 4, timeoutMs: ctx.remaining(), jobs: [{ url: LARGE_URL }] },
    )
  const host = await get('host', 'host')
  const dflt = await get('default')
  const details = { defaultMbit: Math.round(mbit(dflt)), hostMbit: Math.round(mbit(host)), bytes: dflt.bytes }
  if (!host.ok || !dflt.ok)
    throw new CheckFailure(`download failed: ${[...host.failures, ...dflt.failures].join('; ')}`, undefined, details)
  // A stalled stack (the pasta zero-window hang) crawls; ordinary overhead does not cost 90%.
  if (mbit(dflt) < mbit(host) / 10)
    throw new CheckFailure(
      `default network ${details.defaultMbit} Mbit/s, under a tenth of --network host (${details.hostMbit})`,
      undefined,
      details,
    )
  return { ...details, summary: `25 MB: default ${details.defaultMbit} Mbit/s, host ${details.hostMbit} Mbit/s` }
}

async function https6(ctx: CheckContext): Promise<Details> {
  const out = await ctx.probe<GetResult>(
    'client',
    {},
    { mode: 'get', family: 6, timeoutMs: ctx.remaining(), jobs: IPV6_TARGETS.map((url) => ({ url })) },
  )
  if (!out.ok)
    throw new CheckFailure(`HTTPS over IPv6 failed: ${out.failures.join('; ')}`, undefined, { failures: out.failures })
  return { requests: out.requests, summary: `${IPV6_TARGETS.length} hosts over IPv6` }
}

const dflt = (c: Parameters<Check['mode']>[0]) => `default (${c.defaultKind.kind})`

export const INTERNET_CHECKS: readonly Check[] = [
  {
    id: 'internet-dns',
    title: 'DNS A/AAAA',
    mode: dflt,
    needs: { internet: true },
    severity: 'blocking',
    why: 'DNS from a container: every job that fetches anything',
    run: dnsLookups,
  },
  {
    id: 'internet-https',
    title: 'HTTPS over IPv4 to several CDNs, 16 parallel',
    mode: dflt,
    needs: { internet: true },
    severity: 'blocking',
    why: 'HTTPS from a container: every job that fetches anything',
    run: https4,
  },
  {
    id: 'internet-ipv6',
    title: 'HTTPS over IPv6',
    mode: dflt,
    needs: { internet: true, ipv6: true },
    severity: 'advisory',
    why: 'GitHub-hosted runners have no IPv6 egress; only IPv6 jobs need it',
    run: https6,
  },
  {
    id: 'internet-throughput',
    title: 'Large download vs --network host',
    mode: (c) => `${dflt(c)} vs host`,
    needs: { internet: true, optional: true },
    severity: 'advisory',
    why: 'a slow default network is a performance problem, not a broken one',
    run: throughput,
  },
]
