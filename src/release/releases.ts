// Release listing with a per-job cache: RUNNER_TEMP lives for one job, so later steps of
// the same job resolve `latest` or a range without asking the API again.
import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Http } from '../ports/types.js'
import { listReleases } from './github.js'
import type { Release } from './resolve.js'

export interface ReleaseSource {
  apiUrl: string
  owner: string
  repo: string
}

function cacheFile(temp: string, src: ReleaseSource): string {
  const key = createHash('sha256').update(`${src.apiUrl}\n${src.owner}/${src.repo}`).digest('hex').slice(0, 16)
  return path.join(temp, 'setup-static-podman', `releases-${key}.json`)
}

/** `fresh` (check-latest) skips the job's copy and refreshes it. */
export async function jobReleases(
  http: Http,
  temp: string,
  src: ReleaseSource,
  fresh = false,
): Promise<{ releases: Release[]; cached: boolean }> {
  const file = cacheFile(temp, src)
  if (!fresh) {
    try {
      return { releases: JSON.parse(await readFile(file, 'utf8')) as Release[], cached: true }
    } catch {
      // not cached yet in this job
    }
  }
  const releases = await listReleases(http, src.apiUrl, src.owner, src.repo)
  await mkdir(path.dirname(file), { recursive: true })
  await writeFile(`${file}.tmp`, JSON.stringify(releases.map(slim)))
  await rename(`${file}.tmp`, file)
  return { releases, cached: false }
}

/** Only what resolution needs: the API's release objects carry kilobytes of bodies. */
function slim(r: Release): Release {
  return {
    tag_name: r.tag_name,
    draft: r.draft,
    prerelease: r.prerelease,
    assets: r.assets.map(({ name, size, digest, url, browser_download_url }) => ({
      name,
      size,
      digest,
      url,
      browser_download_url,
    })),
  }
}
