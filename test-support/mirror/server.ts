// A loopback stand-in for GitHub's releases API and release downloads, for any number of
// repositories, with scripted faults and a record of every request.
import { createReadStream } from 'node:fs'
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { Readable } from 'node:stream'
import { FaultTable, sendReply, type Body, type Fault, type Reply } from './faults.js'
import {
  assetJson,
  buildRepo,
  downloadPath,
  latestRelease,
  paginate,
  releaseJson,
  type AssetModel,
  type ReleaseSpec,
  type RepoModel,
  type Urls,
} from './github-api.js'

export type { Fault } from './faults.js'
export type { ReleaseSpec } from './github-api.js'

export interface MirrorOptions {
  /** `owner/name` -> its releases, newest first */
  repos: Record<string, readonly ReleaseSpec[]>
  /** the most items a list page holds whatever per_page asks (GitHub: 100) */
  pageSize?: number
  faults?: readonly Fault[]
  /** when set, an Authorization header must carry it (`Bearer`/`token`), else 401 Bad credentials */
  token?: string
  /** serve downloads from a second origin (127.0.0.2), as GitHub redirects to another host */
  separateDownloadOrigin?: boolean
  /** API port; 0 (default) picks a free one */
  port?: number
  /** `owner` -> the armored keys GitHub serves at `/<owner>.gpg` (the key endpoint of a user) */
  userKeys?: Record<string, string>
}

interface RecordedRequest {
  method: string
  /** path and query string */
  path: string
  /** whether an Authorization header was present (its value is never kept) */
  authorization: boolean
  accept: string
}

export interface Mirror {
  /** `http://127.0.0.1:PORT`: the API base URL (what api.github.com is for GitHub) */
  readonly url: string
  readonly port: number
  /** every request so far, oldest first (the same array across resetRequests) */
  readonly requests: RecordedRequest[]
  resetRequests(): void
  setFaults(faults: readonly Fault[]): void
  clearFaults(): void
  /** replaces one repository's releases */
  setReleases(repo: string, releases: readonly ReleaseSpec[]): Promise<void>
  /** what `/<owner>.gpg` serves; undefined: 404 */
  setUserKeys(owner: string, armored: string | undefined): void
  /** the browser_download_url of an asset */
  downloadUrl(repo: string, tag: string, name: string): string
  close(): Promise<void>
}

const JSON_TYPE = 'application/json; charset=utf-8'
const DOCS = 'https://docs.github.com/rest'

export async function startMirror(opts: MirrorOptions): Promise<Mirror> {
  const repos = new Map<string, RepoModel>()
  for (const [name, specs] of Object.entries(opts.repos)) repos.set(name, await buildRepo(name, specs))
  const faults = new FaultTable()
  faults.set(opts.faults ?? [])
  const requests: RecordedRequest[] = []
  const sockets = new Set<Socket>()
  const urls: Urls = { api: '', download: '' }
  const userKeys = new Map(Object.entries(opts.userKeys ?? {}))
  const ctx: Ctx = { repos, urls, faults, pageSize: opts.pageSize ?? 100, token: opts.token, userKeys }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    requests.push(record(req))
    handle(ctx, req, res)
  }
  const api = await listen(handler, '127.0.0.1', opts.port ?? 0, sockets)
  const dl = opts.separateDownloadOrigin ? await listen(handler, '127.0.0.2', 0, sockets) : undefined
  urls.api = `http://127.0.0.1:${port(api)}`
  urls.download = dl ? `http://127.0.0.2:${port(dl)}` : urls.api

  return {
    url: urls.api,
    port: port(api),
    requests,
    resetRequests: () => void requests.splice(0),
    setFaults: (f) => faults.set(f),
    setUserKeys: (owner, armored) =>
      void (armored === undefined ? userKeys.delete(owner) : userKeys.set(owner, armored)),
    clearFaults: () => faults.set([]),
    async setReleases(name, specs) {
      repos.set(name, await buildRepo(name, specs))
    },
    downloadUrl: (repo, tag, name) =>
      `${urls.download}/download/${repo}/${encodeURIComponent(tag)}/${encodeURIComponent(name)}`,
    async close() {
      // Stalled responses never end on their own: destroy every socket, then wait.
      for (const s of sockets) s.destroy()
      await Promise.all([api, dl].map((s) => s && new Promise((r) => s.close(r))))
    },
  }
}

interface Ctx {
  repos: Map<string, RepoModel>
  urls: Urls
  faults: FaultTable
  pageSize: number
  token?: string
  userKeys: Map<string, string>
}

function listen(
  handler: Parameters<typeof createServer>[1],
  host: string,
  p: number,
  sockets: Set<Socket>,
): Promise<Server> {
  const server = createServer({ keepAliveTimeout: 5_000 }, handler)
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  return new Promise((ok, fail) => {
    server.once('error', fail)
    server.listen(p, host, () => ok(server))
  })
}

const port = (s: Server) => (s.address() as AddressInfo).port

function record(req: IncomingMessage): RecordedRequest {
  return {
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    authorization: req.headers.authorization !== undefined,
    accept: req.headers.accept ?? '',
  }
}

function handle(ctx: Ctx, req: IncomingMessage, res: ServerResponse): void {
  const head = req.method === 'HEAD'
  if (req.method !== 'GET' && !head) {
    sendReply(res, errorReply(405), undefined, head)
    return
  }
  if (ctx.token !== undefined && !tokenOk(req.headers.authorization, ctx.token)) {
    sendReply(res, errorReply(401, 'Bad credentials'), undefined, head)
    return
  }
  const url = new URL(req.url ?? '/', 'http://mirror')
  const route = resolveRoute(ctx, url, req.headers.accept ?? '')
  const action = ctx.faults.next({ pathname: url.pathname, search: url.search, assetName: route.assetName })
  let reply: Reply
  if (action && action !== 'ok' && 'status' in action && action.status !== 200) reply = errorReply(action.status)
  else if (action && action !== 'ok' && 'rateLimit' in action) reply = rateLimited(action.rateLimit.reset)
  else reply = route.reply()
  // Body faults damage bodies; a redirect passes through untouched.
  sendReply(res, reply, reply.status >= 300 && reply.status < 400 ? undefined : action, head)
}

function tokenOk(header: string | undefined, token: string): boolean {
  return header === undefined || header === `Bearer ${token}` || header === `token ${token}`
}

interface Route {
  assetName?: string
  reply: () => Reply
}

function resolveRoute(ctx: Ctx, url: URL, accept: string): Route {
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent)
  const notFound: Route = { reply: () => errorReply(404, 'Not Found') }
  if (parts.length === 1 && parts[0].endsWith('.gpg')) return keysRoute(ctx, parts[0].slice(0, -'.gpg'.length))
  if (parts[0] === 'download' && parts.length === 5) {
    const hit = findAsset(ctx, `${parts[1]}/${parts[2]}`, parts[3], parts[4])
    return hit ? { assetName: hit.name, reply: () => assetReply(hit) } : notFound
  }
  if (parts[0] === 'repositories' && parts[2] === 'releases' && parts.length === 3) {
    const repo = [...ctx.repos.values()].find((r) => String(r.id) === parts[1])
    return repo ? { reply: () => listReply(ctx, repo, url) } : notFound
  }
  if (parts[0] !== 'repos' || parts[3] !== 'releases') return notFound
  const repo = ctx.repos.get(`${parts[1]}/${parts[2]}`)
  if (!repo) return notFound
  const rest = parts.slice(4)
  if (rest.length === 0) return { reply: () => listReply(ctx, repo, url) }
  if (rest.length === 1 && rest[0] === 'latest') return releaseRoute(ctx, repo, latestRelease(repo)?.tag)
  if (rest.length === 2 && rest[0] === 'tags') return releaseRoute(ctx, repo, rest[1])
  if (rest.length === 2 && rest[0] === 'assets') return apiAssetRoute(ctx, repo, Number(rest[1]), accept)
  return notFound
}

/** github.com/<user>.gpg: the user's public keys as text (404 for an unknown user). */
function keysRoute(ctx: Ctx, owner: string): Route {
  const keys = ctx.userKeys.get(owner)
  if (keys === undefined)
    return { reply: () => ({ status: 404, headers: { 'content-type': 'text/plain' }, body: bufferBody('Not Found') }) }
  return {
    reply: () => ({ status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: bufferBody(keys) }),
  }
}

function listReply(ctx: Ctx, repo: RepoModel, url: URL): Reply {
  const page = paginate(
    repo.releases,
    url.searchParams,
    ctx.pageSize,
    `${ctx.urls.api}/repositories/${repo.id}/releases`,
  )
  const reply = jsonReply(
    200,
    page.items.map((r) => releaseJson(ctx.urls, repo, r)),
  )
  if (page.link) reply.headers.link = page.link
  return reply
}

function releaseRoute(ctx: Ctx, repo: RepoModel, tag: string | undefined): Route {
  const rel = repo.releases.find((r) => r.tag === tag && !r.draft)
  return { reply: () => (rel ? jsonReply(200, releaseJson(ctx.urls, repo, rel)) : errorReply(404, 'Not Found')) }
}

/** The API asset URL: metadata as JSON, or with Accept: application/octet-stream a 302 to the bytes. */
function apiAssetRoute(ctx: Ctx, repo: RepoModel, id: number, accept: string): Route {
  for (const rel of repo.releases) {
    const a = rel.assets.find((x) => x.id === id)
    if (!a) continue
    if (!accept.includes('application/octet-stream'))
      return { reply: () => jsonReply(200, assetJson(ctx.urls, repo, rel, a)) }
    const location = `${ctx.urls.download}${downloadPath(repo, rel, a)}`
    return { reply: () => ({ status: 302, headers: { location, 'content-type': 'text/html' }, body: bufferBody('') }) }
  }
  return { reply: () => errorReply(404, 'Not Found') }
}

function findAsset(ctx: Ctx, repo: string, tag: string, name: string): AssetModel | undefined {
  return ctx.repos
    .get(repo)
    ?.releases.find((r) => r.tag === tag)
    ?.assets.find((a) => a.name === name)
}

function assetReply(a: AssetModel): Reply {
  const body: Body =
    'path' in a.body
      ? { size: a.size, open: (range) => fileStream((a.body as { path: string }).path, range) }
      : bufferBody(a.body.content)
  return { status: 200, headers: { 'content-type': 'application/octet-stream' }, body }
}

function fileStream(path: string, range?: { start: number; end: number }): Readable {
  if (!range) return createReadStream(path)
  if (range.end <= range.start) return Readable.from([])
  return createReadStream(path, { start: range.start, end: range.end - 1 })
}

function bufferBody(content: string | Buffer): Body {
  const buf = Buffer.from(content)
  return { size: buf.length, open: (r) => Readable.from(r ? [buf.subarray(r.start, r.end)] : [buf]) }
}

function jsonReply(status: number, value: unknown): Reply {
  const headers = { 'content-type': JSON_TYPE, 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '4999' }
  return { status, headers, body: bufferBody(JSON.stringify(value)) }
}

function errorReply(status: number, message = STATUS_CODES[status] ?? 'Error'): Reply {
  return jsonReply(status, { message, documentation_url: DOCS, status: String(status) })
}

function rateLimited(reset?: number): Reply {
  const when = reset ?? Math.floor(Date.now() / 1000) + 3600
  const reply = jsonReply(403, {
    message:
      "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a higher rate " +
      'limit.)',
    documentation_url: `${DOCS}/overview/resources-in-the-rest-api#rate-limiting`,
  })
  Object.assign(reply.headers, {
    'x-ratelimit-limit': '60',
    'x-ratelimit-remaining': '0',
    'x-ratelimit-used': '60',
    'x-ratelimit-reset': String(when),
    'x-ratelimit-resource': 'core',
  })
  return reply
}
