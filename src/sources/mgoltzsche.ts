// The mgoltzsche/podman-static source: tags vX.Y.Z, one asset per arch, a detached OpenPGP
// signature and no checksums file. The signature over the archive, by the pinned key, is the
// integrity check; the API's size (and digest, when it gives one) guard the transfer.
import { fetchAsset } from '../release/fetch-asset.js'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import path from 'node:path'
import type { Arch } from '../step/context.js'
import type { Inputs, VersionSpec } from '../inputs.js'
import type { Http, ToolCache } from '../ports/types.js'
import { jobReleases, type ReleaseSource } from '../release/releases.js'
import { type Candidate, candidates, findAsset, pick } from '../release/resolve.js'
import { verifyDownload } from '../verify/checksums.js'
import { verifyDetached } from '../verify/openpgp.js'
import { pinnedKey } from '../verify/pgp-key.js'
import { archiveSlot, type Cache, cacheKey, keyPrefix, restoreArchive, writeMeta } from '../install/archive-cache.js'
import { extractAuditCache, readMeta } from '../install/extract.js'
import type { Layout } from '../install/layout.js'
import type { InstallResult } from './pigfoot.js'

export interface MgoltzscheRequest extends ReleaseSource {
  spec: VersionSpec
  checkLatest: boolean
  arch: Arch
  temp: string
  /** RUNNER_TOOL_CACHE, where the signing key is kept */
  toolCache: string
  /** the pinned signing key (source-key-fingerprint) */
  fingerprint: string
  cache?: Cache
  /** default keys.openpgp.org */
  keyserver?: string
}

export const MGOLTZSCHE_TOOL = 'podman-mgoltzsche'
const TAG_PREFIX = 'v'
export const mgoltzscheAsset = (arch: Arch): string => `podman-linux-${arch}.tar.gz`
export const mgoltzscheTop = (arch: Arch): string => `podman-linux-${arch}`
export const signatureName = (asset: string): string => `${asset}.asc`

const LIB = 'usr/local/lib/podman'
const BIN = 'usr/local/bin'

/**
 * Everything is bundled, like pigfoot's full asset. Its etc/containers is never installed
 * (its storage.conf forces fuse-overlayfs); wire.ts keeps its non-setuid fusermount3 off PATH.
 */
export const MGOLTZSCHE_LAYOUT: Layout = {
  bin: BIN,
  crun: `${BIN}/crun`,
  conmon: `${LIB}/conmon`,
  catatonit: `${LIB}/catatonit`,
  // pasta lives in usr/local/bin: podman looks for it in helper dirs first, then PATH.
  helperDirs: [LIB, BIN],
}

/** The asset name is the same for every version: the Actions cache key needs the version too. */
const cacheName = (version: string, arch: Arch): string => `mgoltzsche-v${version}-${mgoltzscheAsset(arch)}`
const keyOf = (req: MgoltzscheRequest, version: string) => ({ tool: MGOLTZSCHE_TOOL, version, arch: req.arch })

export async function installMgoltzsche(http: Http, tc: ToolCache, req: MgoltzscheRequest): Promise<InstallResult> {
  if (req.spec.exact && !req.checkLatest) {
    const hit = await fromCaches(tc, req, req.spec.exact)
    if (hit) return hit
  }
  const chosen = await choose(http, req)
  return (await fromCaches(tc, req, chosen.version)) ?? download(http, req, chosen)
}

/** The version `spec` resolves to: no request for an exact version unless check-latest. */
export async function resolveMgoltzscheVersion(http: Http, req: MgoltzscheRequest): Promise<string> {
  if (req.spec.exact && !req.checkLatest) return req.spec.exact
  return (await choose(http, req)).version
}

async function choose(http: Http, req: MgoltzscheRequest): Promise<Candidate> {
  const { releases } = await jobReleases(http, req.temp, req, req.checkLatest)
  return pick(candidates(releases, TAG_PREFIX, req.spec, 'tag'), req.spec)
}

async function fromCaches(tc: ToolCache, req: MgoltzscheRequest, version: string): Promise<InstallResult | undefined> {
  const root = tc.find(MGOLTZSCHE_TOOL, version, req.arch)
  if (root) {
    const meta = await readMeta(root)
    return {
      version,
      root,
      cacheHit: 'tool-cache',
      verified: meta?.verified ?? 'openpgp-signature',
      checks: [],
      asset: meta?.asset,
    }
  }
  if (!req.cache) return undefined
  const name = cacheName(version, req.arch)
  const slot = archiveSlot(req.temp, name)
  const meta = await restoreArchive(req.cache, slot, keyPrefix(req.owner, req.repo, name))
  if (!meta) return undefined
  const entry = { asset: mgoltzscheAsset(req.arch), verified: meta.verified }
  const cached = await extractAuditCache(slot.archive, mgoltzscheTop(req.arch), keyOf(req, version), entry)
  return {
    version,
    root: cached,
    cacheHit: 'actions-cache',
    verified: meta.verified,
    checks: [`sha256 ${meta.sha256} (cache entry)`],
    asset: entry.asset,
  }
}

async function download(http: Http, req: MgoltzscheRequest, chosen: Candidate): Promise<InstallResult> {
  const asset = mgoltzscheAsset(req.arch)
  const slot = archiveSlot(req.temp, cacheName(chosen.version, req.arch))
  const fetched = await fetchVerified(http, req, chosen, slot.archive)
  const verified = ['openpgp-signature', ...fetched.checks].join('+')
  await writeMeta(slot, { asset: path.basename(slot.archive), sha256: fetched.sha256, verified })
  const entry = { asset, verified }
  const root = await extractAuditCache(slot.archive, mgoltzscheTop(req.arch), keyOf(req, chosen.version), entry)
  const cacheSave = req.cache && {
    key: cacheKey(req.owner, req.repo, path.basename(slot.archive), fetched.sha256),
    paths: [slot.dir],
  }
  const checks = [`openpgp signature by ${fetched.signer}`, ...fetched.checks]
  return { version: chosen.version, root, cacheHit: false, verified, checks, asset, cacheSave }
}

/** Archive, signature and key together; nothing is extracted unless the signature verifies. */
async function fetchVerified(http: Http, req: MgoltzscheRequest, chosen: Candidate, dest: string) {
  const name = mgoltzscheAsset(req.arch)
  const asset = findAsset(chosen.release, name)
  const sig = findAsset(chosen.release, signatureName(name))
  await rm(path.dirname(dest), { recursive: true, force: true })
  await mkdir(path.dirname(dest), { recursive: true })
  const dir = await mkdtemp(path.join(req.temp, 'ssp-dl-'))
  try {
    const [got, sigFile, key] = await Promise.all([
      fetchAsset(http, asset, dest),
      fetchAsset(http, sig, path.join(dir, sig.name)),
      pinnedKey(http, {
        apiUrl: req.apiUrl,
        owner: req.owner,
        fingerprint: req.fingerprint,
        temp: req.temp,
        toolCache: req.toolCache,
        keyserver: req.keyserver,
      }),
    ])
    const checks = verifyDownload(got, { name, size: asset.size, digest: asset.digest })
    const pgp = await verifyDetached(got.path, sigFile.path, key.key, req.fingerprint, name)
    return { sha256: got.sha256, checks, signer: pgp.signingKey }
  } catch (err) {
    await rm(path.dirname(dest), { recursive: true, force: true })
    throw err
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** variant and libc describe pigfoot's assets only: the text of the warning, when they were set. */
export function ignoredInputsWarning(inputs: Pick<Inputs, 'source' | 'variant' | 'libc'>): string | undefined {
  if (inputs.source === 'pigfoot') return undefined
  const given = [
    inputs.variant !== 'default' && `variant: ${inputs.variant}`,
    inputs.libc !== 'static' && `libc: ${inputs.libc}`,
  ].filter(Boolean)
  if (given.length === 0) return undefined
  const what =
    inputs.source === 'system'
      ? 'the podman already on the runner is used as it is'
      : 'mgoltzsche/podman-static publishes one asset per architecture'
  return `${given.join(' and ')} ignored with source: ${inputs.source}: ${what}.`
}
