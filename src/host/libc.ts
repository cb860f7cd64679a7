// `libc: auto`: the glibc build where the host's glibc can run it, else the static one.
import semver from 'semver'
import type { Libc } from '../inputs.js'
import type { Run } from '../ports/types.js'
import { parseGlibc } from './parse.js'

export const GLIBC_MIN = '2.34.0'

export interface LibcChoice {
  libc: Libc
  reason: string
}

export function libcFor(glibc: string | undefined): LibcChoice {
  if (!glibc) return { libc: 'static', reason: 'no glibc found on the host' }
  if (semver.gte(glibc, GLIBC_MIN)) return { libc: 'glibc', reason: `host glibc ${glibc} >= 2.34` }
  return { libc: 'static', reason: `host glibc ${glibc} < 2.34` }
}

/** The host's glibc version from `ldd --version`; undefined on musl or without ldd. */
export async function glibcVersion(run: Run): Promise<string | undefined> {
  const r = await run('ldd', ['--version'], { timeoutMs: 10_000 })
  return r.exitCode === 0 && /glibc|gnu libc/i.test(r.stdout) ? parseGlibc(r.stdout).version : undefined
}

export const detectLibc = async (run: Run): Promise<LibcChoice> => libcFor(await glibcVersion(run))
