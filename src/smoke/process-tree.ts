// What a smoke container leaves running after podman removed it: a hung runtime under the
// conmon of an exec session (`podman rm -f` does not stop those). Kept apart from the suite so
// the post step can stop them without loading the suite.
import type { Proc, Procs } from '../ports/service.js'

/** The kind of the changes that record what a running suite may leave (step/smoke.ts smokeLeftovers). */
export const SUITE_LEFTOVERS = 'smoke-leftovers'

/** What every container and network of one suite run is named with (conmon shows it as `-n NAME`). */
export const namePrefix = (runId: string): string => `ssp-${runId}-`

/** Processes that name `id` on their command line (conmon, a hung runtime) and all their descendants. */
export function leftoverTree(procs: readonly Proc[], id: string, self: number): Proc[] {
  const roots = procs.filter((p) => p.cmdline.includes(id) && p.pid !== self)
  const found = new Map(roots.map((p) => [p.pid, p]))
  for (let grew = true; grew; ) {
    grew = false
    for (const p of procs)
      if (!found.has(p.pid) && found.has(p.ppid)) {
        found.set(p.pid, p)
        grew = true
      }
  }
  return [...found.values()]
}

/** Kills what `leftoverTree` finds for `id` (never this process); returns what it killed. */
export async function killTree(procs: Procs, id: string): Promise<Proc[]> {
  const left = leftoverTree(await procs.list(), id, process.pid)
  for (const p of left) procs.kill(p.pid)
  return left
}
