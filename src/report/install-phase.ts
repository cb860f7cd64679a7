// The install as a phase of the job summary: where podman came from, how it was verified,
// cache hit or download, where it lives, and where the time went.
import type { Phase, PhaseTimes } from '../ports/timings.js'
import { type Content, code, shortPath } from './html.js'
import type { PhaseView } from './phase.js'
import { seconds } from '../smoke/report.js'

export interface InstallFacts {
  /** `pigfoot/static-rootless-container-tools`, or `the runner's own podman` */
  source: string
  system: boolean
  version: string
  variant?: string
  libc?: string
  arch: string
  asset?: string
  /** the `verified` output: `signature+sha256`, `sha256`, `system` */
  verified: string
  /** every check that ran on the download, and the signer when a signature was verified */
  checks: readonly string[]
  signer?: string
  /** why no signature was checked (verify-signature: auto on a release without one) */
  unsigned?: string
  cacheHit: false | string
  /** the release's tree (absent for the runner's own podman) */
  installDir?: string
  podman: string
  dropin?: string
  home?: string
  times: PhaseTimes
}

const INSTALL_PHASES: readonly Phase[] = ['resolve', 'download', 'verify', 'unpack']

/** `full, static, amd64` (what the variant outputs say), or the runner's own. */
export const flavour = (f: Pick<InstallFacts, 'variant' | 'libc' | 'arch'>): string =>
  [f.variant, f.libc, f.arch].filter(Boolean).join(', ')

export const cacheText = (hit: InstallFacts['cacheHit']): string => (hit ? `cache hit (${hit})` : 'cache miss')

function installMs(t: PhaseTimes): number | undefined {
  const xs = INSTALL_PHASES.map((p) => t[p]).filter((x): x is number => x !== undefined)
  return xs.length ? xs.reduce((a, b) => a + b, 0) : undefined
}

const home = (file: string, dir?: string): string =>
  dir && file.startsWith(`${dir}/`) ? `~/${file.slice(dir.length + 1)}` : file

function verification(f: InstallFacts): Content {
  if (f.system) return 'nothing downloaded: the runner provides podman'
  // An Actions cache entry is verified again when restored: its checks are this run's.
  if (f.cacheHit === 'tool-cache') return `${f.verified} when it was downloaded`
  const signer = f.signer ? ['; signer ', code(f.signer)] : []
  const unsigned = f.unsigned ? `; no signature checked: ${f.unsigned}` : ''
  return [`${f.verified} (${f.checks.join(', ')})`, ...signer, unsigned]
}

function timing(t: PhaseTimes): string {
  const parts = INSTALL_PHASES.filter((p) => t[p] !== undefined).map((p) => `${p} ${seconds(t[p] as number)}`)
  return parts.join(' · ')
}

export function installPhase(f: InstallFacts): PhaseView {
  const rows: [string, Content][] = f.system
    ? [
        ['Source', f.source],
        ['podman', code(f.podman)],
      ]
    : [
        ['Source', [f.source, ...(f.asset ? [', ', code(f.asset)] : [])]],
        ['Verified', verification(f)],
        ['Cache', f.cacheHit ? `hit (${f.cacheHit}): nothing downloaded` : 'miss: downloaded'],
        ['Installed in', code(f.installDir ?? '')],
        ['podman', code(shortPath(f.podman, f.installDir))],
      ]
  if (f.dropin) rows.push(['containers.conf drop-in', code(home(f.dropin, f.home))])
  if (!f.system && installMs(f.times) !== undefined) rows.push(['Time', timing(f.times)])
  const what = f.system ? `podman ${f.version}, ${f.source}` : `podman ${f.version} ${flavour(f)} from ${f.source}`
  const how = f.system ? [] : [f.verified, cacheText(f.cacheHit)]
  return {
    title: 'Install',
    tone: 'ok',
    result: [what, ...how].join(' · '),
    ms: installMs(f.times),
    tables: [{ head: [], rows }],
    problems: [],
  }
}
