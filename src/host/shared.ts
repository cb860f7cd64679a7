// Host-wide changes two jobs on one self-hosted machine share (the tun mode, the AppArmor
// sysctl or profile, subordinate ids, a package, a cgroup mount): every job that uses one
// holds it, and only the last holder's post reverts it. The holds live under /run (gone at
// reboot, as the sysctl and the tun mode are) in a directory only root writes, through
// `sudo -n` like the changes themselves: a revert read from it runs as root, so no other
// user may write one there. One lock (flock) orders joining, leaving and the last revert,
// so a job never sees a change that is being reverted under it.
import { createHash } from 'node:crypto'
import { recordThenDo, type SystemChange } from './change.js'
import type { HostPorts } from './probe.js'

const HOLDS = '/run/setup-static-podman/holds'
const LOCK = '/run/lock/setup-static-podman.lock'
/** what the leave script prints when another job still holds the change: post keeps it */
export const HELD = 'setup-static-podman: held by another job on this machine'

// Fixed scripts run by sh; their arguments arrive as "$@", nothing is interpolated into them.
/** create or join the hold; the holder file keeps the revert for whoever holds it last */
const JOIN = 'mkdir -p -- "$1" && cat > "$1/$2"'
/** join only a hold that exists (a change another job made) */
const JOIN_EXISTING = '[ -d "$1" ] && cat > "$1/$2"'
/** leave; the last holder runs the revert (the remaining arguments), still under the lock */
const LEAVE = `rm -f -- "$1/$2"; rmdir -- "$1" 2>/dev/null || { echo '${HELD}'; exit 0; }; shift 2; exec "$@"`

interface Hold {
  description: string
  revert: string[]
}

const holdDir = (c: Hold): string =>
  `${HOLDS}/${createHash('sha256').update(JSON.stringify(c.revert)).digest('hex').slice(0, 16)}`

const locked = (script: string, dir: string, id: string, lock = LOCK): string[] => [
  'flock',
  lock,
  'sh',
  '-c',
  script,
  'sh',
  dir,
  id,
]

/**
 * A user-level file one job provides and another uses (the release's policy.json on a host
 * without /etc/containers): held the same way, in the user's own directory and lock, without
 * sudo. `join` holds it for this job (`existing`: only a hold another job made); `revert`
 * leaves the hold and removes the file as its last holder.
 */
export function userHold(holds: string, name: string, id: string) {
  const dir = `${holds}/${name}`
  const lock = `${holds}.lock`
  return {
    join: (existing: boolean) => locked(existing ? JOIN_EXISTING : JOIN, dir, id, lock),
    revert: (file: string) => [...locked(LEAVE, dir, id, lock), 'rm', '-f', '--', file],
  }
}

/** The change as recorded: its revert leaves the hold, and reverts only as the last holder. */
export const sharedChange = (c: SystemChange, id: string): SystemChange => ({
  ...c,
  revert: [...locked(LEAVE, holdDir(c), id), ...c.revert],
})

type Exec = (argv: string[], input: string) => ReturnType<HostPorts['run']>

/** The holds are root's: through `sudo -n` unless the runner user is root. */
export const sudoExec =
  (ports: HostPorts, root: boolean): Exec =>
  (argv, input) => {
    const full = root ? argv : ['sudo', '-n', ...argv]
    return ports.run(full[0], full.slice(1), { input, timeoutMs: 60_000 })
  }

/** Before making a host-wide change: hold it. False when the hold could not be taken. */
export async function holdChange(exec: Exec, c: Hold, id: string): Promise<boolean> {
  const r = await exec(locked(JOIN, holdDir(c), id), JSON.stringify({ description: c.description, revert: c.revert }))
  return r.exitCode === 0
}

/**
 * Before the gate looks at the host: hold every change another job on this machine made,
 * so its post leaves it in place while this job relies on it. Each is recorded (pending)
 * before it is joined.
 */
export async function joinHolds(
  ports: HostPorts,
  exec: Exec,
  id: string,
  record: (c: SystemChange) => void,
): Promise<void> {
  for (const name of await ports.fs.readdir(HOLDS)) {
    const hold = await readHold(ports, `${HOLDS}/${name}`)
    if (!hold) continue
    const change: SystemChange = {
      kind: 'held',
      description: `${hold.description} (another job's change, held while this job runs)`,
      revert: [...locked(LEAVE, `${HOLDS}/${name}`, id), ...hold.revert],
      sudo: true,
    }
    // not joined (reverted meanwhile): the gate sees the host as it is now
    await recordThenDo(record, change, async () => {
      const r = await exec(locked(JOIN_EXISTING, `${HOLDS}/${name}`, id), JSON.stringify(hold))
      return r.exitCode === 0
    })
  }
}

async function readHold(ports: HostPorts, dir: string): Promise<Hold | undefined> {
  for (const f of await ports.fs.readdir(dir)) {
    try {
      const h = JSON.parse((await ports.fs.readFile(`${dir}/${f}`)) ?? '') as Hold
      if (typeof h.description === 'string' && h.revert.every((a) => typeof a === 'string')) return h
    } catch {
      // being written, or not ours
    }
  }
  return undefined
}
