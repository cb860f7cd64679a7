// Real Sigstore signing for tests: a throwaway Fulcio-like CA (with a CT log for the SCT),
// a Rekor-like transparency log, and the trusted root that trusts exactly those keys.
// Bundles are built the way cosign 3 `sign-blob --bundle` writes them (v0.3 bundle,
// hashedrekord 0.0.1 entry with both inclusion promise and inclusion proof), so the
// verifier runs its full chain of checks over real signatures, not a stub.
import crypto from 'node:crypto'
import { initializeCA, initializeCTLog, initializeTLog } from '@sigstore/mock'

export const TEST_SAN =
  'https://github.com/pigfoot/static-rootless-container-tools/.github/workflows/build-podman.yml@refs/heads/main'
export const TEST_ISSUER = 'https://token.actions.githubusercontent.com'
const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json'

// Only the host matters: the checkpoint signer name must be part of the log's baseUrl.
const TLOG_URL = 'https://rekor.sigstore.test'
const CTLOG_URL = 'https://ctfe.sigstore.test'
const FULCIO_URL = 'https://fulcio.sigstore.test'
const OID_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1'
const OID_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8'
const HOUR_MS = 3_600_000

interface SignOptions {
  /** certificate SAN (URI); default TEST_SAN */
  san?: string
  /** OIDC issuer extensions (.1.1 and .1.8); default TEST_ISSUER */
  issuer?: string
  /** leaf certificate that expired an hour before the log recorded the signature */
  expired?: boolean
  /** leaf certificate from a CA that is not in the trusted root */
  untrustedCa?: boolean
}

/** What cosign writes to `<asset>.bundle` (protobuf JSON form of a Sigstore bundle). */
export type BundleJSON = Record<string, unknown>

export interface TestSigstore {
  /** trusted_root.json content trusting this CA, CT log and transparency log */
  trustedRoot: Record<string, unknown>
  signBlob(data: Buffer, opts?: SignOptions): Promise<BundleJSON>
}

type CA = Awaited<ReturnType<typeof initializeCA>>
type TLog = Awaited<ReturnType<typeof initializeTLog>>

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64')
const newKey = (): crypto.KeyPairKeyObjectResult => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
const spki = (k: crypto.KeyObject): Buffer => k.export({ type: 'spki', format: 'der' })

export async function createTestSigstore(): Promise<TestSigstore> {
  const caKey = newKey()
  const ctLog = await initializeCTLog(newKey())
  const tlogKey = newKey()
  const tlog = await initializeTLog(TLOG_URL, tlogKey)
  const ca = await initializeCA(caKey, ctLog)
  // Same CA key with a clock an hour back: its leaves chain to the trusted root but are
  // long expired when the log (on the real clock) records the signature.
  const pastCa = await initializeCA(caKey, ctLog, new Date(Date.now() - HOUR_MS))
  const foreignCa = await initializeCA(newKey(), ctLog)
  const trustedRoot = trustedRootJSON(ca, ctLog.publicKey, spki(tlogKey.publicKey))
  return {
    trustedRoot,
    signBlob: (data, opts = {}) => {
      const issuing = opts.untrustedCa ? foreignCa : opts.expired ? pastCa : ca
      return signBlob(data, issuing, tlog, opts)
    },
  }
}

async function signBlob(data: Buffer, ca: CA, tlog: TLog, opts: SignOptions): Promise<BundleJSON> {
  const ephemeral = newKey()
  const issuer = opts.issuer ?? TEST_ISSUER
  const certDer = Buffer.from(
    (await ca.issueCertificate({
      publicKey: new Uint8Array(spki(ephemeral.publicKey)),
      subjectAltName: opts.san ?? TEST_SAN,
      // Real Fulcio certificates carry both the deprecated raw form and the DER form.
      extensions: [
        { oid: OID_ISSUER_V1, value: issuer, legacy: true },
        { oid: OID_ISSUER_V2, value: issuer },
      ],
    })) as Uint8Array,
  )
  const signature = crypto.sign('sha256', data, ephemeral.privateKey)
  const digest = crypto.createHash('sha256').update(data).digest()
  const certPem = new crypto.X509Certificate(certDer).toString()
  const logged = await tlog.log(hashedRekord(digest, signature, certPem))
  return {
    mediaType: BUNDLE_MEDIA_TYPE,
    verificationMaterial: {
      certificate: { rawBytes: b64(certDer) },
      tlogEntries: [tlogEntry(Object.values(logged)[0] as RekorEntry)],
      timestampVerificationData: { rfc3161Timestamps: [] },
    },
    messageSignature: {
      messageDigest: { algorithm: 'SHA2_256', digest: b64(digest) },
      signature: b64(signature),
    },
  }
}

const hashedRekord = (digest: Buffer, signature: Buffer, certPem: string): object => ({
  apiVersion: '0.0.1',
  kind: 'hashedrekord',
  spec: {
    data: { hash: { algorithm: 'sha256', value: digest.toString('hex') } },
    signature: { content: b64(signature), publicKey: { content: Buffer.from(certPem).toString('base64') } },
  },
})

/** Rekor v1 API response entry, as the mock log returns it. */
interface RekorEntry {
  body: string
  integratedTime: number
  logID: string
  logIndex: number
  verification: {
    signedEntryTimestamp: string
    inclusionProof: { logIndex: number; treeSize: number; rootHash: string; hashes: string[]; checkpoint: string }
  }
}

function tlogEntry(e: RekorEntry): object {
  const proof = e.verification.inclusionProof
  return {
    logIndex: String(e.logIndex),
    logId: { keyId: b64(Buffer.from(e.logID, 'hex')) },
    kindVersion: { kind: 'hashedrekord', version: '0.0.1' },
    integratedTime: String(e.integratedTime),
    inclusionPromise: { signedEntryTimestamp: e.verification.signedEntryTimestamp },
    inclusionProof: {
      logIndex: String(proof.logIndex),
      rootHash: b64(Buffer.from(proof.rootHash, 'hex')),
      treeSize: String(proof.treeSize),
      hashes: proof.hashes,
      checkpoint: { envelope: proof.checkpoint },
    },
    canonicalizedBody: e.body,
  }
}

function trustedRootJSON(ca: CA, ctLogKey: Buffer, tlogKey: Buffer): Record<string, unknown> {
  const start = new Date(Date.now() - 24 * HOUR_MS).toISOString()
  const log = (baseUrl: string, key: Buffer) => ({
    baseUrl,
    hashAlgorithm: 'SHA2_256',
    publicKey: { rawBytes: b64(key), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
    logId: { keyId: b64(crypto.createHash('sha256').update(key).digest()) },
  })
  return {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [log(TLOG_URL, tlogKey)],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: FULCIO_URL,
        certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate as Uint8Array) }] },
        validFor: { start },
      },
    ],
    ctlogs: [log(CTLOG_URL, ctLogKey)],
    timestampAuthorities: [],
  }
}
