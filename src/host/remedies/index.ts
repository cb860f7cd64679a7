// The rootless blockers in the order the gate shows them: one file per check and remedy.
import { apparmor } from './apparmor.js'
import { cgroup } from './cgroup.js'
import type { Check, Probe, RemedyOptions } from './check.js'
import { otherPodman } from './other-podman.js'
import { subid } from './subid.js'
import { systemd } from './systemd.js'
import { tun } from './tun.js'
import { uidmap } from './uidmap.js'
import { userns } from './userns.js'

export { sessionWiring } from './systemd.js'

const CHECKS: ((p: Probe, opts: RemedyOptions) => Check | Check[])[] = [
  uidmap,
  subid,
  (p) => userns(p.facts),
  apparmor,
  (p, opts) => tun(p.facts, opts),
  (p, opts) => cgroup(p.facts, opts),
  (p) => systemd(p.facts),
  otherPodman,
]

export const planChecks = (p: Probe, opts: RemedyOptions): Check[] => CHECKS.flatMap((check) => check(p, opts))
