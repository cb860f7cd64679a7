// Integrity of a downloaded asset: size from the API, sha256 from checksums.txt and, when
// the API has one, the asset digest. Fails closed with both values in the message.
import type { DownloadResult } from '../ports/types.js'

export class VerifyError extends Error {}

/** `<sha256>  <name>` lines (`*name` marks binary mode in sha256sum output). */
export function parseChecksums(text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of text.split('\n')) {
    const m = /^([0-9a-fA-F]{64})\s+\*?(\S.*?)\s*$/.exec(line.trim())
    if (m) out.set(m[2], m[1].toLowerCase())
  }
  return out
}

export interface Expected {
  name: string
  size?: number
  /** from checksums.txt (required for the default source) */
  sha256?: string
  /** `sha256:<hex>` from the releases API */
  digest?: string | null
}

export function expectedSha(checksums: Map<string, string>, name: string): string {
  const sha = checksums.get(name)
  if (!sha) throw new VerifyError(`checksums.txt has no line for ${name}; refusing to install an unverified archive.`)
  return sha
}

/** Returns what was checked, e.g. ['size', 'sha256', 'digest']. */
export function verifyDownload(got: DownloadResult, want: Expected): string[] {
  const checked: string[] = []
  if (want.size !== undefined) {
    if (got.bytes !== want.size) {
      throw new VerifyError(
        `${want.name}: size mismatch: downloaded ${got.bytes} bytes, the release says ${want.size}.`,
      )
    }
    checked.push('size')
  }
  if (want.sha256 !== undefined) {
    if (got.sha256 !== want.sha256) {
      throw new VerifyError(
        `${want.name}: sha256 mismatch: downloaded ${got.sha256}, checksums.txt says ${want.sha256}.`,
      )
    }
    checked.push('sha256')
  }
  if (want.digest) {
    const [algo, hex] = want.digest.split(':')
    if (algo === 'sha256') {
      if (hex?.toLowerCase() !== got.sha256) {
        throw new VerifyError(
          `${want.name}: sha256 mismatch: downloaded ${got.sha256}, the release API digest says ${hex}.`,
        )
      }
      checked.push('digest')
    }
  }
  return checked
}
