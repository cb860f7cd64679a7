import type { IdRange } from '../facts.js'
import { rangesOf } from '../facts.js'
import { type Check, fixable, ok, type Probe, type RemedyOptions, type Step } from './check.js'

const SUBID_COUNT = 65536
const SUBID_FLOOR = 100000

/** The first range above every range already given out in either file. */
export function freeRange(taken: readonly IdRange[]): { start: number; end: number } {
  const start = Math.max(SUBID_FLOOR, ...taken.map((r) => r.start + r.count))
  return { start, end: start + SUBID_COUNT - 1 }
}

/**
 * The revert deletes exactly the line usermod added. Not `usermod --del-subuids`: shadow
 * refuses that while the user has processes, and in the post step the runner user always has.
 */
export function dropLine(file: string, line: string): string[] {
  return ['sed', '-i', `/^${line.replace(/[.$*[\]^\\/]/g, '\\$&')}$/d`, file]
}

const show = (rs: IdRange[]) => (rs.length ? rs.map((r) => `${r.start}+${r.count}`).join(', ') : 'none')

/** usermod for each missing kind, then podman system migrate so podman sees the new range. */
function addRangeSteps(p: Probe, opts: RemedyOptions, short: ('uid' | 'gid')[]): Step[] {
  const f = p.facts
  const { start, end } = freeRange([...f.subuid, ...f.subgid])
  const r = `${start}-${end}`
  const steps: Step[] = short.map((k) => ({
    argv: ['usermod', `--add-sub${k}s`, r, f.user.name],
    sudo: true,
    change: {
      kind: `sub${k}`,
      description: `added sub${k}s ${r} for ${f.user.name}`,
      revert: dropLine(`/etc/sub${k}`, `${f.user.name}:${start}:${SUBID_COUNT}`),
    },
  }))
  steps.push({ argv: [opts.podman, 'system', 'migrate'], sudo: false })
  return steps
}

export function subid(p: Probe, opts: RemedyOptions): Check {
  const f = p.facts
  const mine = { uid: rangesOf(f.subuid, f.user), gid: rangesOf(f.subgid, f.user) }
  const found = `${f.user.name}: subuid ${show(mine.uid)}, subgid ${show(mine.gid)}`
  const needed = `a range of ${SUBID_COUNT} ids in /etc/subuid and /etc/subgid`
  const short = (['uid', 'gid'] as const).filter((k) => mine[k].length === 0)
  const base = { id: 'subid', name: 'subordinate ids', found, needed } as const
  if (short.length > 0) {
    const remedy = {
      name: 'add a subordinate id range, then podman system migrate',
      steps: addRangeSteps(p, opts, short),
    }
    return fixable({ ...base, remedy }, 'error', opts)
  }
  if ([...mine.uid, ...mine.gid].every((r) => r.count < SUBID_COUNT))
    return {
      ...ok('subid', 'subordinate ids', found, needed),
      status: 'warn',
      message: `ranges smaller than ${SUBID_COUNT}: images with higher ids fail to pull`,
    }
  return ok('subid', 'subordinate ids', found, needed)
}
