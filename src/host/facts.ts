// Host facts that decide whether rootless podman can run at all: id ranges, AppArmor,
// /dev/net/tun, user namespaces, the cgroup layout, the user's runtime dir and D-Bus.
// Read through HostFs only, so each blocker can be scripted in a unit test.
import type { HostFs } from './fs.js'

export interface User {
  name: string
  uid: number
}

export interface IdRange {
  owner: string
  start: number
  count: number
}

interface CgroupFacts {
  /** v2: unified only; v1: legacy only; hybrid: both mounted */
  layout: 'v1' | 'v2' | 'hybrid' | 'none'
  unifiedMount?: string
  /** controllers the v2 mount still lists (crun refuses hybrid mode while any are there) */
  unifiedControllers: string[]
  v1Controllers: string[]
}

export interface HostFacts {
  user: User
  subuid: IdRange[]
  subgid: IdRange[]
  apparmor: { enabled: boolean; restrictUserns: boolean; attachments: string[] }
  tun: { exists: boolean; mode?: number; usable: boolean }
  userns: { max?: number; unprivilegedClone?: number }
  cgroup: CgroupFacts
  runtimeDir: { path: string; fromEnv: boolean; usable: boolean }
  userBus: boolean
  aptGet: boolean
  /** podman's shared-memory lock files (a stale one from another podman breaks this one) */
  shmLocks: string[]
}

function parseIdRanges(text: string | undefined): IdRange[] {
  return (text ?? '')
    .split('\n')
    .map((l) => l.trim().split(':'))
    .filter((f) => f.length === 3 && /^\d+$/.test(f[1]) && /^\d+$/.test(f[2]))
    .map(([owner, start, count]) => ({ owner, start: Number(start), count: Number(count) }))
}

export const rangesOf = (ranges: readonly IdRange[], u: User): IdRange[] =>
  ranges.filter((r) => r.owner === u.name || r.owner === String(u.uid))

/** `/proc/self/mounts`: which hierarchies are mounted where. */
function parseCgroupMounts(mounts: string | undefined): Omit<CgroupFacts, 'unifiedControllers'> {
  const rows = (mounts ?? '').split('\n').map((l) => l.split(' '))
  const v2 = rows.find((r) => r[2] === 'cgroup2')?.[1]
  const v1 = rows
    .filter((r) => r[2] === 'cgroup')
    .flatMap((r) => (r[3] ?? '').split(','))
    .filter((o) => /^[a-z_]+$/.test(o) && !['rw', 'ro', 'relatime', 'nosuid', 'nodev', 'noexec', 'noatime'].includes(o))
  const layout = v2 && v1.length ? 'hybrid' : v2 ? 'v2' : v1.length ? 'v1' : 'none'
  return { layout, unifiedMount: v2, v1Controllers: v1 }
}

/** `profile NAME /exact/path flags=(...) {` lines: the paths a profile file confines. */
function profileAttachments(text: string): string[] {
  return [...text.matchAll(/^\s*profile\s+\S+\s+(\/\S+)/gm)].map((m) => m[1])
}

const num = (s: string | undefined): number | undefined => (s && /^\d+$/.test(s.trim()) ? Number(s.trim()) : undefined)

async function apparmorFacts(fs: HostFs): Promise<HostFacts['apparmor']> {
  const enabled = (await fs.readFile('/sys/module/apparmor/parameters/enabled'))?.trim() === 'Y'
  const restrictUserns = num(await fs.readFile('/proc/sys/kernel/apparmor_restrict_unprivileged_userns')) === 1
  if (!enabled || !restrictUserns) return { enabled, restrictUserns, attachments: [] }
  const names = await fs.readdir('/etc/apparmor.d')
  const texts = await Promise.all(names.map((n) => fs.readFile(`/etc/apparmor.d/${n}`)))
  return { enabled, restrictUserns, attachments: texts.flatMap((t) => (t ? profileAttachments(t) : [])) }
}

async function cgroupFacts(fs: HostFs): Promise<CgroupFacts> {
  const base = parseCgroupMounts(await fs.readFile('/proc/self/mounts'))
  const listed = base.unifiedMount ? await fs.readFile(`${base.unifiedMount}/cgroup.controllers`) : undefined
  return { ...base, unifiedControllers: (listed ?? '').split(/\s+/).filter(Boolean) }
}

async function busFacts(fs: HostFs, env: NodeJS.ProcessEnv, runtimeDir: string): Promise<boolean> {
  const addr = /unix:path=([^,;]+)/.exec(env.DBUS_SESSION_BUS_ADDRESS ?? '')?.[1] ?? `${runtimeDir}/bus`
  return (await fs.stat(addr)) !== undefined
}

/** podman falls back to /run/user/UID when XDG_RUNTIME_DIR is unset (systemd's per-user dir). */
async function runtimeDirFacts(fs: HostFs, env: NodeJS.ProcessEnv, u: User): Promise<HostFacts['runtimeDir']> {
  const p = env.XDG_RUNTIME_DIR || `/run/user/${u.uid}`
  const st = await fs.stat(p)
  return { path: p, fromEnv: Boolean(env.XDG_RUNTIME_DIR), usable: st?.kind === 'dir' && st.uid === u.uid }
}

export async function readFacts(fs: HostFs, env: NodeJS.ProcessEnv, user: User): Promise<HostFacts> {
  const [subuid, subgid, apparmor, tunStat, tunRw, max, clone, cgroup, runtimeDir, apt, shm] = await Promise.all([
    fs.readFile('/etc/subuid'),
    fs.readFile('/etc/subgid'),
    apparmorFacts(fs),
    fs.stat('/dev/net/tun'),
    fs.access('/dev/net/tun', 'rw'),
    fs.readFile('/proc/sys/user/max_user_namespaces'),
    fs.readFile('/proc/sys/kernel/unprivileged_userns_clone'),
    cgroupFacts(fs),
    runtimeDirFacts(fs, env, user),
    fs.stat('/usr/bin/apt-get'),
    fs.readdir('/dev/shm'),
  ])
  return {
    user,
    subuid: parseIdRanges(subuid),
    subgid: parseIdRanges(subgid),
    apparmor,
    tun: { exists: tunStat?.kind === 'char', mode: tunStat?.mode, usable: tunStat?.kind === 'char' && tunRw },
    userns: { max: num(max), unprivilegedClone: num(clone) },
    cgroup,
    runtimeDir,
    userBus: await busFacts(fs, env, runtimeDir.path),
    aptGet: apt !== undefined,
    shmLocks: shm.filter((n) => n.startsWith('libpod')),
  }
}
