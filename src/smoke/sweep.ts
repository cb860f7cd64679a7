// What the checks leave for the end of the suite: their containers, networks and images,
// removed in one podman call per kind once the last check has ended. Each podman call costs a
// start-up and a runtime init (about 0.3 s of CPU on a 2-core runner), so one `rm -f a b c`
// instead of one per check. A batch that fails is redone check by check, so a leftover is
// still charged to the check that made it.
import { lastLine } from '../ports/exec.js'
import type { ExecResult } from '../ports/types.js'
import { networkRmArgv, rmArgv, rmiArgv } from './argv.js'

export interface Leftovers {
  containers: string[]
  networks: string[]
  images: string[]
}

interface Podman {
  run(args: string[]): Promise<ExecResult>
}

const GONE = /not found|no such|not known/i
/** Every error line says the thing is already gone: that is what removal wanted. */
const alreadyGone = (r: ExecResult): boolean =>
  r.exitCode === 0 ||
  r.stderr
    .split('\n')
    .filter((l) => l.trim())
    .every((l) => GONE.test(l))

type Kind = { key: keyof Leftovers; argv: (names: string[]) => string[]; what: (names: string[]) => string }
const KINDS: Record<'containers' | 'networks' | 'images', Kind> = {
  containers: { key: 'containers', argv: rmArgv, what: () => 'podman rm' },
  networks: { key: 'networks', argv: networkRmArgv, what: (n) => `podman network rm ${n.join(' ')}` },
  images: { key: 'images', argv: rmiArgv, what: (n) => `podman rmi ${n.join(' ')}` },
}

/** One kind for all owners at once; on failure, owner by owner, each one's errors into `errors`. */
async function removeKind(podman: Podman, owners: Leftovers[], kind: Kind, errors: string[][]): Promise<void> {
  const all = owners.flatMap((o) => o[kind.key])
  if (all.length === 0) return
  const r = await podman.run(kind.argv(all))
  if (alreadyGone(r)) return
  // Rare: redo per owner, so the error lands on the check that created what stays.
  await Promise.all(
    owners.map(async (o, i) => {
      const names = o[kind.key]
      if (names.length === 0) return
      const again = await podman.run(kind.argv(names))
      if (!alreadyGone(again)) errors[i].push(`${kind.what(names)}: ${lastLine(again)}`)
    }),
  )
}

/**
 * Containers first (a network or image in use is not removed), then networks and images
 * together. `extraImages` (the suite's base image) go with the batch; their errors are nobody's.
 */
export async function sweep(podman: Podman, owners: Leftovers[], extraImages: string[] = []): Promise<string[][]> {
  const all = [...owners, { containers: [], networks: [], images: extraImages }]
  const errors = all.map(() => [] as string[])
  await removeKind(podman, all, KINDS.containers, errors)
  await Promise.all([removeKind(podman, all, KINDS.networks, errors), removeKind(podman, all, KINDS.images, errors)])
  return errors.slice(0, owners.length)
}
