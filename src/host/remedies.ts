// Rootless blockers: each a named check with a named remedy and the exact commands. With
// sudo allowed the commands run (always `sudo -n`, never a prompt) and every change carries
// its revert for the post step; without sudo each becomes an error or warning quoting them.
import type { SystemChange } from './change.js'
import type { Wiring } from '../install/dropin.js'
import { ProfilePathError, profileFile, profileText } from './apparmor.js'
import type { Status } from './evaluate.js'
import { type HostFacts, type IdRange, rangesOf } from './facts.js'
import type { HostProbe } from './probe.js'

type CheckId = 'uidmap' | 'subid' | 'userns' | 'apparmor' | 'tun' | 'cgroup' | 'systemd' | 'other-podman' | 'lock-clash'

export interface Step {
  argv: string[]
  /** run through `sudo -n` (unless the runner user is root) */
  sudo: boolean
  input?: string
  /** recorded once the step succeeded, for post to revert */
  change?: Omit<SystemChange, 'sudo'>
  /** a directory the step creates: recorded as a change only when it did not exist */
  createsDir?: string
  /** when the step fails: run these, then the step once more */
  retryAfter?: string[][]
}

export interface Check {
  id: CheckId
  name: string
  found: string
  needed: string
  status: Status
  /** fix: run the steps; report: tell the user the steps; none: nothing to do */
  plan: 'none' | 'fix' | 'report'
  remedy?: { name: string; steps: Step[] }
  /** what an unfixed problem is: fails the step, or only warns */
  severity: 'error' | 'warning'
  /** a warning the action already handled: shown in the table and the log, never as an annotation */
  handled?: true
  message?: string
  wiring?: Partial<Wiring>
}

export interface RemedyOptions {
  allowSudo: boolean
  apparmor: 'profile' | 'sysctl' | 'none'
  /** the installed podman: the AppArmor profile names its exact (real) path */
  podman: string
}

type Probe = Pick<HostProbe, 'pieces' | 'facts' | 'podmans' | 'installed' | 'infoError'>

const ok = (id: CheckId, name: string, found: string, needed: string): Check => ({
  id,
  name,
  found,
  needed,
  status: 'ok',
  plan: 'none',
  severity: 'warning',
})

/** A problem with a remedy: fixed when sudo is allowed, else reported with the commands. */
function fixable(
  base: Omit<Check, 'status' | 'plan' | 'severity'>,
  severity: Check['severity'],
  opts: RemedyOptions,
  needsSudo = true,
): Check {
  const plan = !needsSudo || opts.allowSudo ? 'fix' : 'report'
  return { ...base, status: severity === 'error' ? 'fail' : 'warn', plan, severity }
}

const SUBID_COUNT = 65536
const SUBID_FLOOR = 100000

/** The first range above every range already given out in either file. */
export function freeRange(taken: readonly IdRange[]): { start: number; end: number } {
  const start = Math.max(SUBID_FLOOR, ...taken.map((r) => r.start + r.count))
  return { start, end: start + SUBID_COUNT - 1 }
}

function uidmap(p: Probe, opts: RemedyOptions): Check {
  const bad = (['newuidmap', 'newgidmap'] as const).filter((t) => !p.pieces[t]?.path || !p.pieces[t]?.setuid)
  const found = (['newuidmap', 'newgidmap'] as const)
    .map((t) => `${t}: ${p.pieces[t]?.path ? `${p.pieces[t].path} (${p.pieces[t].raw})` : 'missing'}`)
    .join(', ')
  const needed = 'newuidmap and newgidmap, setuid root (package uidmap)'
  if (bad.length === 0) return ok('uidmap', 'uidmap', found, needed)
  const base = { id: 'uidmap', name: 'uidmap', found, needed } as const
  if (!p.facts.aptGet)
    return {
      ...base,
      status: 'fail',
      plan: 'report',
      severity: 'error',
      message: 'install the package that provides setuid newuidmap/newgidmap (uidmap, or shadow-utils on Fedora)',
    }
  const missing = bad.some((t) => !p.pieces[t]?.path)
  const install = [
    'env',
    'DEBIAN_FRONTEND=noninteractive',
    'apt-get',
    'install',
    '-y',
    '--no-install-recommends',
    ...(missing ? [] : ['--reinstall']),
    'uidmap',
  ]
  const step: Step = { argv: install, sudo: true, retryAfter: [['apt-get', 'update', '-qq']] }
  if (missing)
    step.change = {
      kind: 'package',
      description: 'installed package uidmap',
      // dpkg removes uidmap alone, and refuses while a package installed since depends on
      // it; `apt-get remove` would take that package (podman itself, say) with it.
      revert: ['dpkg', '--remove', 'uidmap'],
    }
  return fixable(
    {
      ...base,
      remedy: { name: missing ? 'install uidmap' : 'reinstall uidmap (restores the setuid bit)', steps: [step] },
    },
    'error',
    opts,
  )
}

/**
 * The revert deletes exactly the line usermod added. Not `usermod --del-subuids`: shadow
 * refuses that while the user has processes, and in the post step the runner user always has.
 */
export function dropLine(file: string, line: string): string[] {
  return ['sed', '-i', `/^${line.replace(/[.$*[\]^\\/]/g, '\\$&')}$/d`, file]
}

function subid(p: Probe, opts: RemedyOptions): Check {
  const f = p.facts
  const mine = { uid: rangesOf(f.subuid, f.user), gid: rangesOf(f.subgid, f.user) }
  const show = (rs: IdRange[]) => (rs.length ? rs.map((r) => `${r.start}+${r.count}`).join(', ') : 'none')
  const found = `${f.user.name}: subuid ${show(mine.uid)}, subgid ${show(mine.gid)}`
  const needed = `a range of ${SUBID_COUNT} ids in /etc/subuid and /etc/subgid`
  const short = (['uid', 'gid'] as const).filter((k) => mine[k].length === 0)
  if (short.length === 0) {
    const small = [...mine.uid, ...mine.gid].every((r) => r.count < SUBID_COUNT)
    return small
      ? {
          ...ok('subid', 'subordinate ids', found, needed),
          status: 'warn',
          message: `ranges smaller than ${SUBID_COUNT}: images with higher ids fail to pull`,
        }
      : ok('subid', 'subordinate ids', found, needed)
  }
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
  return fixable(
    {
      id: 'subid',
      name: 'subordinate ids',
      found,
      needed,
      remedy: { name: 'add a subordinate id range, then podman system migrate', steps },
    },
    'error',
    opts,
  )
}

function userns(f: HostFacts): Check {
  const clone =
    f.userns.unprivilegedClone === undefined ? '' : `, kernel.unprivileged_userns_clone=${f.userns.unprivilegedClone}`
  const found = `user.max_user_namespaces=${f.userns.max ?? '?'}${clone}`
  const needed = 'unprivileged user namespaces enabled'
  const hints = [
    f.userns.max === 0 && 'sudo sysctl -w user.max_user_namespaces=15000',
    f.userns.unprivilegedClone === 0 && 'sudo sysctl -w kernel.unprivileged_userns_clone=1',
  ].filter(Boolean)
  if (hints.length === 0) return ok('userns', 'user namespaces', found, needed)
  return {
    id: 'userns',
    name: 'user namespaces',
    found,
    needed,
    status: 'fail',
    plan: 'report',
    severity: 'error',
    message:
      `user namespaces are disabled on this machine; the action does not change that. An administrator can: ` +
      `${hints.join('; ')}`,
  }
}

function apparmor(p: Probe, opts: RemedyOptions): Check {
  const a = p.facts.apparmor
  const target = p.installed?.realPath ?? opts.podman
  const found = a.enabled
    ? `kernel.apparmor_restrict_unprivileged_userns=${a.restrictUserns ? 1 : 0}`
    : 'AppArmor not enabled'
  const needed = `a profile allowing userns for ${target}, or the restriction off`
  if (!a.enabled || !a.restrictUserns || a.attachments.includes(target))
    return ok('apparmor', 'AppArmor userns restriction', found, needed)
  const base = { id: 'apparmor', name: 'AppArmor userns restriction', found, needed } as const
  if (opts.apparmor === 'none')
    return {
      ...base,
      status: 'warn',
      plan: 'none',
      severity: 'warning',
      message:
        `apparmor: none: left as is; ${target} will fail with 'failed to reexec: ` +
        `Permission denied' unless a profile allows it`,
    }
  if (opts.apparmor === 'sysctl') {
    const key = 'kernel.apparmor_restrict_unprivileged_userns'
    const steps: Step[] = [
      {
        argv: ['sysctl', '-w', `${key}=0`],
        sudo: true,
        change: { kind: 'sysctl', description: `set ${key}=0 (whole machine)`, revert: ['sysctl', '-w', `${key}=1`] },
      },
    ]
    return fixable({ ...base, remedy: { name: 'turn the restriction off (apparmor: sysctl)', steps } }, 'error', opts)
  }
  try {
    const file = profileFile(target)
    const steps: Step[] = [
      {
        argv: ['tee', file],
        sudo: true,
        input: profileText(target),
        change: { kind: 'apparmor-profile-file', description: `wrote ${file}`, revert: ['rm', '-f', file] },
      },
      {
        argv: ['apparmor_parser', '-r', file],
        sudo: true,
        change: {
          kind: 'apparmor-profile',
          description: `loaded AppArmor profile ${file}`,
          revert: ['apparmor_parser', '-R', file],
        },
      },
    ]
    return fixable({ ...base, remedy: { name: `load a profile for ${target}`, steps } }, 'error', opts)
  } catch (err) {
    if (!(err instanceof ProfilePathError)) throw err
    return {
      ...base,
      status: 'fail',
      plan: 'report',
      severity: 'error',
      message: `${err.message}; use apparmor: sysctl, or install podman at a plain path`,
    }
  }
}

function tun(f: HostFacts, opts: RemedyOptions): Check {
  const mode = f.tun.mode?.toString(8).padStart(4, '0')
  const found = f.tun.exists
    ? `/dev/net/tun mode ${mode}${f.tun.usable ? '' : `, not usable by ${f.user.name}`}`
    : '/dev/net/tun missing'
  const needed = 'read/write for the runner user (pasta and slirp4netns open it)'
  if (f.tun.usable) return ok('tun', '/dev/net/tun', found, needed)
  if (!f.tun.exists)
    return {
      id: 'tun',
      name: '/dev/net/tun',
      found,
      needed,
      status: 'fail',
      plan: 'report',
      severity: 'error',
      message: 'no TUN device: load the tun module (modprobe tun); rootless networking needs it',
    }
  const steps: Step[] = [
    {
      argv: ['chmod', '0666', '/dev/net/tun'],
      sudo: true,
      change: {
        kind: 'tun-mode',
        description: `chmod 0666 /dev/net/tun (was ${mode})`,
        revert: ['chmod', mode ?? '0600', '/dev/net/tun'],
      },
    },
  ]
  return fixable(
    {
      id: 'tun',
      name: '/dev/net/tun',
      found,
      needed,
      remedy: { name: 'make /dev/net/tun usable (mode 0666, the usual default)', steps },
    },
    'error',
    opts,
  )
}

/** Hybrid cgroups with controllers still on the v2 mount: crun refuses to start anything. */
function cgroup(f: HostFacts, opts: RemedyOptions): Check {
  const c = f.cgroup
  const found =
    c.layout === 'hybrid'
      ? `hybrid: v2 at ${c.unifiedMount} lists ${c.unifiedControllers.join(' ') || 'no controllers'}`
      : c.layout
  const needed = 'cgroup v2, v1, or hybrid with no controller on the v2 mount'
  if (c.layout !== 'hybrid' || c.unifiedControllers.length === 0) return ok('cgroup', 'cgroup layout', found, needed)
  const steps: Step[] = c.unifiedControllers.flatMap((ctl) => {
    const dir = `/sys/fs/cgroup/${ctl}`
    return [
      { argv: ['mkdir', '-p', dir], sudo: true, createsDir: dir },
      {
        argv: ['mount', '-t', 'cgroup', '-o', ctl, 'cgroup', dir],
        sudo: true,
        change: {
          kind: 'cgroup-mount',
          description: `mounted the ${ctl} controller at ${dir} (off the v2 mount)`,
          revert: ['umount', dir],
        },
      },
    ]
  })
  return fixable(
    {
      id: 'cgroup',
      name: 'cgroup layout',
      found,
      needed,
      remedy: { name: `move ${c.unifiedControllers.join(', ')} to cgroup v1`, steps },
    },
    'error',
    opts,
  )
}

function systemd(f: HostFacts): Check {
  const found =
    `${f.runtimeDir.path}${f.runtimeDir.fromEnv ? '' : ' (XDG_RUNTIME_DIR unset)'}: ` +
    `${f.runtimeDir.usable ? 'usable' : 'not usable'}; user D-Bus: ${f.userBus ? 'yes' : 'no'}`
  const needed = 'a user runtime dir and D-Bus for the systemd cgroup manager and journald'
  if (f.runtimeDir.usable && f.userBus) return ok('systemd', 'user session', found, needed)
  return {
    id: 'systemd',
    name: 'user session',
    found,
    needed,
    status: 'warn',
    plan: 'none',
    severity: 'warning',
    handled: true,
    message: 'no user systemd session: the drop-in sets cgroup_manager = "cgroupfs" and events_logger = "file"',
    wiring: { noSystemd: true },
  }
}

function otherPodman(p: Probe): Check[] {
  const mine = p.installed?.realPath
  const others = p.podmans.filter((b) => b.realPath !== mine)
  const found = others.length ? others.map((b) => `${b.path} ${b.version ?? ''}`.trim()).join(', ') : 'none'
  const bare =
    p.podmans[0] && p.podmans[0].realPath !== mine
      ? `; a bare \`podman\` ran ${p.podmans[0].path} before this step (the installed one now comes first on PATH)`
      : ''
  const uid = p.facts.user.uid
  const lock = `/dev/shm/libpod_rootless_lock_${uid}`
  const clash = /failed to (open|create) \d+ locks in \S+: (numerical result out of range|file exists)/.exec(
    p.infoError ?? '',
  )
  // Another podman alone is normal (the runner image's own): a log line, not an annotation.
  // It warns only when the two really clash; the podman-coexist smoke check proves both work.
  const other: Check = {
    ...ok('other-podman', 'other podman', found, 'one podman'),
    ...(others.length > 0 && { message: `another podman is installed${bare}` }),
    ...(others.length > 0 && clash && { status: 'warn' as const }),
  }
  if (!clash) return [other]
  // The segment belongs to the other podman and its containers: deleting it could corrupt
  // them, and nothing could put it back. The action names the fix; the user decides.
  const fix = `rm -f ${lock} && ${mine ?? 'podman'} system renumber`
  return [
    other,
    {
      id: 'lock-clash',
      name: 'podman lock clash',
      found: clash[0],
      needed: 'a lock segment this podman can open',
      status: 'fail',
      plan: 'report',
      severity: 'error',
      message:
        `${lock} belongs to another podman, which this one cannot share; ` +
        `the action does not delete another podman's locks. When none of its containers is running: ${fix}`,
    },
  ]
}

export function planChecks(p: Probe, opts: RemedyOptions): Check[] {
  const f = p.facts
  return [
    uidmap(p, opts),
    subid(p, opts),
    userns(f),
    apparmor(p, opts),
    tun(f, opts),
    cgroup(f, opts),
    systemd(f),
    ...otherPodman(p),
  ]
}
