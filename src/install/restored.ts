// A restored Actions cache entry proves nothing by itself: whoever could save an entry in
// this cache scope (a pull_request_target job, a compromised build step) wrote its archive,
// its key and any sha256 beside them. The entry carries what proves the archive (checksums.txt
// and its Sigstore bundle, or the .asc), and the source's own check runs over those files,
// with no download, before anything is unpacked. Only a signature by the pinned signer counts:
// a checksums file alone is the entry vouching for itself.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { lstat, readdir } from 'node:fs/promises'
import path from 'node:path'
import type { DownloadResult } from '../ports/types.js'
import { verifyDownload } from '../verify/checksums.js'
import type { ArchiveSlot } from './archive-cache.js'
import type { Recipe, Resolved, Verified } from './types.js'

class UnprovenEntryError extends Error {}

export async function hashFile(file: string): Promise<DownloadResult> {
  const hash = createHash('sha256')
  let bytes = 0
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer)
    bytes += (chunk as Buffer).length
  }
  return { path: file, bytes, sha256: hash.digest('hex') }
}

/** Regular files only: a link in the entry could point the check at one file and the unpack at another. */
async function regularFiles(dir: string): Promise<string[]> {
  const names: string[] = []
  for (const name of await readdir(dir)) if ((await lstat(path.join(dir, name))).isFile()) names.push(name)
  return names
}

/** Throws unless the entry in `slot` proves its archive is the release's `version`. */
export async function verifyRestored<K>(
  recipe: Recipe<K>,
  slot: ArchiveSlot,
  version: string,
): Promise<{ sha256: string; verified: Verified }> {
  const name = recipe.asset(version)
  const stored = path.basename(slot.archive)
  const names = await regularFiles(slot.dir)
  if (!names.includes(stored)) throw new UnprovenEntryError(`it holds no archive ${stored}`)
  const files = names.map((n) => ({ name: n === stored ? name : n }))
  const resolved: Resolved = { version, label: `${version} (Actions cache entry)`, files }
  const plan = recipe.verify(resolved, name)
  if (!plan.signed) throw new UnprovenEntryError('it carries no signature to verify')
  const missing = plan.files.filter((f) => !names.includes(f))
  if (missing.length) throw new UnprovenEntryError(`it holds no ${missing.join(', ')}`)
  // The pinned key: from the tool cache, or fetched and checked against the pin as for a download.
  const prepared = plan.prepare ? await plan.prepare(new AbortController().signal) : (undefined as K)
  const archive = await hashFile(slot.archive)
  const sides = Object.fromEntries(plan.files.map((f) => [f, path.join(slot.dir, f)]))
  const transfer = (sha256?: string) => verifyDownload(archive, { name, sha256 })
  const verified = await plan.check({ name, archive, files: sides, resolved, transfer }, prepared)
  return { sha256: archive.sha256, verified }
}
