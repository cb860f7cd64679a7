// The default source: resolve a podman-v* release, fetch and verify the asset, install it
// into the tool cache. With an exact version already cached, no request is made at all.
import * as core from '@actions/core'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import type { Arch } from '../context.js'
import type { Libc, Variant, VersionSpec } from '../inputs.js'
import type { Http, ToolCache } from '../ports.js'
import { CHECKSUMS, assetName, tagFor } from '../release/assets.js'
import { jobReleases, type ReleaseSource } from '../release/releases.js'
import { type Candidate, candidates, findAsset, pick, type ReleaseAsset } from '../release/resolve.js'
import { expectedSha, parseChecksums, verifyDownload } from '../verify/checksums.js'
import { checkSignature, planSignature, type SignatureMode, type SignatureOutcome } from '../verify/release-signature.js'
import { extractAuditCache, readMeta } from './extract.js'

export interface InstallRequest extends ReleaseSource {
  spec: VersionSpec
  checkLatest: boolean
  variant: Variant
  libc: Libc
  arch: Arch
  temp: string
  verifySignature: SignatureMode
  signerIdentity: RegExp
  signerIssuer: string
  /** parsed trusted_root.json; undefined: the Sigstore root @sigstore/tuf embeds */
  trustedRoot?: unknown
}

export interface InstallResult {
  version: string
  root: string
  /** 'tool-cache' when nothing was downloaded */
  cacheHit: false | 'tool-cache'
  /** the `verified` output: `sha256` (or `signature+sha256`), recorded in the entry on a hit */
  verified: string
  /** every check that ran on this download, e.g. ['size', 'sha256', 'digest'] */
  checks: string[]
  asset?: string
  apiCached?: boolean
  signature?: SignatureOutcome
}

export const toolName = (variant: Variant, libc: Libc): string => `podman-${variant}-${libc}`

export async function installPigfoot(http: Http, tc: ToolCache, req: InstallRequest): Promise<InstallResult> {
  const tool = toolName(req.variant, req.libc)
  if (req.spec.exact && !req.checkLatest) {
    const hit = await fromToolCache(tc, tool, req.spec.exact, req.arch)
    if (hit) return hit
  }
  const { releases, cached } = await jobReleases(http, req.temp, req, req.checkLatest)
  const chosen = pick(candidates(releases, 'podman-v', req.spec), req.spec)
  const hit = await fromToolCache(tc, tool, chosen.version, req.arch)
  if (hit) return { ...hit, apiCached: cached }
  const fetched = await fetchVerified(http, req, chosen)
  try {
    const key = { tool, version: chosen.version, arch: req.arch }
    const verified = fetched.signature.result ? 'signature+sha256' : 'sha256'
    const meta = { asset: fetched.asset.name, verified }
    const dir = await extractAuditCache(tc, fetched.archive, req.temp, tagFor(chosen.version), key, meta)
    const { checks, signature } = fetched
    return { version: chosen.version, root: dir, cacheHit: false, verified, checks, signature, asset: meta.asset, apiCached: cached }
  } finally {
    await rm(fetched.dir, { recursive: true, force: true })
  }
}

async function fromToolCache(tc: ToolCache, tool: string, version: string, arch: string): Promise<InstallResult | undefined> {
  const root = tc.find(tool, version, arch)
  if (!root) return undefined
  const meta = await readMeta(root)
  return { version, root, cacheHit: 'tool-cache', verified: meta?.verified ?? 'sha256', checks: [], asset: meta?.asset }
}

interface Fetched {
  dir: string
  archive: string
  asset: ReleaseAsset
  checks: string[]
  signature: SignatureOutcome
}

/**
 * Asset, checksums.txt and the signature bundle are fetched together; the signature is
 * checked first, then the asset against the (signed) checksums. Nothing is extracted
 * before all of them agree.
 */
async function fetchVerified(http: Http, req: InstallRequest, chosen: Candidate): Promise<Fetched> {
  const name = assetName({ version: chosen.version, variant: req.variant, libc: req.libc, arch: req.arch })
  const asset = findAsset(chosen.release, name)
  const sums = findAsset(chosen.release, CHECKSUMS)
  const plan = planSignature(chosen.release, name, req.verifySignature)
  const dir = await mkdtemp(path.join(req.temp, 'ssp-dl-'))
  try {
    const [got, sumsFile, bundle] = await Promise.all([
      http.download(downloadUrl(asset), path.join(dir, name)),
      http.download(downloadUrl(sums), path.join(dir, CHECKSUMS)),
      plan.bundle && http.download(downloadUrl(plan.bundle), path.join(dir, plan.bundle.name)),
    ])
    const policy = { identity: req.signerIdentity, issuer: req.signerIssuer }
    const signedFile = plan.signs === 'asset' ? got.path : sumsFile.path
    const signature = bundle
      ? await checkSignature(req.verifySignature, bundle.path, signedFile, policy, req.trustedRoot)
      : skippedSignature(req.verifySignature, plan.missing)
    const checksums = parseChecksums(await readFile(sumsFile.path, 'utf8'))
    const checks = verifyDownload(got, { name, size: asset.size, sha256: expectedSha(checksums, name), digest: asset.digest })
    if (signature.result) checks.unshift(`signature (${plan.signs === 'asset' ? name : CHECKSUMS})`)
    return { dir, archive: got.path, asset, checks, signature }
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
}

function skippedSignature(mode: SignatureMode, missing?: string): SignatureOutcome {
  if (mode === 'auto') core.warning(`No signature to verify: ${missing}. Verifying with sha256 only.`)
  return { skipped: missing }
}

/**
 * The API asset URL serves the bytes to an authenticated client (private mirrors, GHES);
 * browser_download_url is the public fallback when the API gives no url.
 */
const downloadUrl = (a: ReleaseAsset): string => a.url || a.browser_download_url
