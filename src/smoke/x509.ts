// A throwaway CA and server certificate for the TLS check, made with node:crypto alone:
// node can sign but not build X.509, and an `openssl` CLI is not promised on every runner or
// in a minimal tree. Just enough DER for OpenSSL (node's TLS) to build and verify the chain.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'
import { isIPv4 } from 'node:net'

const len = (n: number): Buffer => {
  if (n < 0x80) return Buffer.from([n])
  const bytes: number[] = []
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}
const tlv = (tag: number, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts)
  return Buffer.concat([Buffer.from([tag]), len(body.length), body])
}
const seq = (...parts: Buffer[]) => tlv(0x30, ...parts)
const set = (...parts: Buffer[]) => tlv(0x31, ...parts)
const explicit = (n: number, ...parts: Buffer[]) => tlv(0xa0 + n, ...parts)
const int = (b: Buffer) => tlv(0x02, b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b)
const bits = (b: Buffer, unused = 0) => tlv(0x03, Buffer.from([unused]), b)
const octets = (b: Buffer) => tlv(0x04, b)
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]))
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'))
const utcTime = (d: Date) => tlv(0x17, Buffer.from(`${d.toISOString().slice(2, 19).replace(/[-T:]/g, '')}Z`))

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number)
  const out = [40 * a + b]
  for (const n of rest) {
    const chunk = [n & 0x7f]
    for (let v = n >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80)
    out.push(...chunk)
  }
  return tlv(0x06, Buffer.from(out))
}

const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'))
const name = (cn: string) => seq(set(seq(oid('2.5.4.3'), utf8(cn))))
const ext = (id: string, critical: boolean, value: Buffer) =>
  seq(oid(id), ...(critical ? [bool(true)] : []), octets(value))
const keyId = (k: KeyObject) =>
  createHash('sha1')
    .update(k.export({ type: 'spki', format: 'der' }))
    .digest()

function altNames(names: readonly string[]): Buffer {
  const entry = (n: string) =>
    isIPv4(n) ? tlv(0x87, Buffer.from(n.split('.').map(Number))) : tlv(0x82, Buffer.from(n, 'ascii'))
  return seq(...names.map(entry))
}

interface CertSpec {
  subject: string
  issuer: string
  publicKey: KeyObject
  signer: KeyObject
  issuerKeyId: Buffer
  extensions: Buffer[]
}

function certificate(s: CertSpec, now = Date.now()): string {
  // DER integers are minimal and this one positive: first byte 0x01..0x7f. (A leading zero
  // byte is "illegal padding" to OpenSSL and drops the certificate, about one run in 150.)
  const serial = randomBytes(16)
  serial[0] = (serial[0] & 0x7f) | 0x01
  const tbs = seq(
    explicit(0, int(Buffer.from([2]))),
    int(serial),
    ECDSA_SHA256,
    name(s.issuer),
    // An hour of slack either side: the container and the host share the clock, but not a tick.
    seq(utcTime(new Date(now - 3600_000)), utcTime(new Date(now + 86_400_000))),
    name(s.subject),
    s.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, seq(...s.extensions, ext('2.5.29.35', false, seq(tlv(0x80, s.issuerKeyId))))),
  )
  const der = seq(tbs, ECDSA_SHA256, bits(sign('sha256', tbs, s.signer)))
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`.replace(
    '\n\n',
    '\n',
  )
}

export interface TestPki {
  caPem: string
  certPem: string
  keyPem: string
}

/** A CA (valid one day) and a server certificate for `names` (DNS names or IPv4 addresses). */
export function makeTestPki(names: readonly string[], label = 'setup-static-podman smoke'): TestPki {
  const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const caId = keyId(ca.publicKey)
  const caPem = certificate({
    subject: `${label} CA`,
    issuer: `${label} CA`,
    publicKey: ca.publicKey,
    signer: ca.privateKey,
    issuerKeyId: caId,
    extensions: [
      ext('2.5.29.19', true, seq(bool(true))),
      ext('2.5.29.15', true, bits(Buffer.from([0x06]), 1)), // keyCertSign, cRLSign
      ext('2.5.29.14', false, octets(caId)),
    ],
  })
  const certPem = certificate({
    subject: names[0],
    issuer: `${label} CA`,
    publicKey: leaf.publicKey,
    signer: ca.privateKey,
    issuerKeyId: caId,
    extensions: [
      ext('2.5.29.19', true, seq()),
      ext('2.5.29.15', true, bits(Buffer.from([0x80]), 7)), // digitalSignature
      ext('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))), // serverAuth
      ext('2.5.29.17', false, altNames(names)),
    ],
  })
  return { caPem, certPem, keyPem: leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }
}
