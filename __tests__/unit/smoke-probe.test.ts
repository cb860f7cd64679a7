// The probe script and the host-side endpoints, run for real under this Node (no podman):
// the probe's payload must match payload.ts byte for byte, every transfer is verified, and
// the throwaway CA really authenticates (and really rejects) a TLS server.
import { spawn, type ChildProcess } from 'node:child_process'
import { createCipheriv, createHash, X509Certificate } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { run } from '../../src/ports/exec.js'
import { blobPath, MiB, parseBlobPath, payload, payloadChunks, payloadSha256 } from '../../src/smoke/payload.js'
import { type GetResult, type Listening, PROBE_SCRIPT, type ProbeRequest } from '../../src/smoke/probe.js'
import { jsonLine } from '../../src/smoke/output.js'
import { freePort, hostFetch, startHostServer } from '../../src/smoke/servers.js'
import { makeTestPki, type TestPki } from '../../src/smoke/x509.js'

const dir = mkdtempSync(join(tmpdir(), 'smoke-probe-'))
const children: ChildProcess[] = []
afterAll(() => {
  for (const c of children) c.kill()
})

async function probe<T>(req: ProbeRequest): Promise<{ exitCode: number; out: T }> {
  const r = await run(process.execPath, ['-e', PROBE_SCRIPT, JSON.stringify(req)], { timeoutMs: 30_000 })
  const out = jsonLine<T>(r.stdout)
  if (!out) throw new Error(`probe printed no JSON: ${r.stderr}`)
  return { exitCode: r.exitCode, out }
}

function serve(port: number, more: Partial<ProbeRequest> = {}): Promise<void> {
  const child = spawn(process.execPath, ['-e', PROBE_SCRIPT, JSON.stringify({ mode: 'serve', port, ...more })], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  children.push(child)
  return new Promise((resolve) => child.stdout!.once('data', () => resolve()))
}

describe('payload', () => {
  it('is deterministic per seed and differs between seeds', () => {
    expect(payload('a', 4096).equals(payload('a', 4096))).toBe(true)
    expect(payload('a', 4096).equals(payload('b', 4096))).toBe(false)
    expect(payload('a', 100).equals(payload('a', 4096).subarray(0, 100))).toBe(true)
    expect(parseBlobPath(blobPath('x y', 10))).toEqual({ seed: 'x y', size: 10 })
    expect(parseBlobPath('/blob/x/999999999999')).toBeUndefined()
  })

  it('is streamed in bounded chunks that are the one-shot AES-CTR keystream byte for byte', () => {
    const size = 3 * MiB + 7
    const key = createHash('sha256').update('seed').digest()
    const whole = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32)).update(Buffer.alloc(size))
    const chunks = [...payloadChunks('seed', size)]
    // a server holds one chunk per transfer, not the whole body (8 transfers of 8 MiB were 128 MiB of RSS)
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(256 * 1024)
    expect(Buffer.concat(chunks).equals(whole)).toBe(true)
    expect(payloadSha256('seed', size)).toBe(createHash('sha256').update(whole).digest('hex'))
    expect([...payloadChunks('seed', 0)]).toEqual([])
  })
})

describe('probe script under real Node', () => {
  it('serve: the host fetches 8 MiB and verifies it against payload.ts; the probe names the peer', async () => {
    const port = await freePort()
    await serve(port)
    const ok = await hostFetch(`http://127.0.0.1:${port}${blobPath('s1', 8 * MiB)}`, 's1', 8 * MiB, 10_000)
    expect(ok).toMatchObject({ ok: true, bytes: 8 * MiB, peer: '127.0.0.1' })
    // asking for other bytes than the host expects must fail the comparison
    const bad = await hostFetch(`http://127.0.0.1:${port}${blobPath('s2', 1024)}`, 's1', 1024, 10_000)
    expect(bad).toMatchObject({ ok: false, error: 'sha256 mismatch after 1024 of 1024 bytes' })
  })

  it('serve with facts: the ready file says it listens, with the facts of where it runs', async () => {
    const port = await freePort()
    const readyFile = join(dir, 'listening')
    await serve(port, { readyFile, facts: true })
    // the log line comes first; the file a moment later
    while (!existsSync(readyFile)) await new Promise((r) => setTimeout(r, 20))
    const said = JSON.parse(readFileSync(readyFile, 'utf8')) as Listening
    expect(said.listening).toBe(port)
    expect(said.facts?.interfaces.map((i) => i.name)).toContain('lo')
    expect(said.facts?.hosts.length).toBeGreaterThan(0)
  })

  it('get: many parallel transfers from a host server, each verified; a wrong body is reported', async () => {
    const srv = await startHostServer()
    try {
      const url = (s: string, n: number) => `http://127.0.0.1:${srv.port}${blobPath(s, n)}`
      const good = await probe<GetResult>({
        mode: 'get',
        timeoutMs: 10_000,
        jobs: [
          { url: url('a', 1000), seed: 'a', size: 1000, count: 30 },
          { url: url('b', 2 * MiB), seed: 'b', size: 2 * MiB, count: 2 },
        ],
      })
      expect(good.exitCode).toBe(0)
      expect(good.out).toMatchObject({
        ok: true,
        requests: 32,
        failed: 0,
        bytes: 30 * 1000 + 4 * MiB,
        peers: ['127.0.0.1'],
      })
      expect(srv.requests).toBe(32)
      const bad = await probe<GetResult>({
        mode: 'get',
        timeoutMs: 10_000,
        jobs: [{ url: url('a', 1000), seed: 'other', size: 1000 }],
      })
      expect(bad.exitCode).toBe(1)
      expect(bad.out.failures).toEqual([`${url('a', 1000)}: sha256 mismatch after 1000 bytes`])
    } finally {
      await srv.close()
    }
  })

  it('connect: a closed port is refused; facts: reads interfaces and routes', async () => {
    const { out } = await probe<{ connected: boolean; error: string }>({
      mode: 'connect',
      host: '127.0.0.1',
      port: await freePort(),
      timeoutMs: 2000,
    })
    expect(out).toEqual({ connected: false, error: 'ECONNREFUSED' })
    const facts = await probe<{ interfaces: { name: string; addrs: string[] }[] }>({ mode: 'facts' })
    expect(facts.out.interfaces.find((i) => i.name === 'lo')?.addrs).toContain('127.0.0.1/8')
  })
})

describe('throwaway CA', () => {
  let pki: TestPki
  beforeAll(async () => {
    pki = await makeTestPki(['ssp-tls.test', '127.0.0.1', '10.0.2.2'])
  })

  it('builds a CA and a server certificate that X.509 parsers accept', () => {
    const ca = new X509Certificate(pki.caPem)
    const leaf = new X509Certificate(pki.certPem)
    expect(ca.ca).toBe(true)
    expect(leaf.ca).toBe(false)
    expect(leaf.checkIssued(ca)).toBe(true)
    expect(leaf.verify(ca.publicKey)).toBe(true)
    expect(leaf.subjectAltName).toBe('DNS:ssp-tls.test, IP Address:127.0.0.1, IP Address:10.0.2.2')
    expect(leaf.checkHost('ssp-tls.test')).toBe('ssp-tls.test')
    expect(leaf.checkIP('10.0.2.2')).toBe('10.0.2.2')
  })

  it('every certificate is valid DER (random serials once made one in ~150 unparseable)', async () => {
    for (let i = 0; i < 600; i++) {
      const p = await makeTestPki(['127.0.0.1'])
      expect(new X509Certificate(p.certPem).verify(new X509Certificate(p.caPem).publicKey)).toBe(true)
    }
  }, 120_000) // ~30 ms of JavaScript ASN.1 per pair, and the machine may be busy

  it('the probe trusts the server only with that CA and only for its names', async () => {
    const get = async (cert: TestPki, caPem: string) => {
      const srv = await startHostServer({ key: cert.keyPem, cert: cert.certPem })
      const ca = join(dir, `ca-${srv.port}.pem`)
      writeFileSync(ca, caPem)
      const url = `https://127.0.0.1:${srv.port}${blobPath('t', 64 * 1024)}`
      try {
        const { out } = await probe<GetResult>({
          mode: 'get',
          ca,
          timeoutMs: 10_000,
          jobs: [{ url, seed: 't', size: 64 * 1024, count: 8 }],
        })
        return { ...out, failures: out.failures.map((f) => f.replace(`${url}: `, '')) }
      } finally {
        await srv.close()
      }
    }
    expect(await get(pki, pki.caPem)).toMatchObject({ ok: true, requests: 8 })
    expect((await get(pki, (await makeTestPki(['127.0.0.1'])).caPem)).failures[0]).toBe(
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    )
    const dnsOnly = await makeTestPki(['ssp-tls.test'])
    expect((await get(dnsOnly, dnsOnly.caPem)).failures[0]).toBe('ERR_TLS_CERT_ALTNAME_INVALID')
  })
})
