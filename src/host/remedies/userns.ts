import type { HostFacts } from '../facts.js'
import { type Check, ok, unfixable } from './check.js'

export function userns(f: HostFacts): Check {
  const clone =
    f.userns.unprivilegedClone === undefined ? '' : `, kernel.unprivileged_userns_clone=${f.userns.unprivilegedClone}`
  const found = `user.max_user_namespaces=${f.userns.max ?? '?'}${clone}`
  const needed = 'unprivileged user namespaces enabled'
  const hints = [
    f.userns.max === 0 && 'sudo sysctl -w user.max_user_namespaces=15000',
    f.userns.unprivilegedClone === 0 && 'sudo sysctl -w kernel.unprivileged_userns_clone=1',
  ].filter(Boolean)
  if (hints.length === 0) return ok('userns', 'user namespaces', found, needed)
  return unfixable(
    { id: 'userns', name: 'user namespaces', found, needed },
    `user namespaces are disabled on this machine; the action does not change that. An administrator can: ` +
      `${hints.join('; ')}`,
  )
}
