// The real Http port against real sockets on loopback: retries, deadline, truncation,
// resets, and where the token may go.
import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { createHttp, HttpError } from '../../src/ports/http.js'

// Deadlines and retries against real sockets on a 2-core machine that may be busy with podman:
// one retry, with the first failure printed, keeps a scheduling hiccup from sinking a run.
jest.retryTimes(1, { logErrorsBeforeRetry: true })

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void
let handler: Handler
let hits: { url: string; auth?: string }[]
let server: http.Server
let other: http.Server
let base: string
let otherBase: string
const dir = mkdtempSync(path.join(os.tmpdir(), 'ssp-http-'))
let n = 0
const dest = () => path.join(dir, `f${n++}`)
const BODY = Buffer.alloc(256 * 1024, 7)

async function listen(s: http.Server): Promise<string> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits.push({ url: req.url ?? '', auth: req.headers.authorization })
    handler(req, res)
  })
  other = http.createServer((req, res) => {
    hits.push({ url: `other:${req.url}`, auth: req.headers.authorization })
    res.end('elsewhere')
  })
  base = await listen(server)
  otherBase = await listen(other)
})
afterAll(async () => {
  server.closeAllConnections()
  other.closeAllConnections()
  await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => other.close(r))])
})
beforeEach(() => {
  hits = []
})

const fast = (o = {}) => createHttp({ deadlineMs: 8000, stallMs: 700, ...o })

describe('download', () => {
  it('retries a 500 and then succeeds, hashing while streaming', async () => {
    let calls = 0
    handler = (_q, res) => (calls++ === 0 ? res.writeHead(500).end() : res.end(BODY))
    const r = await fast().download(`${base}/a`, dest())
    expect(r.bytes).toBe(BODY.length)
    expect(r.sha256).toBe(createHash('sha256').update(BODY).digest('hex'))
    expect(readFileSync(r.path)).toEqual(BODY)
    expect(calls).toBe(2)
  })

  it('gives up on a 503 that never ends, with the status in the message', async () => {
    handler = (_q, res) => res.writeHead(503).end()
    await expect(createHttp({ deadlineMs: 4000 }).download(`${base}/b`, dest())).rejects.toThrow(/HTTP 503/)
    expect(hits.length).toBeGreaterThan(1)
  })

  it('does not retry a 404', async () => {
    handler = (_q, res) => res.writeHead(404).end()
    await expect(fast().download(`${base}/c`, dest())).rejects.toThrow(/HTTP 404/)
    expect(hits).toHaveLength(1)
  })

  it('detects a body cut short of its Content-Length', async () => {
    handler = (_q, res) => {
      res.writeHead(200, { 'content-length': BODY.length })
      res.write(BODY.subarray(0, 1000))
      setTimeout(() => res.socket?.destroy(), 20)
    }
    await expect(fast({ deadlineMs: 3000 }).download(`${base}/d`, dest())).rejects.toThrow(HttpError)
  })

  it('retries a connection reset', async () => {
    let calls = 0
    handler = (req, res) => (calls++ === 0 ? req.socket.destroy() : res.end(BODY))
    await expect(fast().download(`${base}/e`, dest())).resolves.toMatchObject({ bytes: BODY.length })
  })

  it('abandons a stalled body quickly, within the deadline', async () => {
    handler = (_q, res) => {
      res.writeHead(200, { 'content-length': BODY.length })
      res.write(BODY.subarray(0, 10))
    }
    const started = Date.now()
    await expect(createHttp({ deadlineMs: 2500, stallMs: 500 }).download(`${base}/f`, dest())).rejects.toThrow(
      /stalled|deadline/,
    )
    expect(Date.now() - started).toBeLessThan(6000)
  })
})

describe('token handling', () => {
  it('sends the token to its own origin only, also across redirects', async () => {
    handler = (_q, res) => res.writeHead(302, { location: `${otherBase}/asset` }).end()
    const h = fast({ token: 's3cret', tokenOrigins: [base] })
    const r = await h.download(`${base}/redirect`, dest())
    expect(readFileSync(r.path, 'utf8')).toBe('elsewhere')
    expect(hits).toEqual([
      { url: '/redirect', auth: 'Bearer s3cret' },
      { url: 'other:/asset', auth: undefined },
    ])
  })

  it('names the reset time and the github-token input on a rate limit, without retrying', async () => {
    handler = (_q, res) =>
      res.writeHead(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1900000000' }).end('{}')
    const err = await fast()
      .getJson(`${base}/repos/o/r/releases`)
      .catch((e: unknown) => e)
    expect(String(err)).toMatch(
      /rate limit exceeded \(HTTP 403\); it resets at 2030-03-17T17:46:40.000Z\. Pass github-token/,
    )
    expect(hits).toHaveLength(1)
  })
})
