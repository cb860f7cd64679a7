// Picks the release to install: the highest podman-v* tag satisfying the requested range.
import semver from 'semver'
import type { VersionSpec } from '../inputs.js'

export interface ReleaseAsset {
  name: string
  size: number
  /** `sha256:<hex>` on newer GitHub releases */
  digest?: string | null
  /** API URL; with Accept: application/octet-stream it serves the bytes */
  url: string
  browser_download_url: string
}

export interface Release {
  tag_name: string
  draft: boolean
  prerelease: boolean
  assets: ReleaseAsset[]
}

export interface Candidate {
  version: string
  release: Release
}

export class ResolveError extends Error {}

/**
 * How a source marks prereleases: `flag` trusts GitHub's prerelease flag; `tag` only the
 * version (`v5.8.4-rc1`), for projects that create every release as a prerelease and
 * promote it by hand later (mgoltzsche/podman-static's release.yml: `prerelease: true`).
 */
export type PrereleaseBy = 'flag' | 'tag'

/** Versions of a tag family (`podman-v5.7.1` -> 5.7.1); other tools' tags are ignored. */
export function candidates(
  releases: readonly Release[],
  tagPrefix: string,
  spec: VersionSpec,
  prereleaseBy: PrereleaseBy = 'flag',
): Candidate[] {
  const out: Candidate[] = []
  for (const release of releases) {
    if (release.draft || !release.tag_name.startsWith(tagPrefix)) continue
    const version = semver.valid(release.tag_name.slice(tagPrefix.length))
    if (!version) continue
    const pre = prereleaseBy === 'flag' ? release.prerelease : semver.prerelease(version) !== null
    if (pre && !spec.includePrerelease) continue
    out.push({ version, release })
  }
  return out.sort((a, b) => semver.rcompare(a.version, b.version))
}

export function pick(all: readonly Candidate[], spec: VersionSpec): Candidate {
  const opts = { includePrerelease: spec.includePrerelease }
  const hit = all.find((c) => semver.satisfies(c.version, spec.range, opts))
  if (hit) return hit
  const newest =
    all
      .slice(0, 8)
      .map((c) => c.version)
      .join(', ') || 'none'
  throw new ResolveError(`No podman release matches '${spec.raw}'. Newest available: ${newest}.`)
}
