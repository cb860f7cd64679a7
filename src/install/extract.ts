// Unpack a verified archive as the runner user, audit it, and commit it to the tool cache.
// The unpack happens inside the tool cache's own directory so that committing is a rename,
// not a copy of 170 MB; the `.complete` marker is written last, as @actions/tool-cache
// does, so tc.find never sees a half-finished entry.
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import lockfile from 'proper-lockfile'
import semver from 'semver'
import { type AuditLimits, auditTree, DEFAULT_LIMITS } from './audit.js'
import { type Unpack, unpackAudited } from './unpack.js'

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

/** The same place @actions/tool-cache uses: $RUNNER_TOOL_CACHE/tool/version/arch. */
function entryPath(key: CacheKey): string {
  const root = process.env.RUNNER_TOOL_CACHE
  if (!root) throw new Error('RUNNER_TOOL_CACHE is not set: this must run on a GitHub Actions runner')
  return path.join(root, key.tool, semver.clean(key.version) ?? key.version, key.arch)
}

export async function extractAuditCache(
  archive: string,
  top: string,
  key: CacheKey,
  meta: EntryMeta,
  unpack: Unpack = unpackAudited,
  limits: AuditLimits = DEFAULT_LIMITS,
): Promise<string> {
  const dest = entryPath(key)
  await mkdir(path.dirname(dest), { recursive: true })
  await removeStaleStaging(path.dirname(dest))
  const staging = await mkdtemp(path.join(path.dirname(dest), '.partial-'))
  try {
    // The whole listing audited before tar starts, the tree tar made once it has exited; a
    // refused archive leaves nothing (staging is removed).
    await unpack(archive, staging, top, limits)
    const { top: dir } = await auditTree(staging, top, limits)
    await writeFile(path.join(dir, META), JSON.stringify(meta))
    await commit(dir, dest)
    return dest
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
}

/**
 * Under the entry's lock (another job on this machine may be committing the same version):
 * a complete entry is never replaced, since a job may be running podman from it; this
 * unpack is dropped instead. Only an entry without its marker (a killed job's) is replaced.
 */
async function commit(dir: string, dest: string): Promise<void> {
  const release = await lockfile.lock(dest, LOCK)
  try {
    if (await exists(`${dest}.complete`)) return
    await rm(dest, { recursive: true, force: true })
    await rename(dir, dest)
    await writeFile(`${dest}.complete`, '')
  } finally {
    await release()
  }
}

const exists = (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    () => false,
  )

/** A commit is a rename: a minute is plenty to wait for another job's; a lock not refreshed for 30 s is dead. */
const LOCK = { realpath: false, stale: 30_000, retries: { retries: 60, minTimeout: 250, maxTimeout: 2000 } }

/** A job killed mid-unpack leaves its staging dir; one untouched for an hour is no one's. */
const STALE_STAGING_MS = 3_600_000

async function removeStaleStaging(dir: string, now = Date.now()): Promise<string[]> {
  const removed: string[] = []
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith('.partial-')) continue
    const p = path.join(dir, name)
    const st = await stat(p).catch(() => undefined)
    if (!st || now - st.mtimeMs < STALE_STAGING_MS) continue
    await rm(p, { recursive: true, force: true })
    removed.push(p)
  }
  return removed
}
