// One GET over node's own http/https. Not fetch: an ESM dependency of @actions/http-client
// bundles undici 6 and installs it as the process-wide fetch dispatcher, and that undici
// dies on an assertion (not an error) when a paused body's connection closes early.
// Self-hosted runners behind a proxy: HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as curl reads them.
import type { IncomingMessage, RequestOptions } from 'node:http'
import http from 'node:http'
import https from 'node:https'
import tls from 'node:tls'

export interface Reply {
  status: number
  statusText: string
  headers: Headers
  body: IncomingMessage
}

function toHeaders(raw: IncomingMessage['headers']): Headers {
  const h = new Headers()
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue
    for (const one of Array.isArray(v) ? v : [v]) h.append(k, one)
  }
  return h
}

/** The proxy for `url`, if the environment names one and NO_PROXY does not exempt the host. */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv = process.env): URL | undefined {
  const raw = url.protocol === 'https:' ? (env.https_proxy ?? env.HTTPS_PROXY) : (env.http_proxy ?? env.HTTP_PROXY)
  if (!raw) return undefined
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  for (const entry of (env.no_proxy ?? env.NO_PROXY ?? '').split(',').map((e) => e.trim().toLowerCase())) {
    if (!entry) continue
    const [name, port] = entry.split(':')
    if (name === '*') return undefined
    const bare = name.replace(/^\*?\./, '')
    if (
      (host === bare || host.endsWith(`.${bare}`)) &&
      (!port || port === (url.port || (url.protocol === 'https:' ? '443' : '80')))
    )
      return undefined
  }
  return new URL(raw.includes('://') ? raw : `http://${raw}`)
}

const proxyAuth = (p: URL): Record<string, string> =>
  p.username
    ? {
        'proxy-authorization': `Basic ${Buffer.from(`${decodeURIComponent(p.username)}:${decodeURIComponent(p.password)}`).toString('base64')}`,
      }
    : {}

/** https through a CONNECT tunnel: the proxy sees the host name, never the request or token. */
function tunnel(proxy: URL, url: URL, signal: AbortSignal): Promise<tls.TLSSocket> {
  const authority = `${url.hostname}:${url.port || 443}`
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: proxy.hostname,
      port: proxy.port || 80,
      method: 'CONNECT',
      path: authority,
      headers: { host: authority, ...proxyAuth(proxy) },
      signal,
    })
    req.on('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy()
        reject(new Error(`proxy ${proxy.host} refused CONNECT ${authority}: HTTP ${res.statusCode}`))
        return
      }
      resolve(tls.connect({ socket, servername: url.hostname }))
    })
    req.on('error', reject)
    req.end()
  })
}

export async function get(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<Reply> {
  const target = new URL(url)
  const proxy = proxyFor(target)
  let options: RequestOptions = { headers, signal }
  let client: typeof http | typeof https = target.protocol === 'https:' ? https : http
  if (proxy && target.protocol === 'https:') {
    const socket = await tunnel(proxy, target, signal)
    // No agent: with createConnection alone, node uses the tunnel socket for this request.
    options = { ...options, createConnection: () => socket }
  } else if (proxy) {
    // plain http through a proxy: the absolute URL as the request target
    client = http
    options = {
      ...options,
      host: proxy.hostname,
      port: proxy.port || 80,
      path: target.href,
      headers: { ...headers, host: target.host, ...proxyAuth(proxy) },
    }
  }
  return new Promise((resolve, reject) => {
    const onReply = (res: IncomingMessage) =>
      resolve({
        status: res.statusCode ?? 0,
        statusText: res.statusMessage ?? '',
        headers: toHeaders(res.headers),
        body: res,
      })
    const req =
      proxy && target.protocol !== 'https:' ? client.get(options, onReply) : client.get(target, options, onReply)
    req.on('error', reject)
  })
}

/** The whole body as text (JSON documents, error bodies). */
export async function text(body: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of body) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
