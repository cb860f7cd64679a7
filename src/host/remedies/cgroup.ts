import type { HostFacts } from '../facts.js'
import { type Check, fixable, ok, type RemedyOptions, type Step } from './check.js'

/** Hybrid cgroups with controllers still on the v2 mount: crun refuses to start anything. */
export function cgroup(f: HostFacts, opts: RemedyOptions): Check {
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
