// Detached OpenPGP signatures (`<asset>.asc`) checked with OpenPGP.js against ONE pinned key.
// The verification result is awaited (`signatures[0].verified` rejects on a bad signature);
// the key that signed must be the pinned key or one of its subkeys.
import { createReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { Readable } from 'node:stream'
import type { ReadableStream as WebStream } from 'node:stream/web'
import * as openpgp from 'openpgp'
import { errorText } from '../ports/exec.js'

export type PgpErrorKind = 'no-key' | 'wrong-key' | 'unusable-key' | 'bad-signature' | 'invalid-signature'

export class PgpError extends Error {
  constructor(
    readonly kind: PgpErrorKind,
    message: string,
  ) {
    super(message)
    this.name = 'PgpError'
  }
}

export interface PgpResult {
  /** fingerprint of the (sub)key that made the signature, upper-case hex */
  signingKey: string
  /** fingerprint of its primary key: the pinned one, or the key the pinned subkey belongs to */
  primaryKey: string
  createdAt?: Date
}

const norm = (fpr: string): string => fpr.replace(/\s+/g, '').toUpperCase()
const fprsOf = (key: openpgp.Key): string[] => key.getKeys().map((k) => norm(k.getFingerprint()))

/**
 * Every armored key block in `text`: GitHub's `<user>.gpg` concatenates one block per key,
 * and OpenPGP.js's readKeys reads only the first block of such a file.
 */
export function armoredBlocks(text: string): string[] {
  return text.match(/-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]*?-----END PGP PUBLIC KEY BLOCK-----/g) ?? []
}

export interface KeySelection {
  key?: openpgp.PublicKey
  /** primary fingerprints of every key found, for the error message */
  found: string[]
}

/** The key whose primary key or a subkey has the pinned fingerprint; unparsable blocks are skipped. */
export async function selectKey(text: string, fingerprint: string): Promise<KeySelection> {
  const pin = norm(fingerprint)
  const found: string[] = []
  for (const block of armoredBlocks(text)) {
    const keys = await openpgp.readKeys({ armoredKeys: block }).catch(() => [] as openpgp.Key[])
    for (const key of keys) {
      found.push(norm(key.getFingerprint()))
      if (fprsOf(key).includes(pin)) return { key: key.toPublic(), found }
    }
  }
  return { found }
}

/**
 * A v4 key without a user ID (keys.openpgp.org strips unconfirmed ones) cannot verify in
 * OpenPGP.js (openpgpjs/openpgpjs#1847); say so rather than fail later with its message.
 */
export function checkUsable(key: openpgp.PublicKey, from: string): void {
  if (key.users.length === 0 && key.keyPacket.version < 6) {
    throw new PgpError(
      'unusable-key',
      `${from} served the key ${norm(key.getFingerprint())} without any user ID (keys.openpgp.org does this until ` +
        `the owner confirms an address); OpenPGP.js cannot verify with such a key.`,
    )
  }
}

async function readSig(armored: string, name: string): Promise<openpgp.Signature> {
  try {
    return await openpgp.readSignature({ armoredSignature: armored })
  } catch (err) {
    throw new PgpError('invalid-signature', `${name} is not an armored OpenPGP signature: ${errorText(err)}`)
  }
}

/** Fingerprints of the signature's issuer (full when the packet carries one, else key IDs). */
function issuers(sig: openpgp.Signature): string[] {
  return sig.packets.map((p) =>
    p.issuerFingerprint
      ? Buffer.from(p.issuerFingerprint).toString('hex').toUpperCase()
      : `key ID ${p.issuerKeyID.toHex().toUpperCase()}`,
  )
}

/** The pinned key's (sub)key that has the signature's issuer key ID, or a wrong-key error. */
function signingKeyOf(
  sig: openpgp.Signature,
  key: openpgp.PublicKey,
  name: string,
  pin: string,
): openpgp.Key | openpgp.Subkey {
  for (const id of sig.getSigningKeyIDs()) {
    const hit = key.getKeys(id)[0]
    if (hit) return hit
  }
  throw new PgpError(
    'wrong-key',
    `${name} was signed by ${issuers(sig).join(', ') || 'an unnamed key'}, ` +
      `not by the pinned key ${pin} (set source-key-fingerprint for a fork).`,
  )
}

/** Streams the file through the verifier; `verified` only settles once every byte was read. */
async function verifyStream(file: string, sig: openpgp.Signature, key: openpgp.PublicKey): Promise<void> {
  const binary = Readable.toWeb(createReadStream(file)) as WebStream<Uint8Array>
  const message = await openpgp.createMessage({ binary })
  const result = await openpgp.verify({
    message,
    signature: sig,
    verificationKeys: key,
    format: 'binary',
    expectSigned: false,
  })
  const reader = (result.data as unknown as WebStream<Uint8Array>).getReader()
  while (!(await reader.read()).done);
  if (result.signatures.length === 0) throw new PgpError('invalid-signature', 'the signature file holds no signature')
  await Promise.all(result.signatures.map((s) => s.verified))
}

/**
 * Verifies `signatureFile` (armored, detached) over `file` with `key`, pinned to `fingerprint`; `label` names the file
 * in errors.
 */
export async function verifyDetached(
  file: string,
  signatureFile: string,
  key: openpgp.PublicKey,
  fingerprint: string,
  label = basename(file),
): Promise<PgpResult> {
  const pin = norm(fingerprint)
  const name = basename(signatureFile)
  if (!fprsOf(key).includes(pin))
    throw new PgpError('wrong-key', `The key ${norm(key.getFingerprint())} is not the pinned key ${pin}.`)
  const sig = await readSig(await readFile(signatureFile, 'utf8'), name)
  const signer = signingKeyOf(sig, key, name, pin)
  const signerFpr = norm(signer.getFingerprint())
  // A pinned subkey: only that subkey's signatures count, not its siblings'.
  if (signerFpr !== pin && norm(key.getFingerprint()) !== pin) {
    throw new PgpError('wrong-key', `${name} was signed by ${signerFpr}, not by the pinned (sub)key ${pin}.`)
  }
  try {
    await verifyStream(file, sig, key)
  } catch (err) {
    if (err instanceof PgpError) throw err
    const why = errorText(err)
    throw new PgpError(
      'bad-signature',
      `${label}: the OpenPGP signature ${name} does not verify with the pinned key ${pin} (${why}); ` +
        `the archive was altered or the signature is not for it.`,
    )
  }
  return {
    signingKey: signerFpr,
    primaryKey: norm(key.getFingerprint()),
    createdAt: sig.packets[0]?.created ?? undefined,
  }
}
