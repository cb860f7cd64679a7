// The resolve and fetch stages for a GitHub release: the job's release listing, the highest
// tag of the source's family that satisfies the spec, its assets through the API.
import { fetchAsset } from '../release/fetch-asset.js'
import { jobReleases, type ReleaseSource } from '../release/releases.js'
import { candidates, type PrereleaseBy, pick, type ReleaseAsset } from '../release/resolve.js'
import type { Http } from '../ports/types.js'
import type { Origin } from './types.js'

export function releaseOrigin(
  http: Http,
  src: ReleaseSource,
  temp: string,
  tagPrefix: string,
  prereleaseBy: PrereleaseBy = 'flag',
): Origin<ReleaseAsset> {
  return {
    async resolve(spec, checkLatest) {
      const { releases } = await jobReleases(http, temp, src, checkLatest)
      const chosen = pick(candidates(releases, tagPrefix, spec, prereleaseBy), spec)
      return { version: chosen.version, label: chosen.release.tag_name, files: chosen.release.assets }
    },
    fetch: (file, dest, signal) => fetchAsset(http, file, dest, signal),
  }
}
