// What every rootless-blocker check is: a named check with a named remedy and the exact
// commands. With sudo allowed the commands run (always `sudo -n`, never a prompt) and every
// change carries its revert for the post step; without sudo each becomes an error or warning
// quoting them.
import type { Wiring } from '../../install/dropin.js'
import type { SystemChange } from '../change.js'
import type { Status } from '../evaluate.js'
import type { HostProbe } from '../probe.js'

export type CheckId =
  | 'uidmap'
  | 'subid'
  | 'userns'
  | 'apparmor'
  | 'tun'
  | 'cgroup'
  | 'systemd'
  | 'other-podman'
  | 'lock-clash'

export interface Step {
  argv: string[]
  /** run through `sudo -n` (unless the runner user is root) */
  sudo: boolean
  input?: string
  /** recorded (pending) before the step runs, for post to revert */
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

export type Probe = Pick<HostProbe, 'pieces' | 'facts' | 'podmans' | 'installed' | 'infoError'>

export const ok = (id: CheckId, name: string, found: string, needed: string): Check => ({
  id,
  name,
  found,
  needed,
  status: 'ok',
  plan: 'none',
  severity: 'warning',
})

/** A problem nothing here can fix: an error quoting what the user must do. */
export const unfixable = (base: Pick<Check, 'id' | 'name' | 'found' | 'needed'>, message: string): Check => ({
  ...base,
  status: 'fail',
  plan: 'report',
  severity: 'error',
  message,
})

/** A problem with a remedy: fixed when sudo is allowed, else reported with the commands. */
export function fixable(
  base: Omit<Check, 'status' | 'plan' | 'severity'>,
  severity: Check['severity'],
  opts: RemedyOptions,
  needsSudo = true,
): Check {
  const plan = !needsSudo || opts.allowSudo ? 'fix' : 'report'
  return { ...base, status: severity === 'error' ? 'fail' : 'warn', plan, severity }
}
