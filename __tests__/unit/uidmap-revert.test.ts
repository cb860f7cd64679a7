// The uidmap revert's check runs for real against this machine's package database (read
// only): a package an installed one depends on or recommends is kept; one nothing relies on
// goes on to `dpkg --remove` of that package alone. Run without privileges, so dpkg itself
// always refuses (superuser required) and nothing is ever removed here.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { describe, expect, test } from '@jest/globals'
import { removeUnused } from '../../src/host/remedies/uidmap.js'

/** as nobody when the tests run as root, so dpkg can never remove anything */
function revert(pkg: string) {
  const [cmd, ...args] = removeUnused(pkg)
  const argv =
    process.getuid?.() === 0
      ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', cmd, ...args]
      : [cmd, ...args]
  return spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' })
}

const installed = (pkg: string): boolean => {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${Status}', pkg], { encoding: 'utf8' }).includes('installed')
  } catch {
    return false
  }
}

// scripts/setup-test-host.sh installs podman (it recommends uidmap) and uidmap; GitHub's Ubuntu images have both.
const here = existsSync('/usr/bin/apt-cache') && installed('podman') && installed('uidmap')
// Elsewhere skipped, and jest reports it skipped: the check needs a machine's package database.
const suite = here ? describe : describe.skip

suite('the uidmap revert on this machine', () => {
  test('uidmap, which the installed podman recommends, is kept, naming podman', () => {
    const r = revert('uidmap')
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/^kept uidmap: installed packages rely on it: .*\bpodman\b/m)
  })

  test('a package nothing relies on goes on to dpkg --remove (refused here: no privileges)', () => {
    const r = revert('ssp-no-such-package')
    expect(r.status).not.toBe(0)
    expect(r.stderr).not.toMatch(/^kept /m)
    expect(r.stderr).toMatch(/dpkg: error: requested operation requires superuser privilege/)
  })
})
