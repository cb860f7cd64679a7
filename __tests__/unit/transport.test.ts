// Proxies as self-hosted runners have them, over real loopback sockets: plain http goes to
// the proxy with the absolute URL, https goes through a CONNECT tunnel (the proxy sees only
// host:port), NO_PROXY exempts hosts; no packet leaves the machine.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import net from 'node:net'
import tls from 'node:tls'
import { createHttp } from '../../src/ports/http.js'
import { makeTestPki } from '../../src/smoke/x509.js'
import { proxyFor } from '../../src/ports/transport.js'

describe('proxyFor', () => {
  const env = { HTTPS_PROXY: 'http://proxy.test:3128', HTTP_PROXY: 'proxy.test:8080' }
  it.each([
    ['https://api.github.com/x', {}, 'http://proxy.test:3128/'],
    ['http://mirror.test/x', {}, 'http://proxy.test:8080/'],
    ['https://api.github.com/x', { NO_PROXY: 'github.com' }, undefined],
    ['https://api.github.com/x', { NO_PROXY: '.github.com' }, undefined],
    ['https://api.github.com/x', { no_proxy: 'localhost, *' }, undefined],
    ['https://notgithub.com/x', { NO_PROXY: 'github.com' }, 'http://proxy.test:3128/'],
    ['http://127.0.0.1:8080/x', { NO_PROXY: '127.0.0.1:8080' }, undefined],
    ['http://127.0.0.1:9090/x', { NO_PROXY: '127.0.0.1:8080' }, 'http://proxy.test:8080/'],
    ['https://github.com/x', { NO_PROXY: '*.github.com' }, undefined],
    ['http://[::1]:8080/x', { NO_PROXY: '::1' }, undefined],
    ['https://api.github.com/x', { HTTPS_PROXY: 'proxy.test:3128' }, 'http://proxy.test:3128/'],
  ])('%s with %j', (url, extra, want) => {
    expect(proxyFor(new URL(url), { ...env, ...extra })?.href).toBe(want)
  })
  it('no proxy variables, no proxy', () => expect(proxyFor(new URL('https://x.test'), {})).toBeUndefined())
  it('leaves the process environment as it was', () => {
    const before = process.env
    proxyFor(new URL('https://x.test'), env)
    expect(process.env).toBe(before)
  })
})

describe('requests through a proxy', () => {
  let proxy: http.Server
  let tlsServer: tls.Server
  let proxyUrl: string
  const seen: { line: string; auth?: string; sni?: string }[] = []
  const sockets = new Set<Socket>()
  const saved = { ...process.env }

  beforeAll(async () => {
    const pki = await makeTestPki(['example.test'])
    tlsServer = tls.createServer({ key: pki.keyPem, cert: pki.certPem }, (s) => s.end())
    tlsServer.on('tlsClientError', () => undefined)
    tlsServer.on('secureConnection', (s) =>
      seen.push({ line: 'tls', sni: (s as tls.TLSSocket & { servername?: string }).servername }),
    )
    await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r))
    proxy = http.createServer((req, res) => {
      seen.push({ line: `${req.method} ${req.url}`, auth: req.headers['proxy-authorization'] })
      res.setHeader('content-type', 'application/json').end(JSON.stringify({ via: 'proxy' }))
    })
    proxy.on('connection', (s) => sockets.add(s))
    proxy.on('connect', (req, client: Socket) => {
      seen.push({ line: `CONNECT ${req.url}`, auth: req.headers['proxy-authorization'] })
      if (!req.headers['proxy-authorization']) {
        client.end(
          'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\nContent-Length: 0\r\n\r\n',
        )
        return
      }
      const upstream = net.connect((tlsServer.address() as AddressInfo).port, '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
        upstream.pipe(client).pipe(upstream)
      })
      upstream.on('error', () => client.destroy())
      client.on('error', () => upstream.destroy())
    })
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r))
    proxyUrl = `http://user:p%40ss@127.0.0.1:${(proxy.address() as AddressInfo).port}`
  })
  afterEach(() => {
    process.env = { ...saved }
    seen.length = 0
  })
  afterAll(async () => {
    for (const s of sockets) s.destroy()
    await new Promise((r) => proxy.close(r))
    await new Promise((r) => tlsServer.close(r))
  })

  it('plain http: the absolute URL goes to the proxy, with its credentials', async () => {
    process.env.HTTP_PROXY = proxyUrl
    const r = await createHttp({ deadlineMs: 5000 }).getJson('http://mirror.test/repos/o/r/releases')
    expect(r.body).toEqual({ via: 'proxy' })
    expect(seen).toEqual([
      {
        line: 'GET http://mirror.test/repos/o/r/releases',
        auth: `Basic ${Buffer.from('user:p@ss').toString('base64')}`,
      },
    ])
  })

  it('https: a CONNECT tunnel to host:port, then TLS to the real host name through it', async () => {
    process.env.HTTPS_PROXY = proxyUrl
    const err = await createHttp({ deadlineMs: 3000, token: 'tok', tokenOrigins: ['https://example.test'] })
      .getJson('https://example.test/api')
      .catch((e: unknown) => e)
    // The throwaway certificate is not trusted: the handshake itself proves the tunnel reached TLS.
    expect(String(err)).toMatch(/certificate|self.signed|unable to (get|verify)/i)
    // a refused certificate is not retried: one tunnel, and the error is the handshake's, never the deadline's
    expect(seen).toEqual([{ line: 'CONNECT example.test:443', auth: expect.stringMatching(/^Basic /) }])
    expect(seen.some((s) => s.line.startsWith('GET'))).toBe(false)
  })

  it('https: a refused CONNECT ends in the proxy status, and nothing more reaches the proxy', async () => {
    process.env.HTTPS_PROXY = proxyUrl.replace('user:p%40ss@', '')
    const err = await createHttp({ deadlineMs: 3000, token: 'tok', tokenOrigins: ['https://example.test'] })
      .getJson('https://example.test/api')
      .catch((e: unknown) => e)
    expect(String(err)).toMatch(/HTTP 407/)
    expect(seen).toEqual([{ line: 'CONNECT example.test:443', auth: undefined }])
  })

  it('NO_PROXY hosts are reached directly', async () => {
    process.env.HTTP_PROXY = proxyUrl
    process.env.NO_PROXY = '127.0.0.1'
    const direct = http.createServer((_q, res) =>
      res.setHeader('content-type', 'application/json').end('{"via":"direct"}'),
    )
    await new Promise<void>((r) => direct.listen(0, '127.0.0.1', r))
    try {
      const r = await createHttp({ deadlineMs: 5000 }).getJson(
        `http://127.0.0.1:${(direct.address() as AddressInfo).port}/x`,
      )
      expect(r.body).toEqual({ via: 'direct' })
      expect(seen).toEqual([])
    } finally {
      direct.closeAllConnections()
      await new Promise((r) => direct.close(r))
    }
  })
})
