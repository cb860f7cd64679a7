// Host-wide changes held by every job that relies on them (src/host/shared.ts), on a host
// scripted as data: the hold is taken before the change is made, the recorded revert
// leaves the hold first, another job's holds are joined before the gate looks, and a hold
// that cannot be taken keeps the plain revert. The scripts themselves run for real in
// __tests__/integration/concurrent.test.ts.
import { describe, expect, test } from '@jest/globals'
import type { SystemChange } from '../../src/host/change.js'
import { applyRemedies } from '../../src/host/apply-remedies.js'
import { probeHost } from '../../src/host/probe.js'
import type { RemedyOptions } from '../../src/host/remedies/check.js'
import { planChecks } from '../../src/host/remedies/index.js'
import { joinHolds, sudoExec } from '../../src/host/shared.js'
import { type FakeHost, healthyHost } from '../fixtures/host/fake-host.js'

const PODMAN = '/opt/hostedtoolcache/podman/5.7.1/x64/usr/local/bin/podman'
const opts: RemedyOptions = { allowSudo: true, apparmor: 'profile', podman: PODMAN }
const HOLDS = '/run/setup-static-podman/holds'
const LOCK = ['flock', '/run/lock/setup-static-podman.lock', 'sh', '-c']

async function fixTun(h: FakeHost) {
  const env = { PATH: '/usr/bin:/bin', XDG_RUNTIME_DIR: `/run/user/${h.user.uid}` }
  const probe = await probeHost(h, { env, user: h.user, podman: PODMAN })
  const recorded: SystemChange[] = []
  const before = h.calls.length
  const onChange = (c: SystemChange) => void (recorded.includes(c) || recorded.push(c))
  await applyRemedies(h, probe, planChecks(probe, opts), opts, { env, user: h.user, onChange, holdId: 'job1' })
  return { recorded, calls: h.calls.slice(before) }
}

const tun0600 = () => healthyHost().file(PODMAN, { mode: 0o755 }).file('/dev/net/tun', { kind: 'char', mode: 0o600 })

describe('a host-wide change', () => {
  test('is held before it is made; its revert leaves the hold and reverts only as the last holder', async () => {
    const h = tun0600()
    const joins: string[] = []
    h.on('flock', (args, input) => {
      joins.push(`${args.at(-1)} ${input}`)
      return { exitCode: 0 }
    })
    const { recorded, calls } = await fixTun(h)
    const lockCmd = (c: string) => (c.startsWith('sudo -n flock') ? c.split(' ').slice(0, 4).join(' ') : c)
    expect(calls.map(lockCmd)).toEqual([
      'sudo -n flock /run/lock/setup-static-podman.lock',
      'sudo -n chmod 0666 /dev/net/tun',
    ])
    expect(joins).toEqual([
      'job1 {"description":"chmod 0666 /dev/net/tun (was 0600)","revert":["chmod","0600","/dev/net/tun"]}',
    ])
    expect(recorded).toHaveLength(1)
    const { revert, pending } = recorded[0]
    expect(pending).toBeUndefined()
    expect(revert.slice(0, 4)).toEqual(LOCK)
    expect(revert[6]).toMatch(new RegExp(`^${HOLDS}/[0-9a-f]{16}$`))
    expect(revert.slice(7)).toEqual(['job1', 'chmod', '0600', '/dev/net/tun'])
  })

  test('a hold that cannot be taken (no flock): the plain revert is kept', async () => {
    const { recorded, calls } = await fixTun(tun0600())
    expect(calls.at(-1)).toBe('sudo -n chmod 0666 /dev/net/tun')
    expect(recorded.map((c) => c.revert)).toEqual([['chmod', '0600', '/dev/net/tun']])
  })
})

describe("another job's holds", () => {
  test('joined before the gate looks, each recorded with the revert its holder file names', async () => {
    const h = healthyHost()
    const hold = { description: 'chmod 0666 /dev/net/tun (was 0600)', revert: ['chmod', '0600', '/dev/net/tun'] }
    h.dir(`${HOLDS}/0123456789abcdef`, 0, 0o755).dir(`${HOLDS}/fedcba9876543210`, 0, 0o755)
    h.file(`${HOLDS}/0123456789abcdef/other`, { text: JSON.stringify(hold) })
    h.file(`${HOLDS}/fedcba9876543210/half`, { text: '{"descr' }) // being written: skipped
    const joined: string[] = []
    h.on('flock', (args) => {
      joined.push(args.slice(3).join(' '))
      return { exitCode: 0 }
    })
    const recorded: SystemChange[] = []
    await joinHolds(h, sudoExec(h, false), 'job2', (c) => void (recorded.includes(c) || recorded.push(c)))
    expect(joined).toEqual([`[ -d "$1" ] && cat > "$1/$2" sh ${HOLDS}/0123456789abcdef job2`])
    expect(recorded).toEqual([
      {
        kind: 'held',
        description: "chmod 0666 /dev/net/tun (was 0600) (another job's change, held while this job runs)",
        revert: [...LOCK, expect.stringContaining('rmdir'), 'sh', `${HOLDS}/0123456789abcdef`, 'job2', ...hold.revert],
        sudo: true,
      },
    ])
  })
})
