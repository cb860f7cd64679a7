// The real Http port: retries, an overall deadline, stall detection, streaming sha256, and
// a token that only ever goes to the origins it is meant for.
import { rm } from 'node:fs/promises'
import { type BodyLimits, cappedText, parseJson, streamToFile } from './body.js'
import { errorText } from './exec.js'
import { HttpError } from './http-error.js'
import { mayCarryToken } from './token-origin.js'
import type { Http, ReplyHeaders } from './types.js'
import { get, type Reply } from './transport.js'
import { setTimeout as sleep } from 'node:timers/promises'

export { HttpError } from './http-error.js'

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
  /** the largest body accepted (a hostile mirror cannot fill the disk); default MAX_BODY */
  maxBodyBytes?: number
  /** after the first `stallMs`, a body slower than this over any `stallMs` window is abandoned */
  minBytesPerSec?: number
}

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504])
const BACKOFF_MS = [1000, 2000, 4000, 8000]
/** The largest release asset is about 100 MB; ten times that is no release. */
const MAX_BODY = 1024 ** 3
const MAX_JSON = 32 * 1024 ** 2
/** A Retry-After longer than this is not waited for: the call fails with the server's answer. */
const MAX_RETRY_AFTER_MS = 60_000
const MIN_BYTES_PER_SEC = 16 * 1024
/** Writing the file failed on our side: the disk, not the network; another try cannot help. */
const LOCAL_ERRORS = new Set(['ENOSPC', 'EROFS', 'EACCES', 'EPERM', 'EDQUOT', 'EISDIR', 'ENOTDIR', 'EEXIST', 'EMFILE'])

/**
 * node's codes for a certificate the TLS handshake refused (DEPTH_ZERO_SELF_SIGNED_CERT,
 * CERT_HAS_EXPIRED, UNABLE_TO_VERIFY_LEAF_SIGNATURE, ERR_TLS_CERT_ALTNAME_INVALID, ...).
 */
const TLS_REFUSED = /CERT|UNABLE_TO_(GET|VERIFY)|SIGNATURE/

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

function rateLimitMessage(status: number, headers: ReplyHeaders, hasToken: boolean): string | undefined {
  if ((status !== 403 && status !== 429) || headers.get('x-ratelimit-remaining') !== '0') return undefined
  const reset = Number(headers.get('x-ratelimit-reset'))
  const when = Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000).toISOString() : 'unknown'
  const hint = hasToken
    ? 'The token in github-token has used up its quota too.'
    : 'Pass github-token (the default ${{ github.token }} raises the limit from 60 to 1000 requests an hour).'
  return `GitHub API rate limit exceeded (HTTP ${status}); it resets at ${when}. ${hint}`
}

/** What one Http port works with: the options settled once, defaults filled in. */
interface Settings {
  token?: string
  origins: Set<string>
  deadlineMs: number
  userAgent: string
  onRequest?: (url: string) => void
  limits: BodyLimits
}

function settle(opts: HttpOptions): Settings {
  const deadlineMs = opts.deadlineMs ?? 300_000
  return {
    token: opts.token,
    origins: new Set(opts.tokenOrigins ?? []),
    deadlineMs,
    userAgent: opts.userAgent ?? 'setup-static-podman',
    onRequest: opts.onRequest,
    limits: {
      maxBytes: opts.maxBodyBytes ?? MAX_BODY,
      stallMs: opts.stallMs ?? Math.min(30_000, Math.max(1000, deadlineMs / 3)),
      minBytesPerSec: opts.minBytesPerSec ?? MIN_BYTES_PER_SEC,
    },
  }
}

function headersFor(cfg: Settings, url: string, extra: Record<string, string>): Record<string, string> {
  const h: Record<string, string> = { 'user-agent': cfg.userAgent, ...extra }
  const u = new URL(url)
  if (cfg.token && cfg.origins.has(u.origin) && mayCarryToken(u)) h.authorization = `Bearer ${cfg.token}`
  return h
}

/** Follows redirects by hand so the token is re-decided for every hop. */
async function send(cfg: Settings, url: string, extra: Record<string, string>, signal: AbortSignal): Promise<Reply> {
  let current = url
  for (let hop = 0; hop < 6; hop++) {
    cfg.onRequest?.(current)
    const res = await get(current, headersFor(cfg, current, extra), signal)
    const location = res.headers.get('location')
    if (res.status < 300 || res.status >= 400 || !location) return res
    res.body.resume()
    current = new URL(location, current).href
  }
  throw new HttpError(`Too many redirects for ${url}`)
}

/** A Retry-After the call cannot honour (too long, or past the deadline) ends the retries with this error. */
function retryAfterTooLate(lastError: unknown, deadline: number): HttpError | undefined {
  const asked = lastError instanceof HttpError ? lastError.retry.afterMs : undefined
  if (asked === undefined || (asked <= MAX_RETRY_AFTER_MS && asked <= deadline - Date.now())) return undefined
  return new HttpError(
    `${errorText(lastError)}; the server asks to retry after ${Math.ceil(asked / 1000)} s, past this call's deadline`,
  )
}

/** `outer` (the caller's) ends the attempt in flight and every retry: no more tries, no more waits. */
async function withRetries<T>(
  deadlineMs: number,
  what: string,
  attempt: (signal: AbortSignal) => Promise<T>,
  outer?: AbortSignal,
): Promise<T> {
  const deadline = Date.now() + deadlineMs
  let lastError: unknown
  for (let i = 0; ; i++) {
    const remaining = deadline - Date.now()
    if (remaining <= 0) break
    outer?.throwIfAborted()
    const ctl = new AbortController()
    const timer = setTimeout(() => ctl.abort(new HttpError(`deadline of ${deadlineMs / 1000} s exceeded`)), remaining)
    try {
      return await attempt(outer ? AbortSignal.any([ctl.signal, outer]) : ctl.signal)
    } catch (err) {
      if (outer?.aborted) throw outer.reason
      lastError = ctl.signal.aborted ? ctl.signal.reason : err
      if (!isRetryable(lastError) || i >= BACKOFF_MS.length) break
    } finally {
      clearTimeout(timer)
    }
    const tooLate = retryAfterTooLate(lastError, deadline)
    if (tooLate) {
      lastError = tooLate
      break
    }
    const asked = lastError instanceof HttpError ? lastError.retry.afterMs : undefined
    const wait = Math.min(asked ?? BACKOFF_MS[i], deadline - Date.now())
    if (wait <= 0) break
    await sleep(wait, undefined, { signal: outer })
  }
  const reason = lastError === undefined ? 'deadline exceeded' : errorText(lastError)
  throw new HttpError(`${what} failed: ${reason}`, lastError instanceof HttpError ? lastError.status : undefined)
}

function statusError(res: Reply, hasToken: boolean): HttpError {
  res.body.resume()
  const limited = rateLimitMessage(res.status, res.headers, hasToken)
  const afterMs = retryAfterMs(res.headers.get('retry-after'))
  return new HttpError(limited ?? `HTTP ${res.status} ${res.statusText}`.trim(), res.status, Boolean(limited), {
    afterMs,
  })
}

export function createHttp(opts: HttpOptions = {}): Http {
  const cfg = settle(opts)
  const { limits } = cfg
  const fetchOk = async (url: string, headers: Record<string, string>, s: AbortSignal): Promise<Reply> => {
    const res = await send(cfg, url, headers, s)
    if (res.status !== 200) throw statusError(res, Boolean(cfg.token))
    return res
  }
  return {
    async getJson(url, { headers = {}, signal } = {}) {
      const attempt = async (s: AbortSignal) => {
        const res = await fetchOk(url, { accept: 'application/vnd.github+json', ...headers }, s)
        return {
          body: parseJson(await cappedText(res, Math.min(MAX_JSON, limits.maxBytes), limits)),
          headers: res.headers,
        }
      }
      return withRetries(cfg.deadlineMs, `GET ${redact(url)}`, attempt, signal)
    },
    async download(url, dest, { headers = {}, signal, maxBytes = Infinity } = {}) {
      const capped = { ...limits, maxBytes: Math.min(limits.maxBytes, maxBytes) }
      const attempt = async (s: AbortSignal) => {
        await rm(dest, { force: true })
        const res = await fetchOk(url, { accept: 'application/octet-stream', ...headers }, s)
        return streamToFile(res, dest, capped)
      }
      return withRetries(cfg.deadlineMs, `download of ${redact(url)}`, attempt, signal)
    },
  }
}

function isRetryable(err: unknown): boolean {
  if (err instanceof HttpError)
    return !err.rateLimited && !err.retry.final && (err.status === undefined || RETRY_STATUS.has(err.status))
  if (err instanceof SyntaxError) return false // a JSON document that does not parse will not parse again
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  if (code && TLS_REFUSED.test(code)) return false // an untrusted or wrong certificate stays so
  return !(code && LOCAL_ERRORS.has(code)) // resets, refused connections, truncated bodies: yes
}

/** URLs never carry tokens, but strip any query anyway before they reach a log. */
function redact(url: string): string {
  const u = new URL(url)
  return `${u.origin}${u.pathname}`
}
