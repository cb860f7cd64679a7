// Second cache tier: the archive in @actions/cache with what proves it (checksums.txt and its
// Sigstore bundle, or the .asc), keyed by repository, asset and sha256. Restored in main by
// prefix (so a pinned version needs no API request) and re-verified before use (restored.ts);
// saved in post only after main succeeded. A failing cache service is a log line: the release is downloaded instead.
import * as core from '@actions/core'
import type * as cache from '@actions/cache'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { scrubEnv } from '../ports/env.js'
import { errorText } from '../ports/exec.js'

export interface Cache {
  isFeatureAvailable(): boolean | Promise<boolean>
  restoreCache: typeof cache.restoreCache
  saveCache: typeof cache.saveCache
}

type CacheLib = Pick<typeof cache, 'isFeatureAvailable' | 'restoreCache' | 'saveCache'>

/**
 * @actions/cache, loaded on first use: with its Azure storage client it costs about 0.1 s of
 * CPU to load, and a tool-cache hit never uses it. Nor does a job with neither service variable
 * (a self-hosted runner without the service, act): the library reads its URL from
 * ACTIONS_CACHE_URL (cache service v1) or ACTIONS_RESULTS_URL (v2), so with neither it can only
 * answer no, and is not loaded to say so.
 */
export function actionsCache(
  load: () => Promise<CacheLib> = () => import('@actions/cache'),
  env: NodeJS.ProcessEnv = process.env,
): Cache {
  const named = () => Boolean(env.ACTIONS_CACHE_URL || env.ACTIONS_RESULTS_URL)
  return {
    isFeatureAvailable: async () => named() && (await load()).isFeatureAvailable(),
    restoreCache: async (...a) => (await load()).restoreCache(...a),
    saveCache: async (...a) => (await load()).saveCache(...a),
  }
}

// v2: entries hold the proof beside the archive, and '/' separates the key's parts.
const PREFIX = 'setup-static-podman-v2'

export interface ArchiveSlot {
  dir: string
  archive: string
}

/** A fixed place per asset: @actions/cache restores to the paths it saved. */
export function archiveSlot(temp: string, asset: string): ArchiveSlot {
  const dir = path.join(temp, 'setup-static-podman', 'archives', asset)
  return { dir, archive: path.join(dir, asset) }
}

/** '/' occurs in no owner, repository or asset name: `a-b/c` and `a/b-c` never share a prefix. */
export const keyPrefix = (owner: string, repo: string, asset: string): string => `${PREFIX}/${owner}/${repo}/${asset}/`
export const cacheKey = (owner: string, repo: string, asset: string, sha256: string): string =>
  keyPrefix(owner, repo, asset) + sha256

/**
 * @actions/cache spawns tar and zstd with a copy of process.env and takes no environment of
 * ours, so for the length of the call the variables no child may see (the inputs, the
 * repository token) are out of process.env. The ACTIONS_* service variables stay: the
 * library reads its own URL and token from there between the spawns. Main and post make
 * this call with nothing else running beside it.
 */
async function withoutSecrets<T>(call: () => Promise<T>, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const kept = scrubEnv(env)
  const removed = Object.entries(env).filter(([k]) => !(k in kept) && !/^ACTIONS_/i.test(k))
  for (const [k] of removed) delete env[k]
  try {
    return await call()
  } finally {
    for (const [k, v] of removed) env[k] = v
  }
}

/**
 * Restores by prefix into an emptied slot and returns the key, or undefined. What comes
 * back is not trusted: the caller verifies it as it would a download.
 */
export async function restoreArchive(c: Cache, slot: ArchiveSlot, prefix: string): Promise<string | undefined> {
  if (!(await c.isFeatureAvailable())) return undefined
  try {
    await rm(slot.dir, { recursive: true, force: true })
    return await withoutSecrets(() => c.restoreCache([slot.dir], prefix, [prefix]))
  } catch (err) {
    core.info(`Restoring the archive from the cache failed: ${errorText(err)}`)
    return undefined
  }
}

export async function saveArchive(c: Cache, key: string, paths: string[]): Promise<void> {
  if (!(await c.isFeatureAvailable())) {
    core.info('The Actions cache service is not available here; the archive was not saved.')
    return
  }
  try {
    await withoutSecrets(() => c.saveCache(paths, key))
    core.info(`Saved the verified archive and its proof to the Actions cache as ${key}`)
  } catch (err) {
    core.info(`Saving the archive to the cache failed: ${errorText(err)}`)
  }
}
