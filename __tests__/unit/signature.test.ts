import { mkdtempSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import {
  SignatureError,
  embeddedTrustedRoot,
  verifyBlobBundle,
  type SignatureErrorKind,
  type SignaturePolicy,
} from '../../src/verify/signature.js'
import { DEFAULT_SIGNER_IDENTITY, DEFAULT_SIGNER_ISSUER } from '../../src/inputs.js'
import { regex } from '../helpers/regex.js'
import {
  TEST_ISSUER,
  TEST_SAN,
  createTestSigstore,
  type BundleJSON,
  type TestSigstore,
} from '../../test-support/sigstore.js'

const ARCHIVE_NAME = 'podman-v5.7.1-linux-amd64-static.tar.zst'
// Built the way inputs.ts anchors a signer-identity input.
const anchored = (body: string): RegExp => new RegExp(`^(?:${body.replace(/^\^/, '').replace(/\$$/, '')})$`)
const POLICY: SignaturePolicy = { identity: anchored(DEFAULT_SIGNER_IDENTITY), issuer: DEFAULT_SIGNER_ISSUER }

let sigstore: TestSigstore
let root: Record<string, unknown>
let archive: Buffer
let checksums: Buffer
let archiveBundle: BundleJSON
let checksumsBundle: BundleJSON
let dir: string

beforeAll(async () => {
  sigstore = await createTestSigstore()
  root = sigstore.trustedRoot
  archive = Buffer.alloc(256 * 1024)
  for (let i = 0; i < archive.length; i++) archive[i] = (i * 7919) % 251
  checksums = Buffer.from(
    `${'a'.repeat(64)}  ${ARCHIVE_NAME}\n${'b'.repeat(64)}  podman-v5.7.1-linux-arm64-static.tar.zst\n`,
  )
  archiveBundle = await sigstore.signBlob(archive)
  checksumsBundle = await sigstore.signBlob(checksums)
  dir = mkdtempSync(join(tmpdir(), 'signature-test-'))
})

/** Runs verifyBlobBundle expecting failure; returns the SignatureError. */
async function failure(p: Promise<unknown>, kind: SignatureErrorKind): Promise<SignatureError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(SignatureError)
  expect((err as SignatureError).kind).toBe(kind)
  return err as SignatureError
}

const flipByte = (b: Buffer, at: number): Buffer => {
  const copy = Buffer.from(b)
  copy[at] ^= 0x01
  return copy
}

describe('verifyBlobBundle with a real test CA and transparency log', () => {
  it('accepts the archive and checksums.txt signed by the release workflow', async () => {
    for (const [data, bundle] of [
      [archive, archiveBundle],
      [checksums, checksumsBundle],
    ] as const) {
      const result = await verifyBlobBundle(bundle, data, POLICY, root)
      expect(result).toMatchObject({ signer: TEST_SAN, issuer: TEST_ISSUER })
      expect(Math.abs(result.signedAt!.getTime() - Date.now())).toBeLessThan(120_000)
    }
  })

  it('accepts a file path and bundle JSON text, as read from disk', async () => {
    const file = join(dir, ARCHIVE_NAME)
    writeFileSync(file, archive)
    const result = await verifyBlobBundle(JSON.stringify(archiveBundle), file, POLICY, root)
    expect(result.signer).toBe(TEST_SAN)
  })

  it('rejects a tampered archive', async () => {
    const err = await failure(verifyBlobBundle(archiveBundle, flipByte(archive, 1000), POLICY, root), 'signature')
    expect(err.message).toMatch(/the file was altered, or the bundle belongs to another file/)
  })

  it('names the file when given a path', async () => {
    const file = join(dir, `tampered-${ARCHIVE_NAME}`)
    writeFileSync(file, flipByte(archive, 5))
    const err = await failure(verifyBlobBundle(archiveBundle, file, POLICY, root), 'signature')
    expect(err.message).toMatch(new RegExp(`^tampered-${ARCHIVE_NAME.replace(/\./g, '\\.')}: `))
  })

  it('rejects a tampered checksums.txt', async () => {
    const edited = Buffer.from(checksums.toString().replace('a'.repeat(64), 'c'.repeat(64)))
    const err = await failure(verifyBlobBundle(checksumsBundle, edited, POLICY, root), 'signature')
    expect(err.message).toMatch(/bundle signs sha256:[0-9a-f]{64} but the file is sha256:[0-9a-f]{64}/)
  })

  it("rejects a bundle for another file (the archive's bundle over checksums.txt)", async () => {
    await failure(verifyBlobBundle(archiveBundle, checksums, POLICY, root), 'signature')
  })

  it('rejects a forged signature even when the digest claims the right file', async () => {
    // messageDigest still names the archive, so the digest pre-check passes: the signature
    // must be checked against the logged entry and the bytes.
    const forged = structuredClone(archiveBundle) as { messageSignature: { signature: string } }
    forged.messageSignature.signature = (checksumsBundle as typeof forged).messageSignature.signature
    const err = await failure(verifyBlobBundle(forged, archive, POLICY, root), 'signature')
    expect(err.message).toMatch(/signature does not match the file/)
  })
})

describe('signer pinning', () => {
  const evilRepo = TEST_SAN.replace('/pigfoot/', '/evil/')
  const suffix = `${TEST_SAN}.evil.example`

  it('rejects another repository with the same workflow path, which an unanchored pattern accepts', async () => {
    const body =
      'https://github\\.com/.*static-rootless-container-tools/\\.github/workflows/build-podman\\.yml@refs/heads/main'
    expect(new RegExp(body).test(evilRepo)).toBe(true) // the trap anchoring avoids
    const bundle = await sigstore.signBlob(archive, { san: evilRepo })
    const policy = {
      identity: anchored(
        'https://github\\.com/pigfoot/static-rootless-container-tools/' +
          '\\.github/workflows/build-podman\\.yml@refs/heads/main',
      ),
      issuer: TEST_ISSUER,
    }
    const err = await failure(verifyBlobBundle(bundle, archive, policy, root), 'untrusted-signer')
    expect(err.message).toContain(`certificate identity "${evilRepo}"`)
    expect(err.message).toContain(`from issuer "${TEST_ISSUER}"`)
    expect(err.message).toContain('required identity matching /^(?:https:')
  })

  it('anchors a pattern even if the caller did not: the evil repository never passes', async () => {
    const bundle = await sigstore.signBlob(archive, { san: evilRepo })
    const loose = {
      identity: /static-rootless-container-tools\/\.github\/workflows\/build-podman\.yml@refs\/heads\/main/g,
      issuer: TEST_ISSUER,
    }
    await failure(verifyBlobBundle(bundle, archive, loose, root), 'untrusted-signer')
  })

  it('rejects a suffix attack on the ref (…@refs/heads/main.evil.example)', async () => {
    expect(new RegExp(DEFAULT_SIGNER_IDENTITY.replace(/\$$/, '')).test(suffix)).toBe(true)
    const bundle = await sigstore.signBlob(archive, { san: suffix })
    const err = await failure(verifyBlobBundle(bundle, archive, POLICY, root), 'untrusted-signer')
    expect(err.message).toContain(suffix)
  })

  it('accepts a release tag ref, which the default pattern allows', async () => {
    const san = TEST_SAN.replace('refs/heads/main', 'refs/tags/podman-v5.7.1')
    const bundle = await sigstore.signBlob(archive, { san })
    await expect(verifyBlobBundle(bundle, archive, POLICY, root)).resolves.toMatchObject({ signer: san })
  })

  it('rejects the right workflow from the wrong OIDC issuer', async () => {
    const bundle = await sigstore.signBlob(archive, { issuer: 'https://accounts.google.com' })
    const err = await failure(verifyBlobBundle(bundle, archive, POLICY, root), 'untrusted-signer')
    expect(err.message).toMatch(
      regex(
        /untrusted issuer: .*from issuer "https:\/\/accounts\.google\.com"; required .* from issuer /,
        /"https:\/\/token\.actions\.githubusercontent\.com"/,
      ),
    )
  })
})

describe('certificate trust', () => {
  it('rejects a certificate that expired before the log recorded the signature', async () => {
    const bundle = await sigstore.signBlob(archive, { expired: true })
    const err = await failure(verifyBlobBundle(bundle, archive, POLICY, root), 'untrusted-certificate')
    expect(err.message).toMatch(/not valid or expired/)
  })

  it('rejects a certificate from a CA that is not in the trusted root', async () => {
    const bundle = await sigstore.signBlob(archive, { untrustedCa: true })
    const err = await failure(verifyBlobBundle(bundle, archive, POLICY, root), 'untrusted-certificate')
    expect(err.message).toMatch(/not trusted: .*certificate chain/)
  })

  it('rejects a whole foreign Sigstore (other CA and log) and says the root may be stale', async () => {
    const other = await createTestSigstore()
    const bundle = await other.signBlob(archive)
    const err = await failure(verifyBlobBundle(bundle, archive, POLICY, root), 'untrusted-certificate')
    expect(err.message).toMatch(/embedded trusted root is out of date/)
  })

  it('rejects a transparency log entry the root does not trust', async () => {
    const other = await createTestSigstore()
    const foreignLog = { ...root, tlogs: other.trustedRoot.tlogs }
    await failure(verifyBlobBundle(archiveBundle, archive, POLICY, foreignLog), 'transparency-log')
  })
})

describe('bundle format', () => {
  it('rejects a cosign 2 legacy bundle with a clear message', async () => {
    const legacy = {
      base64Signature: 'MEUCIQ==',
      cert: 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t',
      rekorBundle: {
        SignedEntryTimestamp: 'MEQ=',
        Payload: { body: 'e30=', integratedTime: 1, logIndex: 1, logID: 'ab' },
      },
    }
    const err = await failure(verifyBlobBundle(legacy, archive, POLICY, root), 'legacy-bundle')
    expect(err.message).toMatch(/cosign 2's legacy format .* checksum-only/)
  })

  it('rejects an unknown mediaType and lists the supported ones', async () => {
    const future = { ...archiveBundle, mediaType: 'application/vnd.dev.sigstore.bundle.v0.9+json' }
    const err = await failure(verifyBlobBundle(future, archive, POLICY, root), 'unknown-media-type')
    expect(err.message).toContain('"application/vnd.dev.sigstore.bundle.v0.9+json"')
    expect(err.message).toContain('application/vnd.dev.sigstore.bundle.v0.3+json')
  })

  it('accepts the older spelling of the v0.3 mediaType', async () => {
    const old = { ...archiveBundle, mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.3' }
    await expect(verifyBlobBundle(old, archive, POLICY, root)).resolves.toMatchObject({ signer: TEST_SAN })
  })

  it('rejects text that is not JSON, and a bundle missing its signature', async () => {
    await failure(verifyBlobBundle('<html>rate limited</html>', archive, POLICY, root), 'invalid-bundle')
    const { messageSignature: _, ...unsigned } = archiveBundle
    const err = await failure(verifyBlobBundle(unsigned, archive, POLICY, root), 'invalid-bundle')
    expect(err.message).toMatch(/malformed: invalid bundle \(.*content/)
  })

  it('rejects a DSSE attestation bundle: it does not sign the file', async () => {
    const dsse = {
      ...archiveBundle,
      messageSignature: undefined,
      dsseEnvelope: {
        payload: 'e30=',
        payloadType: 'application/vnd.in-toto+json',
        signatures: [{ sig: 'MEUCIQ==', keyid: '' }],
      },
    }
    const err = await failure(verifyBlobBundle(dsse, archive, POLICY, root), 'invalid-bundle')
    expect(err.message).toMatch(/dsseEnvelope, not a signature over the file/)
  })
})

describe('embedded trusted root', () => {
  const realFetch = globalThis.fetch
  const fetchSpy = jest.fn<typeof fetch>(() => Promise.reject(new Error('network used')))
  beforeAll(() => {
    globalThis.fetch = fetchSpy
  })
  afterAll(() => {
    globalThis.fetch = realFetch
  })

  it("parses offline and holds Sigstore's Fulcio CAs and Rekor logs", () => {
    const tr = embeddedTrustedRoot() as {
      mediaType: string
      certificateAuthorities: { uri: string }[]
      tlogs: { baseUrl: string }[]
    }
    expect(tr.mediaType).toMatch(/^application\/vnd\.dev\.sigstore\.trustedroot\+json/)
    expect(tr.certificateAuthorities.map((c) => c.uri)).toContain('https://fulcio.sigstore.dev')
    expect(tr.tlogs.map((t) => t.baseUrl)).toContain('https://rekor.sigstore.dev')
  })

  it('is the default, is used without any network access, and does not trust the test CA', async () => {
    // Socket.prototype is the jest worker's, shared with every test file it ran before this
    // one: spied around this one call, not from this file's loading on (which also covered the
    // seconds of key generation in beforeAll, when another file's late socket could land).
    const connect = jest.spyOn(net.Socket.prototype, 'connect')
    try {
      const err = await failure(verifyBlobBundle(archiveBundle, archive, POLICY), 'untrusted-certificate')
      expect(err.message).toMatch(/Fulcio CA in the trusted root/)
      expect(connect).not.toHaveBeenCalled()
      expect(fetchSpy).not.toHaveBeenCalled()
    } finally {
      connect.mockRestore()
    }
  })
})
