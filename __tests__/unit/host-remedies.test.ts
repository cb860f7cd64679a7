import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { beforeAll, describe, expect, test } from '@jest/globals'
import { revertChanges } from '../../src/step/post.js'
import type { SystemChange } from '../../src/host/change.js'
import { profileFile, profileText } from '../../src/host/apparmor.js'
import { applyRemedies, blockingChecks, commandText } from '../../src/host/apply-remedies.js'
import { readFacts } from '../../src/host/facts.js'
import { realHostFs } from '../../src/host/fs.js'
import { probeHost } from '../../src/host/probe.js'
import type { RemedyOptions } from '../../src/host/remedies/check.js'
import { planChecks } from '../../src/host/remedies/index.js'
import { freeRange } from '../../src/host/remedies/subid.js'
import { removeUnused } from '../../src/host/remedies/uidmap.js'
import { gatePhase } from '../../src/report/gate-phase.js'
import { html } from '../../src/report/html.js'
import { FakeHost, healthyHost } from '../fixtures/host/fake-host.js'
import { loadSnapshot } from '../fixtures/host/load.js'
import { regex } from '../helpers/regex.js'

const PODMAN = '/opt/hostedtoolcache/podman/5.7.1/x64/usr/local/bin/podman'
const sudo: RemedyOptions = { allowSudo: true, apparmor: 'profile', podman: PODMAN }
const noSudo: RemedyOptions = { ...sudo, allowSudo: false }

beforeAll(() => {
  // post's revertChanges logs through the real @actions/core
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ssp-host-'))
  for (const f of ['GITHUB_OUTPUT', 'GITHUB_STATE']) {
    process.env[f] = path.join(dir, f)
    writeFileSync(process.env[f] as string, '')
  }
})

function host(edit: (h: FakeHost) => void = () => undefined): FakeHost {
  const h = healthyHost().file(PODMAN, { mode: 0o755 })
  edit(h)
  return h
}

async function remedy(h: FakeHost, opts: RemedyOptions) {
  const env = { PATH: '/usr/local/bin:/usr/bin:/bin', XDG_RUNTIME_DIR: `/run/user/${h.user.uid}` }
  const probe = await probeHost(h, { env, user: h.user, podman: PODMAN })
  const checks = planChecks(probe, opts)
  const recorded: SystemChange[] = []
  /** each change as first recorded: pending or not, and how many commands had run by then */
  const firstRecord: [string, boolean, number][] = []
  const before = blockingChecks(checks, h.user)
  const callsBefore = h.calls.length
  const onChange = (c: SystemChange): void => {
    if (recorded.includes(c)) return
    recorded.push(c)
    firstRecord.push([c.kind, c.pending === true, h.calls.length - callsBefore])
  }
  const out = await applyRemedies(h, probe, checks, opts, { env, user: h.user, onChange })
  return { checks, out, recorded, firstRecord, before, remedyCalls: h.calls.slice(callsBefore) }
}

const status = (out: Awaited<ReturnType<typeof remedy>>['out'], id: string) => out.checks.find((c) => c.id === id)

/** This machine's two real quirks: /dev/net/tun 0600 and hybrid cgroups with hugetlb on the v2 mount. */
function testMachine(h: FakeHost): void {
  h.file('/dev/net/tun', { kind: 'char', mode: 0o600 })
  h.file('/proc/self/mounts', {
    text:
      'cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0\n' +
      'cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0\n' +
      'cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n',
  })
  h.file('/sys/fs/cgroup/unified/cgroup.controllers', { text: 'hugetlb\n' })
  h.on('mount', (args) => {
    const [ctl, dir] = [args[3], args[5]]
    h.file('/proc/self/mounts', { text: `${h.text('/proc/self/mounts')}cgroup ${dir} cgroup rw,relatime,${ctl} 0 0\n` })
    h.file('/sys/fs/cgroup/unified/cgroup.controllers', { text: '\n' })
    return { exitCode: 0 }
  })
  h.on('umount', ([dir]) => {
    h.file('/proc/self/mounts', {
      text: (h.text('/proc/self/mounts') ?? '')
        .split('\n')
        .filter((l) => l && !l.includes(` ${dir} `))
        .map((l) => `${l}\n`)
        .join(''),
    })
    h.file('/sys/fs/cgroup/unified/cgroup.controllers', { text: 'hugetlb\n' })
    return { exitCode: 0 }
  })
}

describe('a healthy host', () => {
  test('every check passes and nothing runs', async () => {
    const h = host()
    const { out, remedyCalls } = await remedy(h, sudo)
    expect(out.checks.map((c) => [c.id, c.outcome])).toEqual([
      ['uidmap', 'ok'],
      ['subid', 'ok'],
      ['userns', 'ok'],
      ['apparmor', 'ok'],
      ['tun', 'ok'],
      ['cgroup', 'ok'],
      ['systemd', 'ok'],
      ['other-podman', 'ok'],
    ])
    expect(remedyCalls).toEqual([])
    expect(out.failures).toEqual([])
  })
})

describe("this machine's quirks: /dev/net/tun 0600 and hybrid cgroups", () => {
  test('detected, fixed with sudo -n, checked again, and reverted by post to the exact original state', async () => {
    const h = host(testMachine)
    const original = h.state()
    const { checks, out, recorded, firstRecord, remedyCalls } = await remedy(h, sudo)
    expect(checks.find((c) => c.id === 'tun')?.found).toBe('/dev/net/tun mode 0600, not usable by runner')
    // each recorded, pending, before its own command ran (0, 1, 2 commands had run by then)
    expect(firstRecord).toEqual([
      ['tun-mode', true, 0],
      ['mkdir', true, 1],
      ['cgroup-mount', true, 2],
    ])
    expect(checks.find((c) => c.id === 'cgroup')?.found).toBe('hybrid: v2 at /sys/fs/cgroup/unified lists hugetlb')
    expect(remedyCalls).toEqual([
      'sudo -n chmod 0666 /dev/net/tun',
      'sudo -n mkdir -p /sys/fs/cgroup/hugetlb',
      'sudo -n mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb',
    ])
    expect([status(out, 'tun')?.outcome, status(out, 'cgroup')?.outcome]).toEqual(['fixed', 'fixed'])
    expect(out.changes).toEqual([
      {
        kind: 'tun-mode',
        description: 'chmod 0666 /dev/net/tun (was 0600)',
        revert: ['chmod', '0600', '/dev/net/tun'],
        sudo: true,
      },
      {
        kind: 'mkdir',
        description: 'created /sys/fs/cgroup/hugetlb',
        revert: ['rmdir', '/sys/fs/cgroup/hugetlb'],
        sudo: true,
      },
      {
        kind: 'cgroup-mount',
        description: 'mounted the hugetlb controller at /sys/fs/cgroup/hugetlb (off the v2 mount)',
        revert: ['umount', '/sys/fs/cgroup/hugetlb'],
        sudo: true,
      },
    ])
    expect(recorded).toEqual(out.changes)
    expect(out.failures).toEqual([])
    await revertChanges(h.run, out.changes)
    expect(h.calls.slice(-3)).toEqual([
      'sudo -n umount /sys/fs/cgroup/hugetlb',
      'sudo -n rmdir /sys/fs/cgroup/hugetlb',
      'sudo -n chmod 0600 /dev/net/tun',
    ])
    expect(h.state()).toEqual(original)
  })

  test('without sudo: nothing runs, and the step fails before anything with the exact commands', async () => {
    const h = host(testMachine)
    const { out, before, remedyCalls } = await remedy(h, noSudo)
    expect(remedyCalls).toEqual([])
    expect(before).toEqual(out.failures)
    expect(out.failures).toEqual([
      '/dev/net/tun: /dev/net/tun mode 0600, not usable by runner. allow-sudo is false; run:\n' +
        'sudo chmod 0666 /dev/net/tun',
      'cgroup layout: hybrid: v2 at /sys/fs/cgroup/unified lists hugetlb. allow-sudo is false; run:\n' +
        'sudo mkdir -p /sys/fs/cgroup/hugetlb\nsudo mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb',
    ])
  })

  test('a remedy sudo refuses: the failure quotes sudo and the commands; its record stays pending', async () => {
    const h = host(testMachine)
    h.failing.set('sudo -n chmod 0666 /dev/net/tun', 'sudo: a password is required')
    const { out, recorded } = await remedy(h, sudo)
    expect(status(out, 'tun')?.actionText).toBe(
      'make /dev/net/tun usable (mode 0666, the usual default) failed: sudo -n chmod 0666 /dev/net/tun failed: ' +
        'sudo: a password is required. To fix by hand:\nsudo chmod 0666 /dev/net/tun',
    )
    expect(out.changes.map((c) => c.kind)).toEqual(['mkdir', 'cgroup-mount'])
    // recorded before it ran, and never confirmed: post tries its (harmless) revert quietly
    expect(recorded.map((c) => [c.kind, c.pending === true])).toEqual([
      ['tun-mode', true],
      ['mkdir', false],
      ['cgroup-mount', false],
    ])
    expect(out.failures).toHaveLength(1)
  })
})

describe('subordinate ids', () => {
  const noRange = (h: FakeHost) =>
    h
      .file('/etc/subuid', { text: 'tester:100000:65536\nssp-smoke:165536:65536\n' })
      .file('/etc/subgid', { text: 'tester:100000:65536\n' })

  test('a free range above all given out, then podman system migrate; post deletes just those lines', async () => {
    expect(
      freeRange([
        { owner: 'a', start: 100000, count: 65536 },
        { owner: 'b', start: 165536, count: 65536 },
      ]),
    ).toEqual({ start: 231072, end: 296607 })
    const h = host(noRange).on(PODMAN, () => ({ exitCode: 0 }))
    const original = h.state()
    const { out, remedyCalls } = await remedy(h, sudo)
    expect(remedyCalls).toEqual([
      'sudo -n usermod --add-subuids 231072-296607 runner',
      'sudo -n usermod --add-subgids 231072-296607 runner',
      `${PODMAN} system migrate`,
    ])
    expect(h.text('/etc/subuid')).toBe('tester:100000:65536\nssp-smoke:165536:65536\nrunner:231072:65536\n')
    expect(status(out, 'subid')?.outcome).toBe('fixed')
    // not usermod --del-subuids: shadow refuses it while the user has processes, as the runner user always does in
    // post
    expect(out.changes.map((c) => c.revert)).toEqual([
      ['sed', '-i', '/^runner:231072:65536$/d', '/etc/subuid'],
      ['sed', '-i', '/^runner:231072:65536$/d', '/etc/subgid'],
    ])
    await revertChanges(h.run, out.changes)
    expect(h.state()).toEqual(original)
  })

  test('the revert pattern escapes regex characters in the user name (real sed checks it in integration)', async () => {
    const h = new FakeHost({ name: 'svc.ci$', uid: 1001 })
    for (const [k, f] of healthyHost().files) h.files.set(k, f)
    h.file('/etc/subuid', { text: 'svcXci$:100000:65536\n' })
      .file('/etc/subgid', { text: 'svcXci$:100000:65536\n' })
      .file(PODMAN, { mode: 0o755 })
      .on(PODMAN, () => ({ exitCode: 0 }))
    const { out } = await remedy(h, sudo)
    expect(out.changes[0].revert[2]).toBe('/^svc\\.ci\\$:165536:65536$/d')
    await revertChanges(h.run, out.changes)
    expect(h.text('/etc/subuid')).toBe('svcXci$:100000:65536\n')
  })

  test('without sudo: an error with the usermod lines', async () => {
    const { out } = await remedy(host(noRange), noSudo)
    expect(out.failures[0]).toMatch(
      regex(
        /^subordinate ids: runner: subuid none, subgid none\. allow-sudo is false; run:\n/,
        /sudo usermod --add-subuids 231072-296607 runner\n/,
        /sudo usermod --add-subgids 231072-296607 runner\n\S+ system migrate$/,
      ),
    )
  })
})

describe('uidmap', () => {
  const apt = (h: FakeHost) =>
    h.on('env', (args) => {
      if (args.includes('install'))
        for (const p of ['/usr/bin/newuidmap', '/usr/bin/newgidmap']) h.file(p, { mode: 0o4755 })
      return { exitCode: 0 }
    })

  test('missing: apt-get install (retried after apt-get update), recorded as a package to remove', async () => {
    const h = host((x) => {
      x.files.delete('/usr/bin/newuidmap')
      x.files.delete('/usr/bin/newgidmap')
      apt(x).on('apt-get', () => ({ exitCode: 0 }))
      x.failing.set(
        'sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends uidmap',
        'E: Unable to locate package uidmap',
      )
    })
    let once = true
    h.on('apt-get', () => {
      if (once)
        h.failing.delete('sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends uidmap')
      once = false
      return { exitCode: 0 }
    })
    const { out, remedyCalls } = await remedy(h, sudo)
    expect(remedyCalls.slice(0, 3)).toEqual([
      'sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends uidmap',
      'sudo -n apt-get update -qq',
      'sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends uidmap',
    ])
    expect(status(out, 'uidmap')?.outcome).toBe('fixed')
    expect(out.changes).toEqual([
      {
        kind: 'package',
        description: 'installed package uidmap',
        revert: removeUnused('uidmap'),
        sudo: true,
      },
    ])
  })

  test('present without the setuid bit: reinstall, nothing to revert', async () => {
    const h = apt(host((x) => x.file('/usr/bin/newuidmap', { mode: 0o755 })))
    const { out, remedyCalls } = await remedy(h, sudo)
    expect(remedyCalls[0]).toBe(
      'sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends --reinstall uidmap',
    )
    expect(out.changes).toEqual([])
    expect(status(out, 'uidmap')?.outcome).toBe('fixed')
  })

  test('no apt: an error naming the package, nothing run', async () => {
    const h = host((x) => {
      x.files.delete('/usr/bin/apt-get')
      x.files.delete('/usr/bin/newgidmap')
    })
    const { out, remedyCalls } = await remedy(h, sudo)
    expect(remedyCalls).toEqual([])
    expect(out.failures).toEqual([
      expect.stringMatching(
        /^uidmap: .*newgidmap: missing\. install the package that provides setuid newuidmap\/newgidmap/,
      ),
    ])
  })
})

describe('AppArmor kernel.apparmor_restrict_unprivileged_userns=1', () => {
  const restricted = (h: FakeHost) =>
    h
      .file('/sys/module/apparmor/parameters/enabled', { text: 'Y\n' })
      .file('/proc/sys/kernel/apparmor_restrict_unprivileged_userns', { text: '1\n' })
      .dir('/etc/apparmor.d')
      .file('/etc/apparmor.d/podman', { text: 'profile podman /usr/bin/podman flags=(unconfined) {\n  userns,\n}\n' })

  test('a profile for the exact installed path, loaded by apparmor_parser -r; post unloads, deletes it', async () => {
    const h = host(restricted)
    const original = h.state()
    const { out, remedyCalls } = await remedy(h, sudo)
    const file = profileFile(PODMAN)
    expect(remedyCalls).toEqual([`sudo -n tee ${file}`, `sudo -n apparmor_parser -r ${file}`])
    expect(h.text(file)).toBe(profileText(PODMAN))
    expect(h.text(file)).toContain(`profile setup-static-podman-`)
    expect(h.text(file)).toContain(` ${PODMAN} flags=(unconfined) {\n  userns,\n}`)
    // the distro profile is never edited
    expect(h.text('/etc/apparmor.d/podman')).toBe(original['/etc/apparmor.d/podman'].text)
    expect(status(out, 'apparmor')?.outcome).toBe('fixed')
    await revertChanges(h.run, out.changes)
    expect(h.calls.slice(-2)).toEqual([`sudo -n apparmor_parser -R ${file}`, `sudo -n rm -f ${file}`])
    expect(h.state()).toEqual(original)
  })

  test('apparmor: sysctl flips the whole machine only when asked, and post flips it back', async () => {
    const h = host(restricted).on('sysctl', ([, kv]) => {
      h.file('/proc/sys/kernel/apparmor_restrict_unprivileged_userns', { text: `${kv.split('=')[1]}\n` })
      return { exitCode: 0 }
    })
    const { out, remedyCalls } = await remedy(h, { ...sudo, apparmor: 'sysctl' })
    expect(remedyCalls).toEqual(['sudo -n sysctl -w kernel.apparmor_restrict_unprivileged_userns=0'])
    expect(out.changes[0].revert).toEqual(['sysctl', '-w', 'kernel.apparmor_restrict_unprivileged_userns=1'])
  })

  test('apparmor: none leaves it, with a warning that says what will fail', async () => {
    const { out, remedyCalls } = await remedy(host(restricted), { ...sudo, apparmor: 'none' })
    expect(remedyCalls).toEqual([])
    expect(out.warnings).toEqual([expect.stringContaining("will fail with 'failed to reexec: Permission denied'")])
  })

  test('without sudo: the profile and both commands in the error', async () => {
    const { out } = await remedy(host(restricted), noSudo)
    expect(out.failures[0]).toContain(
      `sudo tee ${profileFile(PODMAN)} >/dev/null <<'EOF'\n${profileText(PODMAN)}EOF\n` +
        `sudo apparmor_parser -r ${profileFile(PODMAN)}`,
    )
  })

  test('already allowed by a loaded profile for that path: nothing to do', async () => {
    const h = host((x) => restricted(x).file('/etc/apparmor.d/mine', { text: profileText(PODMAN) }))
    expect(status((await remedy(h, sudo)).out, 'apparmor')?.outcome).toBe('ok')
  })
})

describe('reported, never fixed', () => {
  test('user namespaces disabled', async () => {
    const { out, remedyCalls } = await remedy(
      host((h) => h.file('/proc/sys/user/max_user_namespaces', { text: '0\n' })),
      sudo,
    )
    expect(remedyCalls).toEqual([])
    expect(out.failures).toEqual([
      expect.stringContaining(
        'user namespaces are disabled on this machine; the action does not change that. An administrator can: ' +
          'sudo sysctl -w user.max_user_namespaces=15000',
      ),
    ])
  })

  test('no user D-Bus: cgroupfs and the file events logger in the drop-in; handled: a log note only', async () => {
    const { out } = await remedy(
      host((h) => h.files.delete('/run/user/1001/bus')),
      sudo,
    )
    expect(out.wiring).toEqual({ noSystemd: true })
    expect(out.failures).toEqual([])
    expect(out.warnings).toEqual([])
    expect(out.notes).toEqual([expect.stringContaining('cgroup_manager = "cgroupfs"')])
    expect(status(out, 'systemd')?.status).toBe('warn') // still ⚠️ in the summary table
  })

  test('another podman on PATH: which one a bare `podman` ran', async () => {
    const h = host((x) =>
      x
        .file('/usr/bin/podman', { mode: 0o755 })
        .on('/usr/bin/podman', () => ({ exitCode: 0, stdout: 'podman version 4.9.3\n' })),
    )
    const { out } = await remedy(h, sudo)
    expect(status(out, 'other-podman')?.actionText).toBe(
      'another podman is installed; a bare `podman` ran /usr/bin/podman before this step (the installed one now ' +
        'comes first on PATH)',
    )
    // Issue 11: the runner's own podman is normal: a log line, never a ::warning::.
    expect(status(out, 'other-podman')?.status).toBe('ok')
    expect(out.warnings.filter((w) => w.includes('podman'))).toEqual([])
    expect(out.notes).toEqual(
      expect.arrayContaining([expect.stringMatching(/^other podman: \/usr\/bin\/podman 4\.9\.3\. another podman/)]),
    )
  })

  test("the lock clash with the apt podman's shared-memory locks: reported with the fix, never deleted", async () => {
    const h = host((x) =>
      x.file('/usr/bin/podman', { mode: 0o755 }).on(PODMAN, (args) =>
        args[0] === 'info'
          ? {
              exitCode: 125,
              stderr: 'Error: failed to open 2048 locks in /libpod_rootless_lock_1001: numerical result out of range',
            }
          : { exitCode: 0 },
      ),
    )
    h.on('rm', () => ({ exitCode: 0 }))
    const { out, remedyCalls } = await remedy(h, noSudo)
    expect(remedyCalls).toEqual([])
    expect(status(out, 'lock-clash')?.outcome).toBe('reported')
    expect(out.failures.join('\n')).toContain(
      "the action does not delete another podman's locks. When none of its containers is running: " +
        `rm -f /dev/shm/libpod_rootless_lock_1001 && ${PODMAN} system renumber`,
    )
    expect(status(out, 'other-podman')?.status).toBe('warn') // a real clash: worth an annotation
  })

  test('the lock clash with allow-sudo too: only reported; nothing is deleted or recorded', async () => {
    const h = host((x) =>
      x
        .file('/usr/bin/podman', { mode: 0o755 })
        .on(PODMAN, (args) =>
          args[0] === 'info'
            ? { exitCode: 125, stderr: 'Error: failed to create 2048 locks in /libpod_rootless_lock_1001: file exists' }
            : { exitCode: 0 },
        ),
    )
    const { out, recorded, remedyCalls } = await remedy(h, sudo)
    expect(remedyCalls.filter((c) => /\brm\b|renumber/.test(c))).toEqual([])
    expect([recorded, out.changes]).toEqual([[], []])
    expect(status(out, 'lock-clash')?.outcome).toBe('reported')
  })
})

test("the gate's summary: a row per check, icons after remedies; an unfixed one is a problem with a fix", async () => {
  const { out } = await remedy(host(testMachine), noSudo)
  const phase = gatePhase({ pieces: [], checks: out.checks })
  const checks = phase.tables[1]
  expect(checks.head).toEqual(['Host check', 'Found', 'Result'])
  const tun = checks.rows.find((r) => r[0] === '/dev/net/tun')?.map((c) => html(c))
  expect(tun?.[2]).toBe('❌ allow-sudo is false; run:')
  const problem = phase.problems.find((p) => p.what === '/dev/net/tun')
  expect(problem?.tone).toBe('fail')
  // the commands in full under the cause, one a line, not squeezed into a table cell
  expect(html(problem?.fix ?? '')).toBe('allow-sudo is false; run:<br><code>sudo chmod 0666 /dev/net/tun</code>')
})

test('commands are shown the way a person types them', () => {
  expect(commandText({ argv: ['usermod', '--add-subuids', '1-2', "o'brien"], sudo: true })).toBe(
    "sudo usermod --add-subuids 1-2 'o'\\''brien'",
  )
  expect(commandText({ argv: ['chmod', '0666', '/dev/net/tun'], sudo: true }, true)).toBe('chmod 0666 /dev/net/tun')
})

describe("detection through an injectable root, on this machine's real mount table", () => {
  test('the hybrid quirk as it was here (hugetlb still on the v2 mount) is found via realHostFs(root)', async () => {
    const snap = loadSnapshot('bookworm')
    const mounts = String(snap.fs['readFile /proc/self/mounts'])
    // the fix setup-test-host.sh applied
    expect(mounts).toContain('cgroup /sys/fs/cgroup/hugetlb cgroup rw,relatime,hugetlb')
    const root = mkdtempSync(path.join(os.tmpdir(), 'ssp-root-'))
    const put = (p: string, text: string) => {
      mkdirSync(path.dirname(path.join(root, p)), { recursive: true })
      writeFileSync(path.join(root, p), text)
    }
    put('proc/self/mounts', mounts.replace(/^cgroup \/sys\/fs\/cgroup\/hugetlb .*\n/m, '')) // the fix taken out again
    put('sys/fs/cgroup/unified/cgroup.controllers', 'hugetlb\n')
    const facts = await readFacts(realHostFs(root), {}, { name: 'runner', uid: 1001 })
    expect(facts.cgroup).toEqual({
      layout: 'hybrid',
      unifiedMount: '/sys/fs/cgroup/unified',
      unifiedControllers: ['hugetlb'],
      v1Controllers: ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids'],
    })
    expect(facts.tun).toEqual({ exists: false, mode: undefined, usable: false })
  })
})
