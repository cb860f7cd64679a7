// The resolve and fetch stages for files on disk: a local build (source: archive) and the
// files beside it are offered as a release offers its assets, so the one pipeline copies,
// verifies, unpacks, audits and commits it like a download.
import { copyFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { hashFile } from './restored.js'
import type { Offered, Origin } from './types.js'

/**
 * `file` and the files (and links to files) of its directory. `version` names the tool-cache entry: for a
 * local build, its pinned sha256 (a hit is then an earlier install of these very bytes).
 */
export function localOrigin(file: string, version: string): Origin<Offered> {
  const dir = path.dirname(file)
  return {
    async resolve() {
      const entries = await readdir(dir, { withFileTypes: true })
      const files = entries.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => ({ name: e.name }))
      return { version, label: file, files }
    },
    // A local copy is short: nothing to abort, so the signal is not watched.
    async fetch(f, dest) {
      await copyFile(path.join(dir, f.name), dest)
      return hashFile(dest)
    },
  }
}
