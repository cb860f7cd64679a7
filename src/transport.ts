// One GET over node's own http/https. Not fetch: an ESM dependency of @actions/http-client
// bundles undici 6 and installs it as the process-wide fetch dispatcher, and that undici
// dies on an assertion (not an error) when a paused body's connection closes early.
import type { IncomingMessage } from 'node:http'
import http from 'node:http'
import https from 'node:https'

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

export function get(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<Reply> {
  const client = new URL(url).protocol === 'https:' ? https : http
  return new Promise((resolve, reject) => {
    const req = client.get(url, { headers, signal }, (res) =>
      resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: toHeaders(res.headers), body: res }),
    )
    req.on('error', reject)
  })
}

/** The whole body as text (JSON documents, error bodies). */
export async function text(body: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of body) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
