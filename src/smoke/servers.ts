// Host-side endpoints on 127.0.0.1 only: a payload server the containers fetch from, and a
// client that fetches from published ports. Every transfer is hashed and compared.
import { createHash } from 'node:crypto'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import { parseBlobPath, payloadSha256, payloadStream } from './payload.js'

export interface HostServer {
  port: number
  /** remote addresses of the connections it served (what the host saw) */
  peers: Set<string>
  requests: number
  close(): Promise<void>
}

const peerOf = (s: net.Socket): string => String(s.remoteAddress ?? '').replace(/^::ffff:/, '')

export async function startHostServer(tls?: { key: string; cert: string }): Promise<HostServer> {
  const state = { peers: new Set<string>(), requests: 0 }
  const handler: http.RequestListener = (req, res) => {
    state.requests++
    state.peers.add(peerOf(req.socket))
    const blob = parseBlobPath(req.url ?? '')
    res.setHeader('x-ssp-peer', peerOf(req.socket))
    if (!blob) return void res.writeHead(404).end()
    res.setHeader('content-length', blob.size)
    payloadStream(blob.seed, blob.size).pipe(res)
  }
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  return {
    port: (server.address() as net.AddressInfo).port,
    peers: state.peers,
    get requests() {
      return state.requests
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A port nobody listens on right now (the OS hands out ephemeral ports without repeats). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo
      s.close(() => resolve(port))
    })
  })
}

export interface Fetched {
  ok: boolean
  bytes: number
  /** the address the container's server saw this connection come from */
  peer?: string
  ms: number
  error?: string
}

/** GET a payload from the host side and verify it byte for byte against payload(seed, size), streamed. */
export function hostFetch(url: string, seed: string, size: number, timeoutMs: number): Promise<Fetched> {
  const started = Date.now()
  const want = payloadSha256(seed, size)
  return new Promise((resolve) => {
    const done = (r: Omit<Fetched, 'ms'>) => resolve({ ...r, ms: Date.now() - started })
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      const h = createHash('sha256')
      let bytes = 0
      res.on('data', (d: Buffer) => {
        h.update(d)
        bytes += d.length
      })
      res.on('error', (e) => done({ ok: false, bytes, error: e.message }))
      res.on('end', () => {
        const peer = String(res.headers['x-ssp-peer'] ?? '') || undefined
        if (res.statusCode !== 200) return done({ ok: false, bytes, peer, error: `HTTP ${res.statusCode}` })
        const same = h.digest('hex') === want
        done({ ok: same, bytes, peer, error: same ? undefined : `sha256 mismatch after ${bytes} of ${size} bytes` })
      })
    })
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)))
    req.on('error', (e: NodeJS.ErrnoException) => done({ ok: false, bytes: 0, error: e.code ?? e.message }))
  })
}
