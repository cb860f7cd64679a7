import { describe, expect, test } from '@jest/globals'
import { glibcVersion } from '../../src/host/libc.js'
import { probeHost } from '../../src/host/probe.js'
import { loadSnapshot, type Stack } from '../fixtures/host/load.js'
import { replay, type Snapshot } from '../fixtures/host/snapshot.js'

const opts = (s: Snapshot, withInfo = true) => ({
  env: s.options.env,
  user: s.options.user,
  ...(withInfo && { podman: s.options.podman }),
})

async function probe(stack: Stack, edit: (s: Snapshot) => void = () => undefined, withInfo = true, lenient = false) {
  const s = loadSnapshot(stack)
  edit(s)
  const ports = replay(s, lenient)
  return { probe: await probeHost(ports, opts(s, withInfo)), calls: ports.calls }
}

const fails = { exitCode: 127, stdout: '', stderr: 'not found' }

describe('probe against real snapshots: what podman ACTUALLY uses', () => {
  test('Debian 12: apt podman 4.3.1, crun 1.8.1, conmon 2.1.6, pasta by dpkg (it says `unknown version`)', async () => {
    const { probe: p } = await probe('bookworm')
    expect(p.installed?.version).toBe('4.3.1')
    expect(p.pieces.crun).toMatchObject({ path: '/usr/bin/crun', version: '1.8.1', via: 'podman info' })
    expect(p.pieces.conmon).toMatchObject({ version: '2.1.6', via: 'podman info' })
    expect(p.pieces.pasta).toMatchObject({ path: '/usr/bin/pasta', version: '2023.3.9', via: 'package' })
    // netavark and aardvark-dns only through podman's helper dirs: podman 4.3's info has no versions for them
    expect(p.pieces.netavark).toMatchObject({ path: '/usr/lib/podman/netavark', version: '1.4.0', via: 'version' })
    expect(p.pieces['aardvark-dns']).toMatchObject({ path: '/usr/lib/podman/aardvark-dns', version: '1.4.0' })
    expect(p.pieces.newuidmap).toMatchObject({ path: '/usr/bin/newuidmap', setuid: true })
  })

  test("Debian 12's glibc, from `ldd --version` (the libc choice asks; the gate does not need it)", async () => {
    expect(await glibcVersion(replay(loadSnapshot('bookworm')).run)).toBe('2.36.0')
  })

  test('Debian 13 tree: empty pasta --version, version from podman info package', async () => {
    const { probe: p } = await probe('trixie')
    expect(p.pieces.crun).toMatchObject({ version: '1.21.0', via: 'podman info' })
    expect(p.pieces.pasta).toMatchObject({ version: '2025.5.3', via: 'podman info' })
    expect(p.pieces.netavark).toMatchObject({ version: '1.14.0', via: 'podman info' })
  })

  test('Debian 13 tree before install (no podman info): empty --version, then dpkg', async () => {
    const { probe: p, calls } = await probe('trixie', undefined, false)
    expect(p.info).toBeUndefined()
    expect(p.pieces.pasta).toMatchObject({ path: '/usr/bin/pasta', version: '2025.5.3', via: 'package' })
    expect(calls).toEqual(expect.arrayContaining(['/usr/bin/pasta --version', 'dpkg-query -L passt']))
    // passt lists the file: no search through every package's file list
    expect(calls).not.toContain('dpkg-query -S /usr/bin/pasta')
  })

  test('pasta not in passt (a local build dpkg knows under another name): dpkg-query -S finds its owner', async () => {
    const { probe: p, calls } = await probe(
      'trixie',
      (s) => {
        s.runs['dpkg-query -L passt'] = { exitCode: 0, stdout: '/.\n/usr/bin/passt\n', stderr: '' }
      },
      false,
    )
    expect(p.pieces.pasta).toMatchObject({ path: '/usr/bin/pasta', version: '2025.5.3', via: 'package' })
    expect(calls).toContain('dpkg-query -S /usr/bin/pasta')
  })

  test('no package manager owns pasta: feature probing, "present, version unknown"', async () => {
    const { probe: p } = await probe(
      'trixie',
      (s) => {
        s.runs['dpkg-query -L passt'] = fails
        s.runs['dpkg-query -S /usr/bin/pasta'] = fails
        s.runs['rpm -qf --queryformat %{VERSION}-%{RELEASE} /usr/bin/pasta'] = fails
      },
      false,
    )
    expect(p.pieces.pasta.version).toBeUndefined()
    expect(p.pieces.pasta.path).toBe('/usr/bin/pasta')
    expect(p.pieces.pasta.note).toBe(
      'present, version unknown (--version printed nothing (passt 2025_02_17 to 2025_05_12 do that); ' +
        '--help lists --map-guest-addr (passt 2024_08_21 or later))',
    )
    expect(p.pieces.pasta.bounds).toMatchObject({ min: '2025.2.17', max: '2025.5.12' })
  })

  test('Debian testing: everything from podman info, pasta prints its version', async () => {
    const { probe: p } = await probe('forky')
    expect(p.pieces.crun.version).toBe('1.28.0')
    expect(p.pieces.pasta).toMatchObject({ version: '2026.10.2', via: 'podman info' })
    expect(p.pieces['aardvark-dns'].version).toBe('1.17.1')
  })

  test('podman info fails: podman search order decides, and the error is kept', async () => {
    const { probe: p } = await probe('forky', (s) => {
      s.runs['/usr/bin/podman info --format json'] = {
        exitCode: 125,
        stdout: '',
        stderr: 'Error: failed to open 2048 locks in /libpod_rootless_lock_1150: numerical result out of range',
      }
    })
    expect(p.infoError).toMatch(/numerical result out of range/)
    expect(p.pieces.crun).toMatchObject({ path: '/usr/bin/crun', version: '1.28.0', via: 'version' })
    expect(p.pieces.netavark).toMatchObject({ path: '/usr/lib/podman/netavark', version: '1.17.2', via: 'version' })
  })

  test('a netavark only on PATH is missing for podman (it searches helper dirs only)', async () => {
    const { probe: p } = await probe(
      'trixie',
      (s) => {
        for (const k of Object.keys(s.fs))
          if (k.endsWith('/usr/lib/podman/netavark')) s.fs[k] = k.startsWith('access') ? false : null
        s.fs['stat /usr/bin/netavark'] = { mode: 0o755, uid: 0, gid: 0, kind: 'file' }
        s.fs['access x /usr/bin/netavark'] = true
        s.runs['/usr/bin/netavark --version'] = { exitCode: 0, stdout: 'netavark 1.14.0\n', stderr: '' }
        s.runs['/usr/bin/podman info --format json'] = fails
      },
      true,
      true,
    )
    expect(p.pieces.netavark).toEqual({})
  })

  test('every podman on PATH, once per real file, and which one a bare `podman` runs', async () => {
    const { probe: p } = await probe(
      'bookworm',
      (s) => {
        s.options.env.PATH = `/opt/other/bin:${s.options.env.PATH}:/bin`
        s.fs['stat /opt/other/bin/podman'] = { mode: 0o755, uid: 0, gid: 0, kind: 'file' }
        s.fs['access x /opt/other/bin/podman'] = true
        s.fs['realpath /opt/other/bin/podman'] = '/opt/other/bin/podman'
        s.runs['/opt/other/bin/podman --version'] = { exitCode: 0, stdout: 'podman version 5.7.1\n', stderr: '' }
        s.fs['stat /bin/podman'] = { mode: 0o755, uid: 0, gid: 0, kind: 'file' }
        s.fs['access x /bin/podman'] = true
        s.fs['realpath /bin/podman'] = '/usr/bin/podman'
      },
      true,
      true,
    )
    expect(p.podmans.map((b) => [b.path, b.version])).toEqual([
      ['/opt/other/bin/podman', '5.7.1'],
      ['/usr/bin/podman', '4.3.1'],
    ])
    expect(p.bare?.path).toBe('/opt/other/bin/podman')
  })
})
