// The one acquisition pipeline every downloading source runs: resolve -> download (all files
// at once, one abort signal) -> verify -> unpack -> audit -> commit to the tool cache, with
// the Actions cache tier beside it. With an exact version already cached, no request is made.
import * as core from '@actions/core'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import type { VersionSpec } from '../inputs.js'
import { errorText } from '../ports/exec.js'
import type { Clock, Phase } from '../ports/timings.js'
import type { ToolCache } from '../ports/types.js'
import { type ArchiveSlot, archiveSlot, type Cache, cacheKey, keyPrefix, restoreArchive } from './archive-cache.js'
import { fetchVerified } from './download.js'
import { type CacheKey, extractAuditCache, readMeta } from './extract.js'
import { verifyRestored } from './restored.js'
import type { InstallResult, Offered, Origin, Recipe, Resolved, Verified } from './types.js'

export interface AcquireRequest {
  spec: VersionSpec
  checkLatest: boolean
  temp: string
  tc: ToolCache
  /** the Actions cache tier and the repository its keys name; undefined with `cache: false` */
  cache?: CacheTier
  /** the step's phase clock: resolve, download, verify, unpack */
  clock?: Pick<Clock, 'time'>
}

type Timed = <T>(phase: Phase, fn: () => Promise<T>) => Promise<T>
const timer = (req: Pick<AcquireRequest, 'clock'>): Timed => req.clock?.time ?? ((_phase, fn) => fn())

interface CacheTier {
  service: Cache
  owner: string
  repo: string
}

export async function acquire<K, F extends Offered>(
  recipe: Recipe<K>,
  origin: Origin<F>,
  req: AcquireRequest,
): Promise<InstallResult> {
  const pinned = req.spec.exact && !req.checkLatest ? req.spec.exact : undefined
  if (pinned) {
    const hit = await fromCaches(recipe, req, pinned)
    if (hit) return hit
  }
  const resolved = await timer(req)('resolve', () => origin.resolve(req.spec, req.checkLatest))
  // The caches were just asked for a pinned version: a second restore would only repeat the miss.
  const hit = resolved.version === pinned ? undefined : await fromCaches(recipe, req, resolved.version)
  return hit ?? fromOrigin(recipe, origin, req, resolved)
}

/** The version `spec` resolves to: no request for an exact version unless check-latest. */
export async function resolveVersion(origin: Origin, req: Pick<AcquireRequest, 'spec' | 'checkLatest'>) {
  if (req.spec.exact && !req.checkLatest) return req.spec.exact
  return (await origin.resolve(req.spec, req.checkLatest)).version
}

const slotName = (recipe: Recipe<unknown>, version: string): string =>
  recipe.cacheName?.(version) ?? recipe.asset(version)
const entryKey = (recipe: Recipe<unknown>, version: string): CacheKey => ({
  tool: recipe.tool,
  version,
  arch: recipe.arch,
})

/** A tool-cache lookup is part of resolving; an Actions cache restore is a download, a verify and an unpack. */
async function fromCaches<K>(recipe: Recipe<K>, req: AcquireRequest, version: string) {
  const hit = await timer(req)('resolve', () => fromToolCache(recipe, req.tc, version))
  return hit ?? (await fromActionsCache(recipe, req, version))
}

async function fromToolCache<K>(recipe: Recipe<K>, tc: ToolCache, version: string): Promise<InstallResult | undefined> {
  const root = tc.find(recipe.tool, version, recipe.arch)
  if (!root) return undefined
  const meta = await readMeta(root)
  const verified = meta?.verified ?? recipe.verifiedDefault
  return { version, root, cacheHit: 'tool-cache', verified, checks: [], asset: meta?.asset }
}

/** A restored entry is verified as a download is; one that fails is discarded and the release downloaded. */
async function fromActionsCache<K>(recipe: Recipe<K>, req: AcquireRequest, version: string) {
  if (!req.cache) return undefined
  const name = slotName(recipe, version)
  const slot = archiveSlot(req.temp, name)
  const { service, owner, repo } = req.cache
  const time = timer(req)
  const key = await time('download', () => restoreArchive(service, slot, keyPrefix(owner, repo, name)))
  if (!key) return undefined
  const proof = await time('verify', () => verifyRestored(recipe, slot, version)).catch((err: unknown) => {
    core.warning(
      `The Actions cache entry ${key} does not prove its archive (${errorText(err)}); downloading the release ` +
        'instead. An entry that is not the release should be deleted (gh cache delete).',
    )
  })
  if (!proof) {
    await rm(slot.dir, { recursive: true, force: true })
    return undefined
  }
  const { verified } = proof
  const root = await unpackVerified(recipe, version, slot, verified, time)
  const hit: InstallResult = { version, root, cacheHit: 'actions-cache', ...verified, asset: recipe.asset(version) }
  return hit
}

/** The verified archive in `slot`, unpacked, audited and committed to the tool cache: its root. */
function unpackVerified<K>(recipe: Recipe<K>, version: string, slot: ArchiveSlot, v: Verified, time: Timed) {
  const entry = { asset: recipe.asset(version), verified: v.verified }
  const unpack = () => extractAuditCache(slot.archive, recipe.top(version), entryKey(recipe, version), entry)
  return time('unpack', unpack)
}

/** Download and verify, then unpack, audit and commit; post saves a signed slot to the Actions cache. */
async function fromOrigin<K, F extends Offered>(
  recipe: Recipe<K>,
  origin: Origin<F>,
  req: AcquireRequest,
  resolved: Resolved<F>,
): Promise<InstallResult> {
  const { version } = resolved
  const asset = recipe.asset(version)
  const slot = archiveSlot(req.temp, slotName(recipe, version))
  const name = path.basename(slot.archive)
  const time = timer(req)
  const { sha256, verified, signed } = await fetchVerified(recipe, origin, resolved, slot.archive, time)
  const root = await unpackVerified(recipe, version, slot, verified, time)
  // An unsigned archive is not saved: a restore could not tell it from a planted one.
  const tier = signed ? req.cache : undefined
  const cacheSave = tier && { key: cacheKey(tier.owner, tier.repo, name, sha256), paths: [slot.dir] }
  return { version, root, cacheHit: false, ...verified, asset, cacheSave }
}
