// The default source: resolve a podman-v* release, fetch and verify the asset, install it
// into the tool cache. With an exact version already cached, no request is made at all.
import * as core from '@actions/core'
import { fetchAsset } from '../release/fetch-asset.js'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import type { Arch } from '../step/context.js'
import type { Libc, Variant, VersionSpec } from '../inputs.js'
import type { Http, ToolCache } from '../ports/types.js'
import { CHECKSUMS, assetName, tagFor } from '../release/assets.js'
import { jobReleases, type ReleaseSource } from '../release/releases.js'
import { type Candidate, candidates, findAsset, pick } from '../release/resolve.js'
import { expectedSha, parseChecksums, verifyDownload } from '../verify/checksums.js'
import {
  checkSignature,
  planSignature,
  type SignatureMode,
  type SignatureOutcome,
} from '../verify/release-signature.js'
import { archiveSlot, type Cache, cacheKey, keyPrefix, restoreArchive, writeMeta } from '../install/archive-cache.js'
import { extractAuditCache, readMeta } from '../install/extract.js'

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
  /** the @actions/cache tier; undefined when `cache: false` */
  cache?: Cache
}

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

export const toolName = (variant: Variant, libc: Libc): string => `podman-${variant}-${libc}`

export async function installPigfoot(http: Http, tc: ToolCache, req: InstallRequest): Promise<InstallResult> {
  const name = (version: string) => assetName({ version, variant: req.variant, libc: req.libc, arch: req.arch })
  if (req.spec.exact && !req.checkLatest) {
    const hit =
      (await fromToolCache(tc, req, req.spec.exact)) ??
      (await fromActionsCache(req, req.spec.exact, name(req.spec.exact)))
    if (hit) return hit
  }
  const { releases } = await jobReleases(http, req.temp, req, req.checkLatest)
  const chosen = pick(candidates(releases, 'podman-v', req.spec), req.spec)
  const hit =
    (await fromToolCache(tc, req, chosen.version)) ??
    (await fromActionsCache(req, chosen.version, name(chosen.version)))
  if (hit) return hit
  return download(http, req, chosen, name(chosen.version))
}

/** The version `spec` resolves to: no request for an exact version unless check-latest. */
export async function resolveVersion(http: Http, req: InstallRequest): Promise<string> {
  if (req.spec.exact && !req.checkLatest) return req.spec.exact
  const { releases } = await jobReleases(http, req.temp, req, req.checkLatest)
  return pick(candidates(releases, 'podman-v', req.spec), req.spec).version
}

async function fromToolCache(tc: ToolCache, req: InstallRequest, version: string): Promise<InstallResult | undefined> {
  const root = tc.find(toolName(req.variant, req.libc), version, req.arch)
  if (!root) return undefined
  const meta = await readMeta(root)
  return { version, root, cacheHit: 'tool-cache', verified: meta?.verified ?? 'sha256', checks: [], asset: meta?.asset }
}

async function fromActionsCache(
  req: InstallRequest,
  version: string,
  asset: string,
): Promise<InstallResult | undefined> {
  if (!req.cache) return undefined
  const slot = archiveSlot(req.temp, asset)
  const meta = await restoreArchive(req.cache, slot, keyPrefix(req.owner, req.repo, asset))
  if (!meta) return undefined
  const root = await extractAuditCache(slot.archive, tagFor(version), cacheKeyOf(req, version), meta)
  return {
    version,
    root,
    cacheHit: 'actions-cache',
    verified: meta.verified,
    checks: [`sha256 ${meta.sha256} (cache entry)`],
    asset,
  }
}

const cacheKeyOf = (req: InstallRequest, version: string) => ({
  tool: toolName(req.variant, req.libc),
  version,
  arch: req.arch,
})

async function download(http: Http, req: InstallRequest, chosen: Candidate, name: string): Promise<InstallResult> {
  const slot = archiveSlot(req.temp, name)
  const fetched = await fetchVerified(http, req, chosen, name, slot.archive)
  const verified = fetched.signature.result ? 'signature+sha256' : 'sha256'
  const meta = { asset: name, sha256: fetched.sha256, verified }
  await writeMeta(slot, meta)
  const root = await extractAuditCache(slot.archive, tagFor(chosen.version), cacheKeyOf(req, chosen.version), meta)
  const cacheSave = req.cache && { key: cacheKey(req.owner, req.repo, name, fetched.sha256), paths: [slot.dir] }
  return {
    version: chosen.version,
    root,
    cacheHit: false,
    verified,
    checks: fetched.checks,
    signature: fetched.signature,
    asset: name,
    cacheSave,
  }
}

interface Fetched {
  sha256: string
  checks: string[]
  signature: SignatureOutcome
}

/**
 * Asset, checksums.txt and the signature bundle are fetched together; the signature is
 * checked first, then the asset against the (signed) checksums. Nothing is extracted
 * before all of them agree.
 */
async function fetchVerified(
  http: Http,
  req: InstallRequest,
  chosen: Candidate,
  name: string,
  dest: string,
): Promise<Fetched> {
  const asset = findAsset(chosen.release, name)
  const sums = findAsset(chosen.release, CHECKSUMS)
  const plan = planSignature(chosen.release, name, req.verifySignature)
  await rm(path.dirname(dest), { recursive: true, force: true })
  await mkdir(path.dirname(dest), { recursive: true })
  const dir = await mkdtemp(path.join(req.temp, 'ssp-dl-'))
  try {
    const [got, sumsFile, bundle] = await Promise.all([
      fetchAsset(http, asset, dest),
      fetchAsset(http, sums, path.join(dir, CHECKSUMS)),
      plan.bundle && fetchAsset(http, plan.bundle, path.join(dir, plan.bundle.name)),
    ])
    const policy = { identity: req.signerIdentity, issuer: req.signerIssuer }
    const signedFile = plan.signs === 'asset' ? got.path : sumsFile.path
    const signature = bundle
      ? await checkSignature(req.verifySignature, bundle.path, signedFile, policy, req.trustedRoot)
      : skippedSignature(req.verifySignature, plan.missing)
    const checksums = parseChecksums(await readFile(sumsFile.path, 'utf8'))
    const checks = verifyDownload(got, {
      name,
      size: asset.size,
      sha256: expectedSha(checksums, name),
      digest: asset.digest,
    })
    if (signature.result) checks.unshift(`signature (${plan.signs === 'asset' ? name : CHECKSUMS})`)
    return { sha256: got.sha256, checks, signature }
  } catch (err) {
    await rm(path.dirname(dest), { recursive: true, force: true })
    throw err
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

function skippedSignature(mode: SignatureMode, missing?: string): SignatureOutcome {
  if (mode === 'auto') core.warning(`No signature to verify: ${missing}. Verifying with sha256 only.`)
  return { skipped: missing }
}
