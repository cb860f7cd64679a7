import { type Check, fixable, ok, type Probe, type RemedyOptions, type Step, unfixable } from './check.js'

const TOOLS = ['newuidmap', 'newgidmap'] as const

/** apt-get install (or --reinstall, which restores a lost setuid bit) of package uidmap. */
function installStep(missing: boolean): Step {
  const argv = ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '--no-install-recommends']
  const step: Step = {
    argv: [...argv, ...(missing ? [] : ['--reinstall']), 'uidmap'],
    sudo: true,
    retryAfter: [['apt-get', 'update', '-qq']],
  }
  if (missing)
    step.change = { kind: 'package', description: 'installed package uidmap', revert: removeUnused('uidmap') }
  return step
}

// A fixed script; the package arrives as "$1", nothing is interpolated into it.
const REMOVE_UNUSED =
  'used=$(apt-cache rdepends --installed --no-suggests --no-enhances --no-conflicts --no-breaks --no-replaces "$1" ' +
  '| sed -n "3,\\$p" | tr -d " |" | sort -u | tr "\\n" " "); ' +
  'if [ -n "$used" ]; then echo "kept $1: installed packages rely on it: $used" >&2; exit 1; fi; ' +
  'exec dpkg --remove "$1"'

/**
 * The package alone, and only while no installed package depends on or recommends it: a
 * podman installed since (which recommends uidmap) keeps it. `apt-get remove` would take
 * such a package with it; `dpkg --remove` alone would leave it without its uidmap.
 */
export const removeUnused = (pkg: string): string[] => ['sh', '-c', REMOVE_UNUSED, 'sh', pkg]

export function uidmap(p: Probe, opts: RemedyOptions): Check {
  const bad = TOOLS.filter((t) => !p.pieces[t]?.path || !p.pieces[t]?.setuid)
  const found = TOOLS.map(
    (t) => `${t}: ${p.pieces[t]?.path ? `${p.pieces[t].path} (${p.pieces[t].raw})` : 'missing'}`,
  ).join(', ')
  const needed = 'newuidmap and newgidmap, setuid root (package uidmap)'
  if (bad.length === 0) return ok('uidmap', 'uidmap', found, needed)
  const base = { id: 'uidmap', name: 'uidmap', found, needed } as const
  if (!p.facts.aptGet)
    return unfixable(
      base,
      'install the package that provides setuid newuidmap/newgidmap (uidmap, or shadow-utils on Fedora)',
    )
  const missing = bad.some((t) => !p.pieces[t]?.path)
  const name = missing ? 'install uidmap' : 'reinstall uidmap (restores the setuid bit)'
  return fixable({ ...base, remedy: { name, steps: [installStep(missing)] } }, 'error', opts)
}
