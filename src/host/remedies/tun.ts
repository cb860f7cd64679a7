import type { HostFacts } from '../facts.js'
import { type Check, fixable, ok, type RemedyOptions, type Step, unfixable } from './check.js'

export function tun(f: HostFacts, opts: RemedyOptions): Check {
  const mode = f.tun.mode?.toString(8).padStart(4, '0')
  const found = f.tun.exists
    ? `/dev/net/tun mode ${mode}${f.tun.usable ? '' : `, not usable by ${f.user.name}`}`
    : '/dev/net/tun missing'
  const needed = 'read/write for the runner user (pasta and slirp4netns open it)'
  if (f.tun.usable) return ok('tun', '/dev/net/tun', found, needed)
  const base = { id: 'tun', name: '/dev/net/tun', found, needed } as const
  if (!f.tun.exists)
    return unfixable(base, 'no TUN device: load the tun module (modprobe tun); rootless networking needs it')
  const chmod: Step = {
    argv: ['chmod', '0666', '/dev/net/tun'],
    sudo: true,
    change: {
      kind: 'tun-mode',
      description: `chmod 0666 /dev/net/tun (was ${mode})`,
      revert: ['chmod', mode ?? '0600', '/dev/net/tun'],
    },
  }
  const remedy = { name: 'make /dev/net/tun usable (mode 0666, the usual default)', steps: [chmod] }
  return fixable({ ...base, remedy }, 'error', opts)
}
