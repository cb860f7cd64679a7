// Unpack a verified archive as the runner user into a fresh dir, audit it, then hand it to
// the tool cache, which marks the entry complete only after the copy has finished.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { ToolCache } from '../ports.js'
import { auditTree } from './audit.js'
import { type Untar, untar } from './untar.js'

export interface CacheKey {
  tool: string
  version: string
  arch: string
}

/** What an entry records about itself, so a cache hit can say how it was verified. */
export interface EntryMeta {
  asset: string
  verified: string
}

const META = '.setup-static-podman.json'

export async function readMeta(root: string): Promise<EntryMeta | undefined> {
  try {
    return JSON.parse(await readFile(path.join(root, META), 'utf8')) as EntryMeta
  } catch {
    return undefined
  }
}

export async function extractAuditCache(
  tc: ToolCache,
  archive: string,
  temp: string,
  top: string,
  key: CacheKey,
  meta: EntryMeta,
  unpack: Untar = untar,
): Promise<string> {
  const dest = await mkdtemp(path.join(temp, 'ssp-x-'))
  try {
    await unpack(archive, dest)
    const { top: dir } = await auditTree(dest, top)
    await writeFile(path.join(dir, META), JSON.stringify(meta))
    return await tc.cacheDir(dir, key.tool, key.version, key.arch)
  } finally {
    await rm(dest, { recursive: true, force: true })
  }
}
