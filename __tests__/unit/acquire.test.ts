// The shared acquisition pipeline: every file of a version under one abort signal (real
// loopback sockets: a failed sibling ends a trickling download at once instead of letting it
// run to download-timeout), and sources that supply only data and small functions.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import * as tc from '@actions/tool-cache'
import { createHash } from 'node:crypto'
import { copyFile, readFile } from 'node:fs/promises'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { parseVersionSpec } from '../../src/inputs.js'
import { acquire } from '../../src/install/acquire.js'
import { findFile, together } from '../../src/install/download.js'
import type { Origin, Recipe, Resolved } from '../../src/install/types.js'
import { createHttp } from '../../src/ports/http.js'
import { SOURCES } from '../../src/sources/index.js'
import { mgoltzscheRecipe } from '../../src/sources/mgoltzsche.js'
import { type InstallRequest, installPigfoot, pigfootRecipe } from '../../src/sources/pigfoot.js'
import { actionsEnv, type ActionsEnv } from '../helpers/actions-env.js'
import { rejection } from '../helpers/rejection.js'
import { scriptedHttp } from '../helpers/scripted-http.js'
import { installRequest } from '../helpers/install-request.js'

const ASSET = 'podman-v5.7.1-linux-amd64-static.tar.zst'
const SLOW_SIZE = 64 * 1024 * 1024

interface Seen {
  path: string
  /** the client went away before the whole body was sent */
  cutShort: boolean
  closed: boolean
}
type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void
let routes: Record<string, Route>
let seen: Seen[]
let server: http.Server
let base: string
let env: ActionsEnv

/** Headers for a 64 MiB body, then one byte every 50 ms: minutes of transfer, never a stall. */
const trickle: Route = (_req, res) => {
  res.writeHead(200, { 'content-length': String(SLOW_SIZE) })
  const timer = setInterval(() => res.write(Buffer.alloc(1)), 50)
  res.on('close', () => clearInterval(timer))
}
const status =
  (code: number, afterMs = 0): Route =>
  (_req, res) =>
    setTimeout(() => res.writeHead(code).end(), afterMs)

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const s: Seen = { path: req.url ?? '', cutShort: false, closed: false }
    seen.push(s)
    res.on('close', () => {
      s.cutShort = !res.writableFinished
      s.closed = true
    })
    const route = routes[s.path]
    if (route) route(req, res)
    else res.writeHead(404).end()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
})
beforeEach(() => {
  routes = {}
  seen = []
  env = actionsEnv()
  mkdirSync(process.env.RUNNER_TEMP as string, { recursive: true })
})
afterEach(() => env.restore())

/** Resolves once the server has seen the response to `url` end, whichever way. */
async function closed(url: string): Promise<Seen | undefined> {
  for (let i = 0; i < 200; i++) {
    const s = seen.find((x) => x.path === url && x.closed)
    if (s) return s
    await new Promise((r) => setTimeout(r, 25))
  }
  return seen.find((x) => x.path === url)
}

const request = (o: Partial<InstallRequest> = {}) => installRequest({ apiUrl: base, ...o })

const asset = (name: string, size = 1) => ({ name, size, url: `${base}/dl/${name}`, browser_download_url: '' })

describe('the download stage: one abort signal for every file of a version', () => {
  // download-timeout 60 s and a 30 s stall limit: without the shared signal the trickling
  // asset would run for the whole minute; the assertions are on what happened to it.
  const slowHttp = () => createHttp({ deadlineMs: 60_000, stallMs: 30_000 })

  it('a 404 for checksums.txt aborts the trickling asset at once; nothing is cached, the slot is emptied', async () => {
    const releases = [
      {
        tag_name: 'podman-v5.7.1',
        draft: false,
        prerelease: false,
        assets: [asset(ASSET, SLOW_SIZE), asset('checksums.txt')],
      },
    ]
    routes['/repos/o/r/releases?per_page=100'] = (_req, res) => res.end(JSON.stringify(releases))
    routes[`/dl/${ASSET}`] = trickle
    routes['/dl/checksums.txt'] = status(404, 300)
    const started = Date.now()
    const err = await rejection(installPigfoot(slowHttp(), tc, request()))
    expect(err.message).toMatch(/^Could not download checksums\.txt: download of .* failed: HTTP 404/)
    expect(Date.now() - started).toBeLessThan(20_000) // the generous bound: the deadline is 60 s
    expect(await closed(`/dl/${ASSET}`)).toEqual({ path: `/dl/${ASSET}`, cutShort: true, closed: true })
    expect(tc.find('podman-default-static', '5.7.1', 'amd64')).toBe('')
    const slots = path.join(process.env.RUNNER_TEMP as string, 'setup-static-podman', 'archives')
    expect(existsSync(slots) ? readdirSync(slots) : []).toEqual([])
  }, 30_000)

  it('a sibling waiting to retry a 503 is aborted in its backoff, not retried until the deadline', async () => {
    // /b fails only once /a has had its 503, so /a is in its backoff when the abort comes
    let answered: () => void = () => undefined
    const aAnswered = new Promise<void>((r) => {
      answered = r
    })
    routes['/a'] = (_req, res) => {
      res.writeHead(503).end()
      answered()
    }
    routes['/b'] = (_req, res) => void aAnswered.then(() => res.writeHead(404).end())
    const h = slowHttp()
    const dir = process.env.RUNNER_TEMP as string
    const err = await rejection(
      together([
        (s) => h.download(`${base}/a`, path.join(dir, 'a'), { signal: s }),
        (s) => h.download(`${base}/b`, path.join(dir, 'b'), { signal: s }),
      ]),
    )
    expect(err.message).toMatch(/download of .*\/b failed: HTTP 404/)
    // the first retry of /a would come after 1 s: the abort came during that wait
    expect(seen.map((s) => s.path).sort()).toEqual(['/a', '/b'])
  }, 30_000)

  it('the first failure is the one reported, after the others have settled', async () => {
    const order: string[] = []
    const slow = (signal: AbortSignal) =>
      new Promise<string>((_resolve, reject) =>
        signal.addEventListener('abort', () => {
          order.push('slow aborted')
          reject(new Error('aborted'))
        }),
      )
    const failing = async () => {
      order.push('failed')
      throw new Error('first')
    }
    await expect(together([slow, failing])).rejects.toThrow('first')
    expect(order).toEqual(['failed', 'slow aborted'])
    await expect(together([async () => 1, async () => 'two'])).resolves.toEqual([1, 'two'])
  })

  it('an asset body longer than the size the release gives is refused while it streams, not retried', async () => {
    const releases = [
      {
        tag_name: 'podman-v5.7.1',
        draft: false,
        prerelease: false,
        assets: [asset(ASSET, 4096), asset('checksums.txt')],
      },
    ]
    routes['/repos/o/r/releases?per_page=100'] = (_req, res) => res.end(JSON.stringify(releases))
    routes['/dl/checksums.txt'] = (_req, res) => res.end('x')
    // no Content-Length: only counting the body as it arrives can stop it
    routes[`/dl/${ASSET}`] = (_req, res) => {
      const chunk = Buffer.alloc(64 * 1024, 1)
      const more = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', more)
      }
      more()
    }
    const err = await rejection(installPigfoot(slowHttp(), tc, request()))
    expect(err.message).toMatch(/^Could not download podman-v5\.7\.1-.*: .*larger than 4096 bytes/)
    expect(seen.filter((q) => q.path === `/dl/${ASSET}`)).toHaveLength(1)
    expect(await closed(`/dl/${ASSET}`)).toMatchObject({ cutShort: true, closed: true })
    expect(tc.find('podman-default-static', '5.7.1', 'amd64')).toBe('')
  }, 30_000)

  it('names what a release has when a file is missing', () => {
    const r: Resolved = {
      version: '5.7.1',
      label: 'podman-v5.7.1',
      files: [{ name: 'a.tar.zst' }, { name: 'a.tar.zst.bundle' }],
    }
    expect(() => findFile(r, 'b.tar.zst')).toThrow(
      'Release podman-v5.7.1 has no asset b.tar.zst. Its assets: a.tar.zst.',
    )
  })
})

describe('a source supplies data and small functions', () => {
  const offered = (names: string[]): Resolved => ({
    version: '5.8.4',
    label: 'v5.8.4',
    files: names.map((name) => ({ name })),
  })

  it('the registry has one module per source, each with only an install function', () => {
    expect(Object.keys(SOURCES).sort()).toEqual(['archive', 'mgoltzsche', 'pigfoot', 'system'])
    for (const s of Object.values(SOURCES)) expect(Object.keys(s)).toEqual(['install'])
  })

  it('pigfoot: names from variant, libc and arch; the signed checksums when the release has them; no I/O', () => {
    const h = scriptedHttp({})
    const r = pigfootRecipe(request({ variant: 'full', libc: 'glibc', arch: 'arm64', verifySignature: 'auto' }))
    expect(Object.keys(r).sort()).toEqual(['arch', 'asset', 'tool', 'top', 'verifiedDefault', 'verify'])
    expect([r.tool, r.asset('5.7.1'), r.top('5.7.1'), r.verifiedDefault]).toEqual([
      'podman-full-glibc',
      'podman-v5.7.1-linux-arm64-glibc-full.tar.zst',
      'podman-v5.7.1',
      'sha256',
    ])
    const name = r.asset('5.7.1')
    expect(r.verify(offered([name, 'checksums.txt', 'checksums.txt.bundle']), name).files).toEqual([
      'checksums.txt',
      'checksums.txt.bundle',
    ])
    expect(r.verify(offered([name, 'checksums.txt']), name).files).toEqual(['checksums.txt'])
    const strict = pigfootRecipe(request({ verifySignature: 'true' }))
    expect(() => strict.verify(offered([name, 'checksums.txt']), name)).toThrow(
      /verify-signature is true but release v5\.8\.4 has no/,
    )
    expect(h.requests).toEqual([])
  })

  it('mgoltzsche: one name per arch, the version in the cache name, the .asc beside it, the key fetched too', () => {
    const h = scriptedHttp({})
    const req = { ...request(), toolCache: '/nonexistent', fingerprint: 'ABCD' }
    const r = mgoltzscheRecipe(h, req)
    expect([r.tool, r.asset('5.8.4'), r.top('5.8.4'), r.cacheName?.('5.8.4'), r.verifiedDefault]).toEqual([
      'podman-mgoltzsche',
      'podman-linux-amd64.tar.gz',
      'podman-linux-amd64',
      'mgoltzsche-v5.8.4-podman-linux-amd64.tar.gz',
      'openpgp-signature',
    ])
    const plan = r.verify(
      offered(['podman-linux-amd64.tar.gz', 'podman-linux-amd64.tar.gz.asc']),
      'podman-linux-amd64.tar.gz',
    )
    expect(plan.files).toEqual(['podman-linux-amd64.tar.gz.asc'])
    expect(typeof plan.prepare).toBe('function')
    expect(h.requests).toEqual([])
  })

  it('a new origin is small: files on disk with a .sha256 beside them install through the same pipeline', async () => {
    const dir = path.join(env.dir, 'local')
    mkdirSync(path.join(dir, 'src', 'tool-1.2.3', 'bin'), { recursive: true })
    writeFileSync(path.join(dir, 'src', 'tool-1.2.3', 'bin', 'podman'), '#!/bin/sh\n', { mode: 0o755 })
    execFileSync('tar', ['-czf', path.join(dir, 'tool-1.2.3.tar.gz'), '-C', path.join(dir, 'src'), 'tool-1.2.3'])
    const sha = createHash('sha256')
      .update(await readFile(path.join(dir, 'tool-1.2.3.tar.gz')))
      .digest('hex')
    writeFileSync(path.join(dir, 'tool-1.2.3.tar.gz.sha256'), `${sha}\n`)
    const local: Origin = {
      resolve: async () => ({ version: '1.2.3', label: dir, files: readdirSync(dir).map((name) => ({ name })) }),
      fetch: async (f, dest) => {
        await copyFile(path.join(dir, f.name), dest)
        const body = await readFile(dest)
        return { path: dest, bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') }
      },
    }
    const recipe: Recipe = {
      tool: 'podman-local',
      arch: 'amd64',
      asset: (v) => `tool-${v}.tar.gz`,
      top: (v) => `tool-${v}`,
      verifiedDefault: 'sha256',
      verify: (_r, name) => ({
        files: [`${name}.sha256`],
        check: async (d) => {
          const want = (await readFile(d.files[`${name}.sha256`], 'utf8')).trim()
          return { verified: 'sha256', checks: d.transfer(want) }
        },
      }),
    }
    const spec = parseVersionSpec('latest')
    const r = await acquire(recipe, local, { spec, checkLatest: false, temp: process.env.RUNNER_TEMP as string, tc })
    expect(r).toMatchObject({
      version: '1.2.3',
      cacheHit: false,
      verified: 'sha256',
      checks: ['sha256'],
      asset: 'tool-1.2.3.tar.gz',
    })
    expect(existsSync(path.join(tc.find('podman-local', '1.2.3', 'amd64'), 'bin', 'podman'))).toBe(true)
  })
})
