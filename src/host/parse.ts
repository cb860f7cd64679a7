// Version strings of the runtime stack, turned into semver. pasta's are dates, and some
// builds print nothing at all through a pipe: "present, version unknown" is a state.
import semver from 'semver'

export interface ParsedVersion {
  /** semver, or undefined when the output names no version */
  version?: string
  /** what the tool printed, for the report */
  raw: string
}

export type Parser = (stdout: string) => ParsedVersion

const firstLine = (s: string): string => s.trim().split('\n')[0]?.trim() ?? ''

function coerced(raw: string, text: string | undefined): ParsedVersion {
  const v = text ? semver.coerce(text) : null
  return { version: v?.version, raw }
}

/** `crun version 1.21` (two-part versions are common; `spec:` lines are meaningless) */
export const parseCrun: Parser = (out) => coerced(firstLine(out), /^crun version (\S+)/m.exec(out)?.[1])

/** `conmon version 2.1.12` */
export const parseConmon: Parser = (out) => coerced(firstLine(out), /^conmon version (\S+)/m.exec(out)?.[1])

/** `netavark 1.14.0`, `aardvark-dns 1.14.0`: the last token */
export const parseLastToken: Parser = (out) => coerced(firstLine(out), firstLine(out).split(/\s+/).at(-1))

/** `slirp4netns version 1.2.0` */
export const parseSlirp: Parser = (out) => coerced(firstLine(out), /^slirp4netns version (\S+)/m.exec(out)?.[1])

/** `fuse-overlayfs: version 1.10`, printed after a `fusermount3 version:` line */
export const parseFuseOverlayfs: Parser = (out) => {
  const line = out.split('\n').find((l) => l.startsWith('fuse-overlayfs')) ?? firstLine(out)
  return coerced(line.trim(), /version (\S+)/.exec(line)?.[1])
}

/** `tini version 0.2.1_catatonit` */
export const parseCatatonit: Parser = (out) => coerced(firstLine(out), /version (\d+\.\d+\.\d+)/.exec(out)?.[1])

/** `podman version 5.4.2` or the JSON of `podman version --format json` */
export const parsePodman: Parser = (out) => {
  try {
    const v = (JSON.parse(out) as { Client?: { Version?: string } }).Client?.Version
    if (v) return coerced(v, v)
  } catch {
    // plain --version output
  }
  return coerced(firstLine(out), /^podman version (\S+)/m.exec(out)?.[1])
}

/**
 * pasta versions are dates: `2025_12_10.d04c480`, `...-3-gSHA`, `0^20240906.g6b38f07-1.fc40`,
 * `0.0~git20250503.587980c-2+deb13u1`, `git20230309`, `2025.06.11`. All become YYYY.M.D.
 */
export function pastaDate(text: string): string | undefined {
  const m = /(?:^|[^0-9])(20\d\d)[_.-]?([01]\d)[_.-]?([0-3]\d)(?!\d)/.exec(text)
  if (!m) return undefined
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return undefined
  return `${y}.${mo}.${d}`
}

/** First stdout line `pasta <VERSION>`; `pasta unknown version` and empty output are unknown. */
export const parsePasta: Parser = (out) => {
  const line = firstLine(out)
  const m = /^pasta\s+(.+)$/.exec(line)
  if (!m || /unknown/i.test(m[1])) return { raw: line }
  return { version: pastaDate(m[1]), raw: line }
}

/**
 * A package version: `0.0~git20230309.7c7625d-1` (dpkg), `0^20240906.g6b38f07-1.fc40` (rpm), `passt_0.0~git...`
 * (podman info)
 */
export const parsePasstPackage: Parser = (out) => ({ version: pastaDate(out), raw: out.trim() })

/** `ldd --version` first line ends with the glibc version: `ldd (Debian GLIBC 2.36-9) 2.36` */
export const parseGlibc: Parser = (out) => coerced(firstLine(out), /(\d+\.\d+)\s*$/.exec(firstLine(out))?.[1])

/** Render a semver pasta date back the way pasta names releases: 2025_12_10 */
export function pastaLabel(v: string): string {
  const p = semver.parse(v)
  if (!p) return v
  return `${p.major}_${String(p.minor).padStart(2, '0')}_${String(p.patch).padStart(2, '0')}`
}

/** Options `pasta --help` lists and the first passt release that has them: a floor when the version is unknown. */
const PASTA_FEATURES = [{ flag: '--map-guest-addr', since: '2024.8.21' }] as const

export function pastaFeatureFloor(help: string): { flag: string; since: string } | undefined {
  return PASTA_FEATURES.filter((f) => help.includes(f.flag)).at(-1)
}

/** passt 2025_02_17 to 2025_05_12 print nothing for `--version` when stdout is a pipe. */
const PASTA_SILENT = { min: '2025.2.17', max: '2025.5.12' } as const

export interface VersionBounds {
  min?: string
  max?: string
  why: string
}

/** What an unknown pasta version can still be pinned to: silence through a pipe, options in --help. */
export function pastaBounds(silent: boolean, help: string): VersionBounds | undefined {
  const floor = pastaFeatureFloor(help)
  const why = [
    silent &&
      `--version printed nothing (passt ${pastaLabel(PASTA_SILENT.min)} to ${pastaLabel(PASTA_SILENT.max)} do that)`,
    floor && `--help lists ${floor.flag} (passt ${pastaLabel(floor.since)} or later)`,
  ].filter(Boolean)
  if (why.length === 0) return undefined
  const mins = [silent ? PASTA_SILENT.min : undefined, floor?.since].filter((v): v is string => v !== undefined)
  const min = mins.sort(semver.compare).at(-1)
  return { min, ...(silent && { max: PASTA_SILENT.max }), why: why.join('; ') }
}
