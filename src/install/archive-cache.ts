// Second cache tier: the verified archive in @actions/cache, keyed by repository, asset
// and sha256. Restored in main by prefix (so a pinned version needs no API request),
// saved in post only after main succeeded. Cache service failures are warnings.
import * as core from '@actions/core'
import type * as cache from '@actions/cache'
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { errorText } from '../ports/exec.js'

export type Cache = Pick<typeof cache, 'isFeatureAvailable' | 'restoreCache' | 'saveCache'>

const PREFIX = 'setup-static-podman-v1'

export interface ArchiveSlot {
  dir: string
  archive: string
  meta: string
}

export interface ArchiveMeta {
  asset: string
  sha256: string
  verified: string
}

/** A fixed place per asset: @actions/cache restores to the paths it saved. */
export function archiveSlot(temp: string, asset: string): ArchiveSlot {
  const dir = path.join(temp, 'setup-static-podman', 'archives', asset)
  return { dir, archive: path.join(dir, asset), meta: path.join(dir, 'meta.json') }
}

export const keyPrefix = (owner: string, repo: string, asset: string): string => `${PREFIX}-${owner}-${repo}-${asset}-`
export const cacheKey = (owner: string, repo: string, asset: string, sha256: string): string =>
  keyPrefix(owner, repo, asset) + sha256

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/**
 * Restores by prefix; the entry is accepted only when the archive's sha256 equals the one
 * its key names (a damaged entry is a miss, never an install).
 */
export async function restoreArchive(c: Cache, slot: ArchiveSlot, prefix: string): Promise<ArchiveMeta | undefined> {
  if (!c.isFeatureAvailable()) return undefined
  try {
    const key = await c.restoreCache([slot.dir], prefix, [prefix])
    if (!key) return undefined
    const meta = JSON.parse(await readFile(slot.meta, 'utf8')) as ArchiveMeta
    const actual = await sha256File(slot.archive)
    if (!key.endsWith(actual) || meta.sha256 !== actual) {
      core.warning(`Cache entry ${key} does not match its archive (sha256 ${actual}); downloading instead.`)
      return undefined
    }
    return meta
  } catch (err) {
    core.warning(`Restoring the archive from the cache failed: ${errorText(err)}`)
    return undefined
  }
}

export async function writeMeta(slot: ArchiveSlot, meta: ArchiveMeta): Promise<void> {
  await mkdir(slot.dir, { recursive: true })
  await writeFile(slot.meta, JSON.stringify(meta))
}

export async function saveArchive(c: Cache, key: string, paths: string[]): Promise<void> {
  if (!c.isFeatureAvailable()) {
    core.info('The Actions cache service is not available here; the archive was not saved.')
    return
  }
  try {
    await c.saveCache(paths, key)
    core.info(`Saved the verified archive to the Actions cache as ${key}`)
  } catch (err) {
    core.warning(`Saving the archive to the cache failed: ${errorText(err)}`)
  }
}
