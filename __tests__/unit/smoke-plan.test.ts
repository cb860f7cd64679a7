// Pure parts of the smoke suite: which checks run where (and why not), what network a
// container got, the internet decision, argv, and the report/summary built from results.
// Facts below are the values the probe really read on this machine (host 4.3.1, trixie 5.4.2).
import { describe, expect, it } from '@jest/globals'
import type { PodmanInfo } from '../../src/host/info.js'
import { isFullyQualified, probeArgv, rmArgv } from '../../src/smoke/argv.js'
import { detectKind, expectedDefault, internet4, internet6 } from '../../src/smoke/facts.js'
import { SMOKE_CHECK_IDS } from '../../src/inputs.js'
import { capabilities, plan, SMOKE_CHECKS } from '../../src/smoke/plan.js'
import { PROBE_SCRIPT, type Facts } from '../../src/smoke/probe.js'
import { regex } from '../helpers/regex.js'
import { type CheckReport, type SmokeReport, smokeHeadline, suiteResult } from '../../src/smoke/report.js'
import { html } from '../../src/report/html.js'
import { smokePhase } from '../../src/report/smoke-phase.js'

const lo = { name: 'lo', mtu: 65536, addrs: ['127.0.0.1/8', '::1/128'] }
const facts = (f: Partial<Facts>): Facts => ({ interfaces: [lo], gw4: [], gw6: [], hosts: [], nameservers: [], ...f })
const HOST = facts({
  interfaces: [
    { name: 'eth0', mtu: 1400, addrs: ['192.0.2.2/24', 'fd00::2/64', 'fe80::fc:ff:fe00:1/64'] },
    { name: 'ifb0', mtu: 1500, addrs: [] },
    { name: 'ifb1', mtu: 1500, addrs: [] },
    lo,
  ],
  gw4: [{ dev: 'eth0', via: '192.0.2.1' }],
  gw6: [{ dev: 'eth0', via: 'fd00:0:0:0:0:0:0:1' }],
  nameservers: ['10.255.255.53'],
})
const PASTA = facts({
  interfaces: [{ name: 'eth0', mtu: 65520, addrs: ['192.0.2.2/24', 'fd00::2/64'] }, lo],
  gw4: [{ dev: 'eth0', via: '192.0.2.1' }],
})
const SLIRP = facts({
  interfaces: [lo, { name: 'tap0', mtu: 65520, addrs: ['10.0.2.100/24', 'fd00::5c78:3bff:fea9:6274/64'] }],
  gw4: [{ dev: 'tap0', via: '10.0.2.2' }],
})
const BRIDGE = facts({
  interfaces: [{ name: 'eth0', mtu: 1500, addrs: ['10.88.0.5/16'] }, lo],
  gw4: [{ dev: 'eth0', via: '10.88.0.1' }],
})
// A runner-like host: private address behind NAT, global IPv6 address.
const ONLINE = facts({
  interfaces: [{ name: 'eth0', mtu: 1500, addrs: ['10.1.0.4/16', '2a01:111:f100::4/64'] }, lo],
  gw4: [{ dev: 'eth0', via: '10.1.0.1' }],
  gw6: [{ dev: 'eth0', via: 'fe80:0:0:0:0:0:0:1' }],
  nameservers: ['127.0.0.53'],
})

const tool = (path?: string) => ({ path })
const INFO_431: PodmanInfo = {
  version: '4.3.1',
  ociRuntime: tool('/usr/bin/crun'),
  conmon: tool(),
  pasta: tool(),
  slirp4netns: tool('/usr/bin/slirp4netns'),
  netavark: tool('/usr/lib/podman/netavark'),
  aardvarkDns: tool(),
  networkBackend: 'netavark',
  rootless: true,
}
const INFO_542: PodmanInfo = {
  ...INFO_431,
  version: '5.4.2',
  pasta: { path: '/usr/bin/pasta', version: '', package: 'passt_0.0~git20250503.587980c-2+deb13u1_amd64' },
  rootlessNetworkCmd: 'pasta',
}

const caps = (info: PodmanInfo, host = HOST, extra: { internet?: 'auto' | 'skip'; defaultNetwork?: string } = {}) =>
  capabilities({
    info,
    podmanVersion: info.version!,
    hostFacts: host,
    internet: extra.internet ?? 'auto',
    defaultNetwork: extra.defaultNetwork,
  })
const skips = (runnables: ReturnType<typeof plan>) => Object.fromEntries(runnables.map((r) => [r.id, r.skip]))

describe('plan: which checks run on which stack', () => {
  it('podman 4.3.1 (slirp4netns default): pasta checks skipped with the reason, slirp4netns checks run', () => {
    const s = skips(plan(SMOKE_CHECKS, caps(INFO_431), 'auto'))
    expect(s['pasta-loopback']).toBe('pasta needs podman >= 4.4 (have 4.3.1)')
    expect(s['pasta-map-gw']).toBe('pasta needs podman >= 4.4 (have 4.3.1)')
    for (const id of [
      'default-network',
      'publish',
      'slirp4netns-loopback',
      'port-handler-slirp4netns',
      'port-handler-rootlesskit',
      'custom-network',
      'tls-volume',
      'network-host',
      'network-none',
    ]) {
      expect([id, s[id]]).toEqual([id, undefined])
    }
    expect(plan(SMOKE_CHECKS, caps(INFO_431), 'auto').find((r) => r.id === 'tls-volume')?.mode).toBe(
      'slirp4netns:allow_host_loopback=true',
    )
  })

  it('podman 5.4.2 (pasta default): pasta checks run; the TLS check goes through pasta -T', () => {
    const runnables = plan(SMOKE_CHECKS, caps(INFO_542), 'auto')
    expect(skips(runnables)['pasta-loopback']).toBeUndefined()
    expect(runnables.find((r) => r.id === 'tls-volume')?.mode).toBe('pasta:-T')
    expect(runnables.find((r) => r.id === 'default-network')?.mode).toBe('default (pasta)')
  })

  it('podman 6 has no slirp4netns; no pasta in podman info; CNI backend', () => {
    const s6 = skips(plan(SMOKE_CHECKS, caps({ ...INFO_542, version: '6.0.0' }), 'auto'))
    expect(s6['slirp4netns-loopback']).toBe('podman 6.0.0 has no slirp4netns support (removed in 6.0)')
    const noPasta = skips(plan(SMOKE_CHECKS, caps({ ...INFO_542, pasta: {} }), 'auto'))
    expect(noPasta['pasta-map-gw']).toBe('pasta not found (podman info reports no pasta)')
    const cni = skips(plan(SMOKE_CHECKS, caps({ ...INFO_431, networkBackend: 'cni' }), 'auto'))
    expect(cni['custom-network']).toBe('needs the netavark backend (have cni)')
  })

  it('offline here: internet checks skipped with what was looked at, and no traffic', () => {
    const s = skips(plan(SMOKE_CHECKS, caps(INFO_542), 'all'))
    expect(s['internet-https']).toMatch(
      regex(
        /^no internet: IPv4 default route via 192\.0\.2\.1 on eth0 \(address 192\.0\.2\.2\) is in an RFC /,
        /5737 documentation range/,
      ),
    )
    expect(s['internet-https']).toContain('no traffic sent')
    expect(skips(plan(SMOKE_CHECKS, caps(INFO_542, HOST, { internet: 'skip' }), 'all'))['internet-dns']).toMatch(
      /^no internet: not tried/,
    )
  })

  it('online host: IPv4 internet checks planned; IPv6 only with a global address', () => {
    const s = skips(plan(SMOKE_CHECKS, caps(INFO_542, ONLINE), 'auto'))
    expect(s['internet-https']).toBeUndefined()
    expect(s['internet-ipv6']).toBeUndefined()
    expect(s['internet-throughput']).toBe('optional: runs with smoke-tests: all, or by id')
    expect(skips(plan(SMOKE_CHECKS, caps(INFO_542, ONLINE), 'all'))['internet-throughput']).toBeUndefined()
    const ulaOnly = { ...ONLINE, interfaces: [{ name: 'eth0', mtu: 1500, addrs: ['10.1.0.4/16', 'fd00::4/64'] }, lo] }
    expect(skips(plan(SMOKE_CHECKS, caps(INFO_542, ulaOnly), 'auto'))['internet-ipv6']).toBe(
      'no IPv6 internet: no global IPv6 address (have fd00::4)',
    )
    const docOnly = {
      ...ONLINE,
      interfaces: [{ name: 'eth0', mtu: 1500, addrs: ['10.1.0.4/16', '2001:db8::4/64'] }, lo],
    }
    expect(skips(plan(SMOKE_CHECKS, caps(INFO_542, docOnly), 'auto'))['internet-ipv6']).toBe(
      'no IPv6 internet: no global IPv6 address (have 2001:db8::4)',
    )
  })

  it('one check per id of the id list, in its order (the list smoke-tests is validated against)', () => {
    expect(SMOKE_CHECKS.map((c) => c.id)).toEqual([...SMOKE_CHECK_IDS])
  })

  it('none, an id list', () => {
    expect(Object.values(skips(plan(SMOKE_CHECKS, caps(INFO_542), 'none')))).toEqual(
      SMOKE_CHECKS.map(() => 'smoke-tests: none'),
    )
    const s = skips(plan(SMOKE_CHECKS, caps(INFO_431), ['publish', 'pasta-loopback']))
    expect(s.publish).toBeUndefined()
    expect(s['pasta-loopback']).toBe('pasta needs podman >= 4.4 (have 4.3.1)') // asked for, still cannot run
    expect(s['network-none']).toBe('not selected (smoke-tests: publish,pasta-loopback)')
  })

  it('severity is data: each check says blocking or advisory and why; naming an advisory one blocks', () => {
    for (const c of SMOKE_CHECKS) {
      expect(['blocking', 'advisory']).toContain(c.severity)
      expect(c.why.length).toBeGreaterThan(5)
    }
    const sev = (sel: Parameters<typeof plan>[2]) =>
      Object.fromEntries(plan(SMOKE_CHECKS, caps(INFO_542), sel).map((r) => [r.id, [r.severity, r.severityReason]]))
    const auto = sev('auto')
    expect(auto['default-network']).toEqual(['blocking', 'every podman job uses it'])
    expect(auto['network-none']).toEqual(['advisory', 'a non-default network mode: only jobs that ask for it use it'])
    const named = sev(['network-none', 'publish'])
    expect(named['network-none']).toEqual(['blocking', 'named in smoke-tests'])
    expect(named.publish).toEqual(auto.publish)
    expect(sev('all')['network-none']).toEqual(auto['network-none'])
  })

  it('a default-network input changes what the default check expects and what applies', () => {
    const host = caps(INFO_542, HOST, { defaultNetwork: 'host' })
    expect(host.defaultKind).toEqual({ kind: 'host', why: 'default-network: host' })
    expect(skips(plan(SMOKE_CHECKS, host, 'auto')).publish).toBe(
      'default network is host (default-network: host); needs pasta or slirp4netns or bridge',
    )
    expect(expectedDefault(INFO_542, '5.4.2', 'pasta:-4,--mtu,1500')).toEqual({
      kind: 'pasta',
      why: 'default-network: pasta:-4,--mtu,1500',
      options: '-4,--mtu,1500',
    })
    expect(expectedDefault({ ...INFO_542, rootless: false }, '5.4.2').kind).toBe('bridge')
    expect(expectedDefault({ ...INFO_431, rootlessNetworkCmd: undefined }, '5.0.1')).toEqual({
      kind: 'pasta',
      why: 'podman 5.0.1 default',
    })
  })
})

describe('detectKind: what a container really got', () => {
  it.each([
    ['pasta', PASTA],
    ['slirp4netns', SLIRP],
    ['host', HOST],
    ['none', facts({})],
    ['bridge', BRIDGE],
  ])('%s', (kind, f) => expect(detectKind(f, HOST)).toBe(kind))
})

describe('internet reachability from configuration only', () => {
  it('no default route, no nameserver, documentation ranges, a plausible runner', () => {
    expect(internet4(facts({ nameservers: ['1.1.1.1'] })).reason).toMatch(/^no internet: no IPv4 default route/)
    expect(internet4({ ...ONLINE, nameservers: [] }).reason).toMatch(
      /^no internet: no nameserver in \/etc\/resolv.conf/,
    )
    expect(internet4(HOST).ok).toBe(false)
    expect(internet4(ONLINE)).toEqual({
      ok: true,
      reason: 'IPv4 default route via 10.1.0.1 on eth0, nameserver 127.0.0.53',
    })
    expect(internet6(ONLINE, internet4(ONLINE)).ok).toBe(true)
    expect(internet6({ ...ONLINE, gw6: [] }, internet4(ONLINE)).reason).toBe('no IPv6 default route')
  })
})

describe('argv builders', () => {
  const req = { mode: 'facts' } as const
  it('host runtime: /usr read-only, the node dir read-only unless under /usr, empty rootfs', () => {
    const a = probeArgv(
      { kind: 'host', rootfs: '/t/rootfs-x', nodePath: '/opt/node/bin/node' },
      { name: 'ssp-1-x-probe', network: 'pasta:-T,8080', publish: ['127.0.0.1:1234:8080'] },
      req,
      'r1',
    )
    expect(a.slice(0, 18)).toEqual([
      'run',
      '--rm',
      '--name',
      'ssp-1-x-probe',
      '--label',
      'io.github.setup-static-podman.smoke=r1',
      '--network',
      'pasta:-T,8080',
      '-p',
      '127.0.0.1:1234:8080',
      '-v',
      '/usr:/usr:ro',
      '-v',
      '/opt/node/bin:/opt/node/bin:ro',
      '--rootfs',
      '/t/rootfs-x',
      '/opt/node/bin/node',
      '-e',
    ])
    expect(a.slice(18)).toEqual([PROBE_SCRIPT, '{"mode":"facts"}'])
    const usr = probeArgv(
      { kind: 'host', rootfs: '/r', nodePath: '/usr/bin/node' },
      { name: 'n', detach: true },
      req,
      'r1',
    )
    expect(usr).not.toContain('/usr/bin:/usr/bin:ro')
    expect(usr[1]).toBe('-d')
  })

  it('image runtime: never pulls per container, runs the image node', () => {
    const a = probeArgv(
      { kind: 'image', image: 'docker.io/library/node:22-alpine' },
      { name: 'n', volumes: ['/d:/ssp-ca:ro'], addHosts: ['a.test:127.0.0.1'] },
      req,
      'r',
    )
    expect(a.slice(6, 15)).toEqual([
      '--add-host',
      'a.test:127.0.0.1',
      '-v',
      '/d:/ssp-ca:ro',
      '--pull=never',
      '--entrypoint',
      'node',
      'docker.io/library/node:22-alpine',
      '-e',
    ])
    expect(rmArgv(['a', 'b'])).toEqual(['rm', '-f', '-i', '-t', '0', 'a', 'b'])
    expect(isFullyQualified('docker.io/library/node:22')).toBe(true)
    expect(isFullyQualified('localhost/probe')).toBe(true)
    expect(isFullyQualified('node:22')).toBe(false)
    expect(isFullyQualified('library/node')).toBe(false)
  })
})

describe('report and summary', () => {
  const check = (id: string, status: CheckReport['status'], extra: Partial<CheckReport> = {}): CheckReport => ({
    id,
    title: `T ${id}`,
    mode: 'pasta:-T',
    status,
    severity: 'blocking',
    severityReason: 'every podman job uses it',
    durationMs: 1500,
    details: {},
    ...extra,
  })
  const report = (checks: CheckReport[]): SmokeReport => ({
    version: 1,
    result: suiteResult(checks),
    podmanVersion: '5.4.2',
    image: 'host',
    defaultNetwork: { expected: 'pasta', why: 'x' },
    internet: { ipv4: '', ipv6: '' },
    startedAt: '',
    wallMs: 2000,
    checksMs: checks.reduce((n, c) => n + c.durationMs, 0),
    checks,
  })

  it('suite result: failed beats passed beats skipped', () => {
    expect(suiteResult([check('a', 'passed'), check('b', 'failed')])).toBe('failed')
    expect(suiteResult([check('a', 'passed'), check('b', 'skipped')])).toBe('passed')
    expect(suiteResult([check('a', 'skipped')])).toBe('skipped')
    expect(suiteResult([])).toBe('skipped')
  })

  it('an advisory failure is a warning: the suite passes, the row and details show ⚠️ with the fix', () => {
    const warn = check('hc', 'failed', {
      severity: 'advisory',
      severityReason: 'an optional feature',
      reason: 'stayed starting',
      fix: 'use a podman built with the systemd tag',
    })
    expect(suiteResult([check('a', 'passed'), warn])).toBe('passed')
    expect(suiteResult([warn])).toBe('passed')
    const r = report([check('a', 'passed'), warn])
    const phase = smokePhase(r)
    expect(phase.tables[0].rows[1].map((c) => html(c))).toEqual([
      'T hc <code>hc</code>',
      'pasta:\u200b-T',
      '⚠️ failed',
      'advisory',
      '1.5 s',
      'stayed starting',
    ])
    expect(phase.tone).toBe('warn')
    expect(phase.problems.map((p) => [p.tone, p.what, html(p.why), html(p.fix ?? '')])).toEqual([
      [
        'warn',
        'hc',
        'stayed starting (advisory: an optional feature; the step still passes)',
        'use a podman built with the systemd tag',
      ],
    ])
    expect(smokeHeadline(r)).toBe(
      'Smoke tests passed: 1 passed, 0 failed, 1 warning(s) (advisory), 0 skipped; wall time 2.0 s, ' +
        'sum of check durations 3.0 s',
    )
  })

  it('rows: mode x check with icons, durations, reasons; untrusted text escaped', () => {
    const r = report([
      check('a', 'passed', { details: { summary: 'saw <10.0.2.2>' } }),
      check('b', 'failed', { reason: 'exit 126', stderrTail: 'Error: pasta failed\nline 2' }),
      check('c', 'skipped', { reason: 'pasta needs podman >= 4.4 (have 4.3.1)', durationMs: 0 }),
    ])
    const phase = smokePhase(r)
    expect(phase.tables[0].head).toEqual(['Check', 'Network', 'Result', 'Kind', 'Time', 'Notes'])
    const rows = phase.tables[0].rows.map((row) => row.map((c) => html(c)))
    expect(rows[0]).toEqual([
      'T a <code>a</code>',
      'pasta:\u200b-T',
      '✅ passed',
      'blocking',
      '1.5 s',
      'saw &#60;10.0.2.2&#62;',
    ])
    expect(rows[1]).toEqual(['T b <code>b</code>', 'pasta:\u200b-T', '❌ failed', 'blocking', '1.5 s', 'exit 126'])
    // A long path in a note gets a break opportunity after each '/': the table wraps at 1012 px.
    const long = check('p', 'passed', { details: { summary: 'overlay (/var/tmp/ws/home/.config/containers)' } })
    expect(html(smokePhase(report([long])).tables[0].rows[0][5])).toBe(
      'overlay (/\u200bvar/\u200btmp/\u200bws/\u200bhome/\u200b.config/\u200bcontainers)',
    )
    expect(rows[2]).toEqual([
      'T c <code>c</code>',
      'pasta:\u200b-T',
      '⏭️ skipped',
      'blocking',
      '—',
      'pasta needs podman &#62;= 4.4 (have 4.3.1)',
    ])
    expect(phase.problems).toEqual([
      { tone: 'fail', what: 'b', why: ['exit 126'], fix: undefined, output: 'Error: pasta failed\nline 2' },
    ])
    expect(smokeHeadline(r)).toBe(
      'Smoke tests failed: 1 passed, 1 failed, 1 skipped; wall time 2.0 s, sum of check durations 3.0 s',
    )
  })
})
