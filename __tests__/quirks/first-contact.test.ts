// The two quirks these machines come with, met by the action itself before anything has
// fixed them: /dev/net/tun 0600 (pasta and slirp4netns cannot open it) and hybrid cgroups
// with hugetlb on the v2 mount (crun refuses every container). scripts/test-all.sh runs
// this first, on the host as setup left it (SSP_KEEP_QUIRKS=1), and tells which quirks it
// found in SSP_QUIRKS. dist/main.cjs, as the runner user with sudo allowed, must detect
// each one before any container runs, fix it with sudo -n, prove networking with real
// containers, and its post step must revert exactly those changes.
import { describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { statSync } from 'node:fs'
import { runAction } from '../../test-support/runner.js'
import { useFixture } from '../integration/releases.js'

const present = new Set((process.env.SSP_QUIRKS ?? '').split(',').filter(Boolean))
const HUGETLB = '/sys/fs/cgroup/hugetlb'
const mounted = () => {
  try {
    execFileSync('mountpoint', ['-q', HUGETLB])
    return true
  } catch {
    return false
  }
}

const fixture = useFixture(['bookworm'])

const tun = present.has('tun')
const cgroup = present.has('cgroup')
// Jest has no skip-with-a-reason: the reason is the test's name.
const title =
  tun || cgroup
    ? `${[...present].join(' and ')}: detected before any container, fixed with sudo -n, containers run, ` +
      `post reverts it`
    : 'SKIPPED: this machine has neither quirk any more (tun 0666, no controller on the v2 mount); ' +
      'a fresh machine has both'

describe('first contact with this machine', () => {
  ;(tun || cgroup ? it : it.skip)(title, async () => {
    const work = await fixture.workspace()
    // network-host needs no tun: with only the cgroup quirk it still proves containers run.
    const checks = tun ? 'default-network,publish' : 'network-host'
    const inputs = {
      ...fixture.inputs(work, 'bookworm'),
      'allow-sudo': 'true',
      cleanup: 'true',
      'smoke-tests': checks,
    }
    const r = await runAction({ entry: 'main', work, inputs })
    const fixed = { tun: statSync('/dev/net/tun').mode & 0o777, hugetlb: mounted() }
    // post first, whatever main did: a fix left in place would pass for another test's
    const post = await runAction({ entry: 'post', work, inputs: {} })
    expect(r.errors).toEqual([])
    expect(r.outputs['smoke-result']).toBe('passed')
    if (cgroup) expect(r.summary).toMatch(/hybrid: v2 at \/sys\/fs\/cgroup\/unified lists hugetlb/)
    if (cgroup) expect(fixed.hugetlb).toBe(true)
    if (tun) expect(r.summary).toMatch(/\/dev\/net\/tun/)
    if (tun) expect(fixed.tun).toBe(0o666)

    expect(post.exitCode).toBe(0)
    if (tun) expect(post.stdout).toContain('Reverted: chmod 0666 /dev/net/tun (was 0600)')
    if (tun) expect(statSync('/dev/net/tun').mode & 0o777).toBe(0o600)
    if (cgroup) expect(post.stdout).toContain(`Reverted: mounted the hugetlb controller at ${HUGETLB}`)
    if (cgroup) expect(mounted()).toBe(false)
  })
})
