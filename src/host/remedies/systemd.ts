import type { Wiring } from '../../install/dropin.js'
import type { HostFacts } from '../facts.js'
import { type Check, ok } from './check.js'

export function systemd(f: HostFacts): Check {
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

/**
 * The drop-in settings the user session calls for, known from the facts alone: main writes
 * them before the gate's one `podman info`, so the gate's answer is also the final one.
 */
export const sessionWiring = (f: HostFacts): Partial<Wiring> => systemd(f).wiring ?? {}
