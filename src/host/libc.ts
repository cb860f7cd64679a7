// `libc: auto`: the glibc build where the host's glibc can run it, else the static one.
// The host's version is a first cut (no glibc, or older than any glibc build: no download);
// the binaries' own GLIBC_x.y needs decide the rest (glibcFits, after unpacking).
import semver from 'semver'
import type { Libc } from '../inputs.js'
import type { GlibcFloor } from '../install/glibc-floor.js'
import type { Run } from '../ports/types.js'
import { parseGlibc } from './parse.js'

/** The oldest glibc any glibc build has targeted: below it, not even worth downloading. */
const GLIBC_MIN = '2.34.0'

export interface LibcChoice {
  libc: Libc
  reason: string
}

export function libcFor(glibc: string | undefined): LibcChoice {
  if (!glibc) return { libc: 'static', reason: 'no glibc found on the host' }
  if (semver.gte(glibc, GLIBC_MIN)) return { libc: 'glibc', reason: `host glibc ${glibc} >= 2.34` }
  return { libc: 'static', reason: `host glibc ${glibc} < 2.34` }
}

export interface GlibcFit {
  ok: boolean
  reason: string
  /** ABI markers the binaries need that no table maps to a release: for a warning */
  unknown?: string
}

/** Whether the host's glibc provides every GLIBC_x.y the unpacked binaries need. */
export function glibcFits(floor: GlibcFloor, host: string | undefined): GlibcFit {
  const unknown = floor.unknown.length
    ? `${floor.unknown.map((u) => `${u.file} needs ${u.name}`).join(', ')}, ` +
      `which this action cannot map to a glibc release`
    : undefined
  const need = floor.floor
  if (!need) return { ok: true, reason: `no binary of the ${floor.binaries} read needs a versioned glibc`, unknown }
  const what = `${need.file} needs ${need.name} (glibc >= ${short(need.version)})`
  if (!host) return { ok: false, reason: `${what}; the host has no glibc` }
  const hostV = semver.coerce(host)?.version ?? host
  if (semver.gt(need.version, hostV)) return { ok: false, reason: `${what}; the host has glibc ${host}` }
  return { ok: true, reason: `${what}; the host has glibc ${host}`, unknown }
}

const short = (v: string): string => v.replace(/\.0$/, '')

/** The host's glibc version from `ldd --version`; undefined on musl or without ldd. */
export async function glibcVersion(run: Run): Promise<string | undefined> {
  const r = await run('ldd', ['--version'], { timeoutMs: 10_000 })
  return r.exitCode === 0 && /glibc|gnu libc/i.test(r.stdout) ? parseGlibc(r.stdout).version : undefined
}
