// The shared acquisition pipeline's vocabulary: what an origin offers, what a source
// supplies (a recipe: names, layout, how to verify), and what comes out.
import type { VersionSpec } from '../inputs.js'
import type { DownloadResult } from '../ports/types.js'
import type { SignatureOutcome } from '../verify/release-signature.js'

export interface InstallResult {
  version: string
  root: string
  cacheHit: false | 'tool-cache' | 'actions-cache'
  /** the `verified` output: `sha256` or `signature+sha256`, recorded with the entry for hits */
  verified: string
  /** every check that ran on this download, e.g. ['size', 'sha256', 'digest'] */
  checks: string[]
  asset?: string
  signature?: SignatureOutcome
  /** what post should save to the Actions cache, after main succeeded */
  cacheSave?: { key: string; paths: string[] }
}

/** One file an origin offers beside the others of the same version. */
export interface Offered {
  name: string
  /** what the origin says about the file: checked after the transfer when given */
  size?: number
  /** `sha256:<hex>` (GitHub's releases API) */
  digest?: string | null
}

/** A version an origin resolved, with the files it has for it. */
export interface Resolved<F extends Offered = Offered> {
  version: string
  /** what messages call it: the release tag, or the archive's path */
  label: string
  files: readonly F[]
}

/**
 * Where the files come from: the resolve and fetch stages. A GitHub release
 * (release-origin.ts), or files on disk for a source that installs a local archive.
 */
export interface Origin<F extends Offered = Offered> {
  resolve(spec: VersionSpec, checkLatest: boolean): Promise<Resolved<F>>
  /** one file to `dest`, hashed on the way; `signal` aborts it when a sibling fails */
  fetch(file: F, dest: string, signal: AbortSignal): Promise<DownloadResult>
}

/** What verify sees: the archive, the side files it asked for, and the transfer checks. */
interface Downloaded {
  /** the archive's name */
  name: string
  archive: DownloadResult
  /** side files by name: their paths (kept in the Actions cache entry beside the archive) */
  files: Record<string, string>
  resolved: Resolved
  /** size and digest as the origin gave them, and `sha256` when the source knows it: the checks that ran */
  transfer(sha256?: string): string[]
}

export interface Verified {
  /** the `verified` output */
  verified: string
  checks: string[]
  signature?: SignatureOutcome
}

/** How a source proves a download: chosen per resolved version, from what it offers. */
export interface VerifyPlan<K = undefined> {
  /** side files to fetch with the archive, by name */
  files: string[]
  /**
   * the check proves the archive with a signature by the pinned signer, or throws: only
   * such a proof is trusted from the Actions cache (a checksums file alone is not)
   */
  signed?: boolean
  /** what else the check needs (a pinned key): fetched alongside, aborted with the files */
  prepare?: (signal: AbortSignal) => Promise<K>
  /** throws unless everything agrees; nothing is unpacked before it returns */
  check(d: Downloaded, prepared: K): Promise<Verified>
}

/** What a source supplies to the pipeline: data and small functions, no I/O of its own. */
export interface Recipe<K = undefined> {
  /** the tool-cache entry: `$RUNNER_TOOL_CACHE/<tool>/<version>/<arch>` */
  tool: string
  arch: string
  /** the archive's name for a version */
  asset(version: string): string
  /** the archive's one top-level directory */
  top(version: string): string
  /** the Actions cache slot and key part: the asset name, unless that is the same for every version */
  cacheName?(version: string): string
  /** the `verified` of a tool-cache entry from before entries recorded their own */
  verifiedDefault: string
  /** throws when the version lacks a file the check requires */
  verify(resolved: Resolved, asset: string): VerifyPlan<K>
}
