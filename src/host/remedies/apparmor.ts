import { ProfilePathError, profileFile, profileText } from '../apparmor.js'
import { type Check, fixable, ok, type Probe, type RemedyOptions, type Step, unfixable } from './check.js'

const KEY = 'kernel.apparmor_restrict_unprivileged_userns'

/** apparmor: sysctl: the restriction off for the whole machine. */
const sysctlSteps = (): Step[] => [
  {
    argv: ['sysctl', '-w', `${KEY}=0`],
    sudo: true,
    change: { kind: 'sysctl', description: `set ${KEY}=0 (whole machine)`, revert: ['sysctl', '-w', `${KEY}=1`] },
  },
]

/** apparmor: profile: a profile for exactly this podman, written then loaded. */
function profileSteps(target: string): Step[] {
  const file = profileFile(target)
  return [
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
}

export function apparmor(p: Probe, opts: RemedyOptions): Check {
  const a = p.facts.apparmor
  const target = p.installed?.realPath ?? opts.podman
  const found = a.enabled ? `${KEY}=${a.restrictUserns ? 1 : 0}` : 'AppArmor not enabled'
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
  if (opts.apparmor === 'sysctl')
    return fixable(
      { ...base, remedy: { name: 'turn the restriction off (apparmor: sysctl)', steps: sysctlSteps() } },
      'error',
      opts,
    )
  try {
    return fixable(
      { ...base, remedy: { name: `load a profile for ${target}`, steps: profileSteps(target) } },
      'error',
      opts,
    )
  } catch (err) {
    if (!(err instanceof ProfilePathError)) throw err
    return unfixable(base, `${err.message}; use apparmor: sysctl, or install podman at a plain path`)
  }
}
