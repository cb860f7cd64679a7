// The download and verify stages: every file of a version at once, under one abort signal,
// then the source's check. Nothing is unpacked unless the check returns.
import { mkdir, rm } from 'node:fs/promises'
import path from 'node:path'
import { ResolveError } from '../release/resolve.js'
import { verifyDownload } from '../verify/checksums.js'
import type { Phase } from '../ports/timings.js'
import type { Offered, Origin, Recipe, Resolved, Verified } from './types.js'

type Tasks<T extends unknown[]> = { [I in keyof T]: (signal: AbortSignal) => Promise<T[I]> }

/**
 * Runs the tasks concurrently under one AbortController: the first failure aborts the others
 * at once (a failed asset must not leave its siblings retrying until download-timeout), and
 * is the error reported once they have all settled. `parent` aborts them all as well.
 */
export async function together<T extends unknown[]>(tasks: [...Tasks<T>], parent?: AbortSignal): Promise<T> {
  const ctl = new AbortController()
  const onParent = () => ctl.abort(parent?.reason)
  parent?.addEventListener('abort', onParent, { once: true })
  let failure: { err: unknown } | undefined
  const fail = (err: unknown) => {
    if (!failure) failure = { err }
    ctl.abort(failure.err)
    throw err
  }
  try {
    const settled = await Promise.allSettled(tasks.map((task) => task(ctl.signal).catch(fail)))
    if (failure) throw failure.err
    if (parent?.aborted) throw parent.reason
    return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as T
  } finally {
    parent?.removeEventListener('abort', onParent)
  }
}

export function findFile<F extends Offered>(resolved: Resolved<F>, name: string): F {
  const file = resolved.files.find((f) => f.name === name)
  if (file) return file
  const names = resolved.files
    .map((f) => f.name)
    .filter((n) => !n.endsWith('.bundle'))
    .join(', ')
  throw new ResolveError(`Release ${resolved.label} has no asset ${name}. Its assets: ${names || 'none'}.`)
}

/**
 * The archive to `dest` (its cache slot) and the source's side files beside it (the proof an
 * Actions cache entry carries), with what else the check needs, all at once; then the
 * source's check. On any failure the slot is emptied, so a half-verified archive is never
 * restored or saved.
 */
export async function fetchVerified<K, F extends Offered>(
  recipe: Recipe<K>,
  origin: Origin<F>,
  resolved: Resolved<F>,
  dest: string,
  time: <T>(phase: Phase, fn: () => Promise<T>) => Promise<T> = (_phase, fn) => fn(),
): Promise<{ sha256: string; verified: Verified; signed: boolean }> {
  const name = recipe.asset(resolved.version)
  const main = findFile(resolved, name)
  const plan = recipe.verify(resolved, name)
  const side = plan.files.map((n) => findFile(resolved, n))
  const dir = path.dirname(dest)
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  try {
    const [archive, sides, prepared] = await time('download', () =>
      together([
        (s) => origin.fetch(main, dest, s),
        (s) =>
          together(
            side.map((f) => (inner: AbortSignal) => origin.fetch(f, path.join(dir, f.name), inner)),
            s,
          ),
        (s) => (plan.prepare ? plan.prepare(s) : Promise.resolve(undefined as K)),
      ]),
    )
    const files = Object.fromEntries(side.map((f, i) => [f.name, sides[i].path]))
    const transfer = (sha256?: string) =>
      verifyDownload(archive, { name, size: main.size, digest: main.digest, sha256 })
    const verified = await time('verify', () => plan.check({ name, archive, files, resolved, transfer }, prepared))
    return { sha256: archive.sha256, verified, signed: Boolean(plan.signed) }
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
}
