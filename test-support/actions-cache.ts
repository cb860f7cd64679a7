// A loopback stand-in for the GitHub Actions cache service as @actions/cache's v1 client
// speaks it (ACTIONS_CACHE_URL: look up by key prefix and version, reserve, upload in
// ranges, commit, download). Entries are the client's own tar archives, so what a job saves
// is what a later job restores; a test plants one by saving it through the real client.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

interface Entry {
  key: string
  version: string
  body: Buffer
  /** committed: visible to lookups */
  done: boolean
}

interface CacheRequest {
  method: string
  path: string
  authorization: boolean
}

export interface FakeCacheService {
  /** what ACTIONS_CACHE_URL holds: `http://127.0.0.1:PORT/` */
  readonly url: string
  /** the environment a job gets to use it (the v1 client, a made-up runtime token) */
  readonly env: Record<string, string>
  readonly requests: CacheRequest[]
  /** committed entries' keys, oldest first */
  keys(): string[]
  close(): Promise<void>
}

const API = '/_apis/artifactcache/'

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}

const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))

/** The newest committed entry whose key starts with one of `keys`, in their order (as the service matches). */
function lookup(entries: Entry[], keys: string[], version: string): Entry | undefined {
  const live = entries.filter((e) => e.done && e.version === version).reverse()
  for (const k of keys) {
    const hit = live.find((e) => e.key === k) ?? live.find((e) => e.key.startsWith(k))
    if (hit) return hit
  }
  return undefined
}

export async function startFakeCacheService(): Promise<FakeCacheService> {
  const entries: Entry[] = []
  const requests: CacheRequest[] = []
  const sockets = new Set<Socket>()
  let base = ''
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', base)
    requests.push({ method: req.method ?? '', path: u.pathname + u.search, authorization: !!req.headers.authorization })
    const body = await readBody(req)
    const id = /^\/_apis\/artifactcache\/caches\/(\d+)$/.exec(u.pathname)?.[1]
    if (req.method === 'GET' && u.pathname === `${API}cache`) {
      const keys = (u.searchParams.get('keys') ?? '').split(',')
      const hit = lookup(entries, keys, u.searchParams.get('version') ?? '')
      if (!hit) return res.writeHead(204).end()
      return json(res, 200, { cacheKey: hit.key, archiveLocation: `${base}blob/${entries.indexOf(hit)}` })
    }
    if (req.method === 'POST' && u.pathname === `${API}caches`) {
      const { key, version } = JSON.parse(body.toString()) as { key: string; version: string }
      if (entries.some((e) => e.key === key && e.version === version)) return json(res, 409, { message: 'exists' })
      entries.push({ key, version, body: Buffer.alloc(0), done: false })
      return json(res, 201, { cacheId: entries.length })
    }
    const entry = id ? entries[Number(id) - 1] : undefined
    if (entry && req.method === 'PATCH') {
      const start = Number(/^bytes (\d+)-/.exec(req.headers['content-range'] ?? '')?.[1] ?? 0)
      const grown = Buffer.alloc(Math.max(entry.body.length, start + body.length))
      entry.body.copy(grown)
      body.copy(grown, start)
      entry.body = grown
      return res.writeHead(204).end()
    }
    if (entry && req.method === 'POST') {
      entry.done = true
      return res.writeHead(204).end()
    }
    const blob = /^\/blob\/(\d+)$/.exec(u.pathname)?.[1]
    if (req.method === 'GET' && blob && entries[Number(blob)]) {
      const b = entries[Number(blob)].body
      return res.writeHead(200, { 'content-length': String(b.length) }).end(b)
    }
    res.writeHead(404).end()
  }
  const server = createServer((req, res) => void handle(req, res).catch(() => res.writeHead(500).end()))
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  return {
    url: base,
    env: { ACTIONS_CACHE_URL: base, ACTIONS_RUNTIME_TOKEN: 'fake-runtime-token' },
    requests,
    keys: () => entries.filter((e) => e.done).map((e) => e.key),
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise((r) => server.close(r))
    },
  }
}
