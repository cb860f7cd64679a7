// Which libc build to install: decided from the unpacked binaries' GLIBC_x.y needs against
// the host's glibc, before anything is wired. `auto` falls back to the static build; an
// explicit `glibc` that cannot run here fails, naming both versions.
import * as core from '@actions/core'
import type { Libc } from '../inputs.js'
import { glibcFits, glibcVersion, type LibcChoice, libcFor } from '../host/libc.js'
import { glibcFloor } from '../install/glibc-floor.js'
import type { Run } from '../ports/types.js'

export class GlibcTooOldError extends Error {}

/** `install(libc)` unpacks (or finds cached) the asset of that libc and returns its root. */
export async function installForLibc<T extends { root: string }>(
  run: Run,
  requested: Libc | 'auto',
  install: (libc: Libc) => Promise<T>,
): Promise<{ result: T; choice: LibcChoice }> {
  if (requested === 'static')
    return { result: await install('static'), choice: { libc: 'static', reason: 'requested' } }
  const host = await glibcVersion(run)
  const first = requested === 'auto' ? libcFor(host) : { libc: 'glibc' as const, reason: 'requested' }
  if (first.libc === 'static') {
    core.info(`libc: auto -> static (${first.reason})`)
    return { result: await install('static'), choice: first }
  }
  const result = await install('glibc')
  const fit = glibcFits(await glibcFloor(result.root), host)
  if (fit.unknown) core.warning(`The glibc build: ${fit.unknown}. If podman does not start, use libc: static.`)
  if (fit.ok) {
    if (requested === 'auto') core.info(`libc: auto -> glibc (${fit.reason})`)
    return { result, choice: { libc: 'glibc', reason: fit.reason } }
  }
  if (requested === 'glibc')
    throw new GlibcTooOldError(
      `libc: glibc cannot run on this host: ${fit.reason}. Use libc: static (runs anywhere) or libc: auto.`,
    )
  core.info(`libc: auto -> static (the glibc build cannot run here: ${fit.reason})`)
  return { result: await install('static'), choice: { libc: 'static', reason: `glibc build: ${fit.reason}` } }
}
