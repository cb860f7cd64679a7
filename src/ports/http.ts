// The real Http port: retries, an overall deadline, stall detection, streaming sha256, and
// a token that only ever goes to the origins it is meant for.
import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { DownloadResult, Http } from './types.js'
import { get, type Reply, text } from './transport.js'

export class HttpError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly rateLimited = false,
  ) {
    super(message)
  }
}

export interface HttpOptions {
  token?: string
  /** origins (`https://api.github.com`) that may receive the token */
  tokenOrigins?: readonly string[]
  /** overall budget for one call including retries */
  deadlineMs?: number
  /** a body that sends nothing for this long is abandoned */
  stallMs?: number
  userAgent?: string
  /** called once per request sent (benchmarks and tests count them) */
  onRequest?: (url: string) => void
}

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504])
const BACKOFF_MS = [1000, 2000, 4000, 8000]

/** GitHub's API host serves assets through github.com: same service, same token. */
export function tokenOriginsFor(apiUrl: string): string[] {
  const api = new URL(apiUrl)
  return api.hostname === 'api.github.com' ? [api.origin, 'https://github.com'] : [api.origin]
}

export function rateLimitMessage(status: number, headers: Headers, hasToken: boolean): string | undefined {
  if ((status !== 403 && status !== 429) || headers.get('x-ratelimit-remaining') !== '0') return undefined
  const reset = Number(headers.get('x-ratelimit-reset'))
  const when = Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000).toISOString() : 'unknown'
  const hint = hasToken
    ? 'The token in github-token has used up its quota too.'
    : 'Pass github-token (the default ${{ github.token }} raises the limit from 60 to 1000 requests an hour).'
  return `GitHub API rate limit exceeded (HTTP ${status}); it resets at ${when}. ${hint}`
}

export function createHttp(opts: HttpOptions = {}): Http {
  const deadlineMs = opts.deadlineMs ?? 300_000
  const stallMs = opts.stallMs ?? Math.min(30_000, Math.max(1000, deadlineMs / 3))
  const origins = new Set(opts.tokenOrigins ?? [])

  function headersFor(url: string, extra: Record<string, string>): Record<string, string> {
    const h: Record<string, string> = { 'user-agent': opts.userAgent ?? 'setup-static-podman', ...extra }
    if (opts.token && origins.has(new URL(url).origin)) h.authorization = `Bearer ${opts.token}`
    return h
  }

  /** Follows redirects by hand so the token is re-decided for every hop. */
  async function send(url: string, extra: Record<string, string>, signal: AbortSignal): Promise<Reply> {
    let current = url
    for (let hop = 0; hop < 6; hop++) {
      opts.onRequest?.(current)
      const res = await get(current, headersFor(current, extra), signal)
      const location = res.headers.get('location')
      if (res.status < 300 || res.status >= 400 || !location) return res
      res.body.resume()
      current = new URL(location, current).href
    }
    throw new HttpError(`Too many redirects for ${url}`)
  }

  async function withRetries<T>(what: string, attempt: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const deadline = Date.now() + deadlineMs
    let lastError: unknown
    for (let i = 0; ; i++) {
      const remaining = deadline - Date.now()
      if (remaining <= 0) break
      const ctl = new AbortController()
      const timer = setTimeout(() => ctl.abort(new HttpError(`deadline of ${deadlineMs / 1000} s exceeded`)), remaining)
      try {
        return await attempt(ctl.signal)
      } catch (err) {
        lastError = ctl.signal.aborted ? ctl.signal.reason : err
        if (!isRetryable(lastError) || i >= BACKOFF_MS.length) break
      } finally {
        clearTimeout(timer)
      }
      const wait = Math.min(BACKOFF_MS[i], deadline - Date.now())
      if (wait <= 0) break
      await new Promise((r) => setTimeout(r, wait))
    }
    const reason = lastError instanceof Error ? lastError.message : String(lastError ?? 'deadline exceeded')
    throw new HttpError(`${what} failed: ${reason}`, lastError instanceof HttpError ? lastError.status : undefined)
  }

  function statusError(res: Reply): HttpError {
    res.body.resume()
    const limited = rateLimitMessage(res.status, res.headers, Boolean(opts.token))
    return new HttpError(limited ?? `HTTP ${res.status} ${res.statusText}`.trim(), res.status, Boolean(limited))
  }

  return {
    async getJson(url, extra = {}) {
      return withRetries(`GET ${redact(url)}`, async (signal) => {
        const res = await send(url, { accept: 'application/vnd.github+json', ...extra }, signal)
        if (res.status !== 200) throw statusError(res)
        return { body: JSON.parse(await text(res.body)) as unknown, headers: res.headers }
      })
    },
    async download(url, dest, extra = {}) {
      return withRetries(`download of ${redact(url)}`, async (signal) => {
        await rm(dest, { force: true })
        const res = await send(url, { accept: 'application/octet-stream', ...extra }, signal)
        if (res.status !== 200) throw statusError(res)
        return streamToFile(res, dest, stallMs)
      })
    },
  }
}

/** Streams the body to `dest` through the hash, with backpressure; a silent body is abandoned. */
async function streamToFile(res: Reply, dest: string, stallMs: number): Promise<DownloadResult> {
  const hash = createHash('sha256')
  let bytes = 0
  let stall: NodeJS.Timeout | undefined
  const arm = () => {
    clearTimeout(stall)
    stall = setTimeout(() => res.body.destroy(new HttpError(`no data for ${stallMs / 1000} s (stalled)`)), stallMs)
  }
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      arm()
      hash.update(chunk)
      bytes += chunk.length
      cb(null, chunk)
    },
  })
  arm()
  const expected = Number(res.headers.get('content-length'))
  try {
    await pipeline(res.body, meter, createWriteStream(dest, { flags: 'wx' }))
  } catch (err) {
    // node calls a connection that closes mid-body just "aborted"
    if (err instanceof Error && err.message === 'aborted')
      throw new HttpError(`connection closed after ${bytes}${expected > 0 ? ` of ${expected}` : ''} bytes`)
    throw err
  } finally {
    clearTimeout(stall)
  }
  if (!res.body.complete || (Number.isFinite(expected) && expected > 0 && bytes !== expected)) {
    throw new HttpError(`body ended after ${bytes}${expected > 0 ? ` of ${expected}` : ''} bytes`)
  }
  return { path: dest, bytes, sha256: hash.digest('hex') }
}

function isRetryable(err: unknown): boolean {
  if (err instanceof HttpError) return !err.rateLimited && (err.status === undefined || RETRY_STATUS.has(err.status))
  return true // resets, refused connections, truncated bodies
}

/** URLs never carry tokens, but strip any query anyway before they reach a log. */
function redact(url: string): string {
  const u = new URL(url)
  return `${u.origin}${u.pathname}`
}
