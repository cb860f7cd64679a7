// The probe on a tool-cache hit: `podman info` is the long pole, so the probes that do not
// need its answer run while it does; nothing asks the package manager about a file in the
// tree the action unpacked; and nothing re-asks what the install already knows.
import { describe, expect, test } from '@jest/globals'
import { probeHost } from '../../src/host/probe.js'
import type { Run } from '../../src/ports/types.js'
import { type FakeHost, healthyHost } from '../fixtures/host/fake-host.js'

const ROOT = '/opt/hostedtoolcache/podman-full-static/5.4.2/amd64'
const BIN = `${ROOT}/usr/local/bin`
const LIB = `${ROOT}/usr/local/lib/podman`
const PODMAN = `${BIN}/podman`
const PASTA = `${BIN}/pasta`
const wiring = {
  runtimePath: `${BIN}/crun`,
  conmonPath: `${LIB}/conmon`,
  initPath: `${LIB}/catatonit`,
  helperDirs: [LIB, BIN],
}
const env = { PATH: '/usr/local/bin:/usr/bin:/bin', XDG_RUNTIME_DIR: '/run/user/1001' }
const HELP = 'Usage: pasta [OPTION]...\n  --map-guest-addr ADDR\n'

/** podman info as podman 5.4.2 prints it: versions for all but pasta, which printed nothing. */
function infoJson(): string {
  const host = {
    ociRuntime: { name: 'crun', path: `${BIN}/crun`, version: 'crun version 1.21\ncommit: x' },
    conmon: { path: `${LIB}/conmon`, version: 'conmon version 2.1.12, commit: x' },
    pasta: { executable: PASTA, version: '', package: 'Unknown' },
    slirp4netns: { executable: '', version: '' },
    networkBackend: 'netavark',
    networkBackendInfo: {
      backend: 'netavark',
      path: `${LIB}/netavark`,
      version: 'netavark 1.14.0',
      dns: { path: `${LIB}/aardvark-dns`, version: 'aardvark-dns 1.14.0' },
    },
  }
  return JSON.stringify({ host, version: { Version: '5.4.2' } })
}

/** A runner with the full asset in the tool cache and a pasta that prints no version (Debian's, bundled). */
function toolCacheHost(): FakeHost {
  const h = healthyHost()
  for (const f of [
    PODMAN,
    PASTA,
    `${BIN}/crun`,
    `${LIB}/conmon`,
    `${LIB}/catatonit`,
    `${LIB}/netavark`,
    `${LIB}/aardvark-dns`,
  ])
    h.file(f, { mode: 0o755 })
  h.on(PODMAN, (a) =>
    a[0] === 'info' ? { exitCode: 0, stdout: infoJson() } : { exitCode: 0, stdout: 'podman version 5.4.2\n' },
  )
  h.on(PASTA, (a) => ({ exitCode: 0, stdout: a[0] === '--help' ? HELP : '' }))
  h.on(`${LIB}/catatonit`, () => ({ exitCode: 0, stdout: 'tini version 0.2.1_catatonit\n' }))
  h.on('ldd', () => ({ exitCode: 0, stdout: 'ldd (Debian GLIBC 2.41-12) 2.41\n' }))
  // No package owns a file in the tool cache: the package manager says so, slowly.
  h.on('dpkg-query', () => ({ exitCode: 1, stdout: '', stderr: 'dpkg-query: no path found' }))
  return h
}

/**
 * `podman info` answers only once `waitFor` has started (or after a second, so a probe that
 * waits for info still ends): `order` then says what started before info answered.
 */
function slowInfo(h: FakeHost, waitFor: string): { run: Run; order: string[] } {
  const order: string[] = []
  const run: Run = async (cmd, args, opts) => {
    const key = [cmd, ...args].join(' ')
    order.push(key)
    if (key !== `${PODMAN} info --format json`) return h.run(cmd, args, opts)
    const until = Date.now() + 1000
    while (!order.includes(waitFor) && Date.now() < until) await new Promise((r) => setTimeout(r, 5))
    order.push('(info answered)')
    return h.run(cmd, args, opts)
  }
  return { run, order }
}

const probe = (h: FakeHost, run: Run, roots: string[] = [ROOT]) =>
  probeHost({ run, fs: h.fs }, { env, user: h.user, podman: PODMAN, podmanVersion: '5.4.2', wiring, roots })

describe('the probe on a tool-cache hit', () => {
  test('a pasta in the tree the action unpacked: no package-manager lookup, straight to --help', async () => {
    const h = toolCacheHost()
    const p = await probe(h, h.run)
    expect(p.pieces.pasta).toMatchObject({ path: PASTA, via: 'help', bounds: { min: '2025.2.17' } })
    expect(h.calls.filter((c) => /^(dpkg|dpkg-query|rpm) /.test(c))).toEqual([])
    // The same file outside the action's tree (the runner's own podman) is still asked about.
    const other = toolCacheHost()
    await probe(other, other.run, [])
    expect(other.calls).toContain('dpkg-query -L passt')
  })

  test("the probes podman info cannot answer run while it runs; the ones it answers don't run", async () => {
    const h = toolCacheHost()
    const { run, order } = slowInfo(h, `${PASTA} --help`)
    const p = await probe(h, run)
    const before = order.slice(0, order.indexOf('(info answered)'))
    expect(before).toEqual(
      expect.arrayContaining([`${PASTA} --version`, `${PASTA} --help`, `${LIB}/catatonit --version`]),
    )
    // crun, conmon, netavark and aardvark-dns: podman 5.4.2's info carries their versions.
    for (const c of [`${BIN}/crun`, `${LIB}/conmon`, `${LIB}/netavark`, `${LIB}/aardvark-dns`])
      expect(order).not.toContain(`${c} --version`)
    expect(p.pieces.netavark).toMatchObject({ version: '1.14.0', via: 'podman info' })
    expect(p.pieces.catatonit).toMatchObject({ path: `${LIB}/catatonit`, via: 'version' })
  })

  test("the installed podman's version comes from the install: no second `podman --version`", async () => {
    const h = toolCacheHost()
    const p = await probe(h, h.run)
    expect(p.installed).toEqual({ path: PODMAN, realPath: PODMAN, version: '5.4.2' })
    expect(h.calls).not.toContain(`${PODMAN} --version`)
  })
})
