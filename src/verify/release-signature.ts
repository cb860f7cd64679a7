// Which signature a release offers, and what `verify-signature` makes of it: the
// checksums.txt bundle (then the asset through the verified checksums) or the asset's own.
import { readFile } from 'node:fs/promises'
import type { Inputs } from '../inputs.js'
import { bundleName, CHECKSUMS } from '../release/assets.js'
import type { SignatureResult } from './signature.js'

export type SignatureMode = Inputs['verifySignature']

/** What a version offers: its label (the release tag) and the names of its files. */
export interface Offering {
  label: string
  files: readonly { name: string }[]
}

export interface SignaturePlan {
  /** the name of the bundle to fetch and the file it signs; undefined: checksum-only */
  bundle?: string
  signs?: 'checksums' | 'asset'
  /** why there is no bundle, for the warning and the summary */
  missing?: string
}

class SignatureRequiredError extends Error {}

/**
 * `signedRepo`: a repository that signs every release (the default one); a release of it
 * without a bundle is refused under `auto` too: someone removed it.
 */
export function planSignature(offer: Offering, asset: string, mode: SignatureMode, signedRepo?: string): SignaturePlan {
  if (mode === 'false') return { missing: 'verify-signature is false' }
  const has = (n: string) => offer.files.some((f) => f.name === n)
  if (has(bundleName(CHECKSUMS))) return { bundle: bundleName(CHECKSUMS), signs: 'checksums' }
  if (has(bundleName(asset))) return { bundle: bundleName(asset), signs: 'asset' }
  const missing = `release ${offer.label} has no ${bundleName(CHECKSUMS)} or ${bundleName(asset)}`
  if (mode === 'true') throw new SignatureRequiredError(`verify-signature is true but ${missing}.`)
  if (signedRepo)
    throw new SignatureRequiredError(
      `${missing}, but ${signedRepo} signs every release: refusing it. ` +
        'Set verify-signature: false to accept sha256 only.',
    )
  return { missing }
}

export interface SignatureOutcome {
  result?: SignatureResult
  /** set when the release is treated as checksum-only */
  skipped?: string
}

/**
 * Verifies the bundle over the file it signs. A bundle that is there but cannot be verified
 * (a legacy cosign 2 format, an unknown mediaType) fails under `auto` too: the same server
 * that served the archive could otherwise downgrade the check by rewriting one field.
 */
export async function checkSignature(
  mode: SignatureMode,
  bundleFile: string,
  signedFile: string,
  policy: { identity: RegExp; issuer: string },
  trustedRoot?: unknown,
): Promise<SignatureOutcome> {
  const bundle = await readFile(bundleFile)
  // Sigstore is loaded only when a download is verified: a tool-cache hit never pays for it.
  const { SignatureError, verifyBlobBundle } = await import('./signature.js')
  try {
    return { result: await verifyBlobBundle(bundle, signedFile, policy, trustedRoot) }
  } catch (err) {
    const format = err instanceof SignatureError && (err.kind === 'legacy-bundle' || err.kind === 'unknown-media-type')
    if (format && mode === 'auto')
      throw new SignatureError(
        err.kind,
        `${err.message} A bundle that cannot be verified is refused (verify-signature: false accepts sha256 only).`,
      )
    throw err
  }
}
