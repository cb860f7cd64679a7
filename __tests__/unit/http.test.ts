// The real Http port against real sockets on loopback: retries, deadline, truncation,
// resets, and where the token may go.
import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { createHash } from 'node:crypto'
import { execFile, execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import { createHttp, HttpError } from '../../src/ports/http.js'
import { runnerIds } from '../../test-support/workspace.js'

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

describe('bounds on what a server can make us do', () => {
  it('refuses a body past the cap while it streams, without retrying (no Content-Length)', async () => {
    handler = (_q, res) => {
      res.writeHead(200)
      const chunk = Buffer.alloc(64 * 1024, 1)
      let sent = 0
      const more = () => {
        while (sent < 64 && res.write(chunk)) sent++
        if (sent < 64 && !res.destroyed) res.once('drain', more)
        else res.end()
      }
      more()
    }
    const file = dest()
    await expect(fast({ maxBodyBytes: 1024 ** 2 }).download(`${base}/huge`, file)).rejects.toThrow(
      /larger than 1048576 bytes/,
    )
    expect(hits).toHaveLength(1)
    expect(statSync(file, { throwIfNoEntry: false })?.size ?? 0).toBeLessThanOrEqual(1024 ** 2)
  })

  it('refuses a declared Content-Length past the cap before reading the body', async () => {
    handler = (_q, res) =>
      res.writeHead(200, { 'content-length': String(5 * 1024 ** 2) }).end(Buffer.alloc(5 * 1024 ** 2))
    await expect(fast({ maxBodyBytes: 1024 ** 2 }).getJson(`${base}/big.json`)).rejects.toThrow(
      /larger than 1048576 bytes \(Content-Length 5242880\)/,
    )
    expect(hits).toHaveLength(1)
  })

  it('waits as long as Retry-After asks (not the 1 s backoff)', async () => {
    const at: number[] = []
    handler = (_q, res) => {
      at.push(Date.now())
      if (at.length === 1) res.writeHead(503, { 'retry-after': '3' }).end()
      else res.end('{"ok":true}')
    }
    await expect(fast().getJson(`${base}/later`)).resolves.toMatchObject({ body: { ok: true } })
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(2900)
  })

  it('gives up at once when Retry-After is past the deadline, saying so', async () => {
    handler = (_q, res) => res.writeHead(429, { 'retry-after': '120' }).end()
    const started = Date.now()
    await expect(fast().getJson(`${base}/much-later`)).rejects.toThrow(/retry after 120 s, past this call's deadline/)
    expect(hits).toHaveLength(1)
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('does not retry a JSON document that does not parse', async () => {
    handler = (_q, res) => res.end('<html>not json</html>')
    await expect(fast().getJson(`${base}/html`)).rejects.toThrow(/not JSON/)
    expect(hits).toHaveLength(1)
  })

  it('abandons a trickle that never stalls long before the deadline', async () => {
    handler = (_q, res) => {
      res.writeHead(200, { 'content-length': String(BODY.length) })
      const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write(BODY.subarray(0, 100))), 100)
      res.on('close', () => clearInterval(t))
    }
    const err = await createHttp({ deadlineMs: 30_000, stallMs: 700, minBytesPerSec: 10_000 })
      .download(`${base}/trickle`, dest())
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    expect(String(err)).toMatch(/too slow: \d+ bytes\/s over the last/)
    expect(String(err)).not.toMatch(/deadline/)
  }, 30_000)
})

// A full disk or a read-only one is ours, not the network's: one try. Real file systems:
// a 64 KiB tmpfs and a read-only one (mounting needs root, which the test host has).
const root = process.getuid?.() === 0
;(root ? describe : describe.skip)('local write errors are not retried (needs root to mount a tmpfs)', () => {
  let mnt: string
  beforeAll(() => {
    mnt = mkdtempSync(path.join(os.tmpdir(), 'ssp-http-mnt-'))
  })
  afterAll(() => {
    execFileSync('umount', [mnt], { stdio: 'ignore' })
  })
  it.each([
    ['ENOSPC', 'size=64k'],
    ['EROFS', 'ro'],
  ])('%s', async (code, mountOpts) => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', mountOpts, 'tmpfs', mnt])
    try {
      handler = (_q, res) => res.end(BODY)
      await expect(fast().download(`${base}/disk`, path.join(mnt, 'f'))).rejects.toThrow(code)
      expect(hits).toHaveLength(1)
    } finally {
      execFileSync('umount', [mnt])
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4k', 'tmpfs', mnt]) // afterAll unmounts one
    }
  })
})

// Root writes anywhere, so EACCES needs the runner user: the real Http port, bundled from
// src, downloads in a child running as it into a directory only root may write.
;(root ? describe : describe.skip)('a denied write is not retried (needs root to run as the runner user)', () => {
  it('EACCES', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ssp-http-eacces-'))
    chmodSync(dir, 0o755)
    const entry = path.join(dir, 'child.ts')
    const src = path.resolve('src/ports/http.ts')
    writeFileSync(
      entry,
      `import { createHttp } from ${JSON.stringify(src)}\n` +
        'const [url, dest] = process.argv.slice(2)\n' +
        'createHttp({ deadlineMs: 8000, stallMs: 700 }).download(url, dest).then(\n' +
        "  () => console.log('written'),\n" +
        '  (e) => console.log(e.message),\n' +
        ')\n',
    )
    const child = path.join(dir, 'child.cjs')
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: child,
      logLevel: 'error',
    })
    chmodSync(child, 0o644)
    const { uid } = await runnerIds()
    handler = (_q, res) => res.end(BODY)
    const run = promisify(execFile)
    const out = await run('setpriv', [
      `--reuid=${uid}`,
      '--regid=65534',
      '--clear-groups',
      process.execPath,
      child,
      `${base}/denied`,
      path.join(dir, 'f'),
    ])
    rmSync(dir, { recursive: true, force: true })
    expect(out.stdout).toMatch(/EACCES/)
    expect(hits).toHaveLength(1)
  }, 30_000)
})
