// A throwaway CA and server certificate for the TLS check, built by @peculiar/x509 on node's
// WebCrypto: an `openssl` CLI is not promised on every runner or in a minimal tree, and
// hand-built DER once made an unparseable certificate. Loaded with import() by the TLS check
// alone, so a run without it does not pay for evaluating the library.
// tsyringe inside @peculiar/x509 needs a Reflect metadata polyfill before it loads.
import 'reflect-metadata'
import { KeyObject, webcrypto } from 'node:crypto'
import { isIPv4 } from 'node:net'
import * as x509 from '@peculiar/x509'

x509.cryptoProvider.set(webcrypto)

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
const USAGE = x509.KeyUsageFlags

export interface TestPki {
  caPem: string
  certPem: string
  keyPem: string
}

const newKeys = () => webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>

/** A CA (valid one day) and a server certificate for `names` (DNS names or IPv4 addresses). */
export async function makeTestPki(names: readonly string[], label = 'setup-static-podman smoke'): Promise<TestPki> {
  const [caKeys, leafKeys] = await Promise.all([newKeys(), newKeys()])
  const now = Date.now()
  // An hour of slack either side: the container and the host share the clock, but not a tick.
  const validity = { notBefore: new Date(now - 3600_000), notAfter: new Date(now + 86_400_000) }
  const caName = `CN=${label} CA`
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    ...validity,
    name: caName,
    keys: caKeys,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(USAGE.keyCertSign | USAGE.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  })
  const leaf = await x509.X509CertificateGenerator.create({
    ...validity,
    subject: `CN=${names[0]}`,
    issuer: caName,
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(USAGE.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names.map((n) => ({ type: isIPv4(n) ? 'ip' : 'dns', value: n }))),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  })
  const keyPem = KeyObject.from(leafKeys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString()
  return { caPem: ca.toString('pem'), certPem: leaf.toString('pem'), keyPem }
}
