// What a stack's Debian packages are right now, read from its dpkg database: Debian
// testing moves daily, so tests ask the tree instead of hard-coding versions.
import { execFileSync } from 'node:child_process'
import semver from 'semver'
import { pastaDate, pastaLabel } from '../src/host/parse.js'

export interface StackVersions {
  podman: string
  crun: string
  /** pasta's date label, e.g. 2026_10_02 */
  pasta: string
}

function dpkg(root: string, pkg: string): string {
  return execFileSync('dpkg-query', [`--admindir=${root}/var/lib/dpkg`, '-W', '-f', '${Version}', pkg], {
    encoding: 'utf8',
  })
}

/** Upstream parts: `5.8.6+ds1-3` -> 5.8.6, `1.28-1` -> 1.28.0, `0.0~git20261002.cba3570-1` -> 2026_10_02. */
export function stackVersions(root: string): StackVersions {
  const upstream = (v: string) => semver.coerce(v.replace(/^\d+:/, ''))?.version ?? v
  return {
    podman: upstream(dpkg(root, 'podman')),
    crun: upstream(dpkg(root, 'crun')),
    pasta: pastaLabel(pastaDate(dpkg(root, 'passt')) ?? ''),
  }
}
