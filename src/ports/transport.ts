// One GET over node's own http/https. Not fetch: an ESM dependency of @actions/http-client
// bundles undici 6 and installs it as the process-wide fetch dispatcher, and that undici
// dies on an assertion (not an error) when a paused body's connection closes early.
// Self-hosted runners behind a proxy: HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as curl reads them,
// picked by proxy-from-env; https goes through https-proxy-agent's CONNECT tunnel (the proxy
// sees host:port, never the path or the token), http to the proxy with the absolute URL.
import type { IncomingMessage, RequestOptions } from 'node:http'
import http from 'node:http'
import https from 'node:https'
import { isIPv6 } from 'node:net'
import { getProxyForUrl } from 'proxy-from-env'
import type { ReplyHeaders } from './types.js'

export interface Reply {
  status: number
  statusText: string
  headers: ReplyHeaders
  body: IncomingMessage
}

/**
 * node's own header object read as a fetch Headers reads (any case, repeated values joined
 * with ", "). Not a Headers: node loads its bundled undici (~0.1 s of CPU) on first use of
 * that global, for one response's few lookups.
 */
function toHeaders(raw: IncomingMessage['headers']): ReplyHeaders {
  return {
    get(name) {
      const v = raw[name.toLowerCase()]
      if (v === undefined) return null
      return Array.isArray(v) ? v.join(', ') : v
    },
  }
}

/**
 * curl's reading of the variables in proxy-from-env's dialect, where they differ: curl lets a
 * NO_PROXY name exempt its subdomains too (proxy-from-env wants a leading dot for that) and any
 * `*` entry exempt everything, and takes a proxy without a scheme as http:// (proxy-from-env
 * would take the request's scheme, and speak TLS to a plain proxy).
 */
function curlReading(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const pick = (name: string) => env[name] || env[name.toUpperCase()] || ''
  const scheme = (p: string) => (p && !p.includes('://') ? `http://${p}` : p)
  const entries = pick('no_proxy')
    .split(/[,\s]+/)
    .filter(Boolean)
  const noProxy = entries.includes('*')
    ? '*'
    : entries
        .map((e) => e.replace(/^\*?\./, ''))
        .map((e) => (isIPv6(e) ? `[${e}]` : e))
        .flatMap((e) => [e, `.${e}`])
        .join(',')
  return {
    no_proxy: noProxy,
    http_proxy: scheme(pick('http_proxy')),
    https_proxy: scheme(pick('https_proxy')),
    all_proxy: scheme(pick('all_proxy')),
  }
}

/** The proxy for `url`, if the environment names one and NO_PROXY does not exempt the host. */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv = process.env): URL | undefined {
  // proxy-from-env reads process.env and takes no other: it gets curl's reading of `env` for
  // this one synchronous call (nothing else can run, or spawn a child, before it is put back).
  const saved = process.env
  process.env = curlReading(env)
  try {
    const raw = getProxyForUrl(url)
    return raw ? new URL(raw) : undefined
  } finally {
    process.env = saved
  }
}

/** Loaded only behind a proxy: the agents and what they load (net, tls) are no step's start-up cost. */
async function proxyAgent(target: URL, proxy: URL, signal: AbortSignal): Promise<RequestOptions['agent']> {
  if (target.protocol !== 'https:') return new (await import('http-proxy-agent')).HttpProxyAgent(proxy, { signal })
  return new (await import('https-proxy-agent')).HttpsProxyAgent(proxy, { signal })
}

export async function get(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<Reply> {
  const target = new URL(url)
  const proxy = proxyFor(target)
  const client = target.protocol === 'https:' ? https : http
  // One agent per request, no keep-alive; the signal also ends a connection to the proxy
  // that is still waiting for its answer to CONNECT.
  const options: RequestOptions = { headers, signal }
  if (proxy) options.agent = await proxyAgent(target, proxy, signal)
  return new Promise((resolve, reject) => {
    const req = client.get(target, options, (res) =>
      resolve({
        status: res.statusCode ?? 0,
        statusText: res.statusMessage ?? '',
        headers: toHeaders(res.headers),
        body: res,
      }),
    )
    req.on('error', reject)
  })
}
