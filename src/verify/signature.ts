// Offline verification of a cosign keyless (Sigstore) bundle, pinned to one signer.
//
// Why not `sigstore.verify()`: it always contacts the TUF repository, even with a forced
// cache. @sigstore/verify's Verifier does the same checks offline (certificate chain to a
// Fulcio CA, SCT, transparency-log inclusion promise/proof, signature over the file) given
// trust material, and @sigstore/tuf ships that material: its seeds.json holds a copy of
// the TUF repository's `trusted_root.json` target. We read that JSON directly and never
// load the TUF client, so nothing here touches the network.
//
// Keeping the root current: the embedded copy is refreshed in every @sigstore/tuf release,
// and dependabot bumps @sigstore/tuf (the rebuilt dist/ carries the new root). Sigstore adds
// new Fulcio/Rekor/CT keys to the root before signing with them and keeps retired keys
// (with an end date), so old releases keep verifying. A STALE root fails closed: a bundle
// from a CA or log newer than our copy is reported as 'untrusted-certificate' or
// 'transparency-log', never accepted. Callers may pass a fresher root (`trustedRoot`).
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { errorText } from '../ports/exec.js'
import {
  BUNDLE_V02_MEDIA_TYPE,
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
  ValidationError,
  bundleFromJSON,
  type Bundle,
} from '@sigstore/bundle'
// Transitive dependency of @sigstore/bundle and @sigstore/verify: the only public
// TrustedRoot JSON parser (and the HashAlgorithm enum the bundle uses).
import { HashAlgorithm, TrustedRoot } from '@sigstore/protobuf-specs'
import {
  PolicyError,
  VerificationError,
  Verifier,
  toSignedEntity,
  toTrustMaterial,
  type TrustMaterial,
} from '@sigstore/verify'
import seeds from '@sigstore/tuf/seeds.json' with { type: 'json' }

export interface SignaturePolicy {
  /** matched against the certificate SAN (URI); already anchored by inputs.ts */
  identity: RegExp
  /** compared exactly with the certificate's OIDC issuer extension */
  issuer: string
}

export interface SignatureResult {
  /**
   * certificate SAN: the workflow that signed, e.g. `https://github.com/o/r/.github/workflows/x.yml@refs/heads/main`
   */
  signer: string
  issuer: string
  /** when the transparency log recorded the signature */
  signedAt?: Date
}

export type SignatureErrorKind =
  | 'legacy-bundle'
  | 'unknown-media-type'
  | 'invalid-bundle'
  | 'signature'
  | 'untrusted-signer'
  | 'untrusted-certificate'
  | 'transparency-log'

export class SignatureError extends Error {
  constructor(
    readonly kind: SignatureErrorKind,
    message: string,
  ) {
    super(message)
    this.name = 'SignatureError'
  }
}

const SUPPORTED_MEDIA_TYPES: readonly string[] = [
  BUNDLE_V03_MEDIA_TYPE,
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  BUNDLE_V02_MEDIA_TYPE,
]

const TUF_MIRROR = 'https://tuf-repo-cdn.sigstore.dev'
const STALE_HINT =
  'If Sigstore rotated its keys after this action was released, the embedded trusted root is out of date: ' +
  'update the action.'

/** The trusted_root.json embedded in @sigstore/tuf (parsed JSON, no network). */
export function embeddedTrustedRoot(): unknown {
  const b64 = seeds[TUF_MIRROR].targets['trusted_root.json']
  return JSON.parse(Buffer.from(b64, 'base64').toString('utf8'))
}

let embedded: TrustMaterial | undefined
/** A broken root is a build or caller bug, not a property of the release: plain Error. */
function trustMaterial(trustedRoot: unknown): TrustMaterial {
  try {
    if (trustedRoot !== undefined) return toTrustMaterial(TrustedRoot.fromJSON(parseJSON(trustedRoot)))
    embedded ??= toTrustMaterial(TrustedRoot.fromJSON(embeddedTrustedRoot()))
    return embedded
  } catch (err) {
    throw new Error(`the Sigstore trusted root is unusable: ${(err as Error).message}`)
  }
}

/**
 * Verifies a Sigstore bundle over `artifact` (bytes, or a path read whole: the library
 * verifies a message signature over the bytes, not over a digest) and pins the signer.
 * Throws SignatureError; resolves only when every check passed.
 */
export async function verifyBlobBundle(
  bundleJson: unknown,
  artifact: Buffer | string,
  policy: SignaturePolicy,
  trustedRoot?: unknown,
): Promise<SignatureResult> {
  const where = typeof artifact === 'string' ? `${basename(artifact)}: ` : ''
  const trust = trustMaterial(trustedRoot)
  // Outside the try: a missing file is an I/O error, not a verdict on the signature.
  const data = typeof artifact === 'string' ? await readFile(artifact) : artifact
  try {
    const bundle = parseBundle(bundleJson)
    checkDigest(bundle, data)
    const signer = new Verifier(trust).verify(toSignedEntity(bundle, data))
    const result = checkPolicy(signer.identity, policy)
    return { ...result, signedAt: signedAt(bundle) }
  } catch (err) {
    const e = classify(err)
    e.message = where + e.message
    throw e
  }
}

function parseJSON(v: unknown): unknown {
  return typeof v === 'string' || Buffer.isBuffer(v) ? JSON.parse(v.toString()) : v
}

function parseBundle(json: unknown): Bundle {
  let obj: unknown
  try {
    obj = parseJSON(json)
  } catch (err) {
    throw new SignatureError('invalid-bundle', `the signature bundle is not JSON: ${(err as Error).message}`)
  }
  checkMediaType(obj)
  const bundle = bundleFromJSON(obj)
  // A DSSE envelope (attestation) is signed over its own payload and never binds the file.
  if (bundle.content.$case !== 'messageSignature') {
    throw new SignatureError(
      'invalid-bundle',
      `the bundle holds a ${bundle.content.$case}, not a signature over the file.`,
    )
  }
  return bundle
}

function checkMediaType(obj: unknown): void {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new SignatureError('invalid-bundle', 'the signature bundle is not a JSON object.')
  }
  const o = obj as Record<string, unknown>
  if (o.mediaType === undefined && ('base64Signature' in o || 'rekorBundle' in o || 'cert' in o)) {
    throw new SignatureError(
      'legacy-bundle',
      "the bundle is in cosign 2's legacy format (base64Signature/cert/rekorBundle), which cannot be verified " +
        'offline; ' +
        `only Sigstore bundles (${BUNDLE_V03_MEDIA_TYPE}, written by cosign 3) can. This release is checksum-only.`,
    )
  }
  if (typeof o.mediaType !== 'string' || !SUPPORTED_MEDIA_TYPES.includes(o.mediaType)) {
    throw new SignatureError(
      'unknown-media-type',
      `unsupported bundle mediaType ${JSON.stringify(o.mediaType ?? null)}; supported: ` +
        `${SUPPORTED_MEDIA_TYPES.join(', ')}.`,
    )
  }
}

const HASHES: Partial<Record<HashAlgorithm, string>> = {
  [HashAlgorithm.SHA2_256]: 'sha256',
  [HashAlgorithm.SHA2_384]: 'sha384',
  [HashAlgorithm.SHA2_512]: 'sha512',
}

/** Says which file is wrong before the library's bare "signature verification failed". */
function checkDigest(bundle: Bundle, data: Buffer): void {
  if (bundle.content.$case !== 'messageSignature') return
  const md = bundle.content.messageSignature.messageDigest
  const algo = md && HASHES[md.algorithm]
  if (!md || !algo) return // the Verifier still checks the signature over the bytes
  const got = createHash(algo).update(data).digest()
  if (!got.equals(md.digest)) {
    throw new SignatureError(
      'signature',
      `the bundle signs ${algo}:${md.digest.toString('hex')} but the file is ${algo}:${got.toString('hex')}: ` +
        'the file was altered, or the bundle belongs to another file.',
    )
  }
}

type Identity = NonNullable<ReturnType<Verifier['verify']>['identity']>

function checkPolicy(identity: Identity | undefined, policy: SignaturePolicy): SignatureResult {
  const signer = identity?.subjectAlternativeName ?? ''
  const issuer = identity?.extensions?.issuer ?? ''
  // Anchored again (a no-op for inputs.ts patterns) and without g/y flags, whose lastIndex
  // would make test() stateful: an unanchored pattern accepts any repository's workflow.
  const re = new RegExp(`^(?:${policy.identity.source})$`, policy.identity.flags.replace(/[gy]/g, ''))
  const badIdentity = !re.test(signer)
  const badIssuer = issuer !== policy.issuer
  if (badIdentity || badIssuer) {
    const what = [badIdentity && 'identity', badIssuer && 'issuer'].filter(Boolean).join(' and ')
    throw new SignatureError(
      'untrusted-signer',
      `signed by an untrusted ${what}: certificate identity ${JSON.stringify(signer || '(none)')} ` +
        `from issuer ${JSON.stringify(issuer || '(none)')}; required identity matching ${policy.identity} ` +
        `from issuer ${JSON.stringify(policy.issuer)}.`,
    )
  }
  return { signer, issuer }
}

function signedAt(bundle: Bundle): Date | undefined {
  const t = bundle.verificationMaterial.tlogEntries[0]?.integratedTime
  return t && t !== '0' ? new Date(Number(t) * 1000) : undefined
}

function detail(err: VerificationError | PolicyError): string {
  const cause = err.cause instanceof Error ? ` (${err.cause.message})` : ''
  return `${err.message}${cause}`
}

function classify(err: unknown): SignatureError {
  if (err instanceof SignatureError) return err
  if (err instanceof PolicyError) return new SignatureError('untrusted-signer', detail(err))
  if (err instanceof VerificationError) {
    switch (err.code) {
      case 'SIGNATURE_ERROR':
      case 'TLOG_BODY_ERROR':
        return new SignatureError('signature', `the signature does not match the file: ${detail(err)}.`)
      case 'CERTIFICATE_ERROR':
      case 'PUBLIC_KEY_ERROR':
        return new SignatureError(
          'untrusted-certificate',
          `the signing certificate is not trusted: ${detail(err)}. It must chain to a Fulcio CA in the trusted root ` +
            `and be valid when the transparency log recorded the signature. ${STALE_HINT}`,
        )
      case 'NOT_IMPLEMENTED_ERROR':
        return new SignatureError('invalid-bundle', `unsupported bundle content: ${detail(err)}.`)
      default: // TLOG_*, TIMESTAMP_ERROR
        return new SignatureError(
          'transparency-log',
          `the transparency log entry could not be verified: ${detail(err)}. ${STALE_HINT}`,
        )
    }
  }
  if (err instanceof ValidationError) {
    return new SignatureError(
      'invalid-bundle',
      `the signature bundle is malformed: ${err.message} (${err.fields.join(', ')}).`,
    )
  }
  return new SignatureError('invalid-bundle', `the signature bundle is malformed: ${errorText(err)}.`)
}
