// source: system: the podman a bare `podman` resolves to on the job's PATH, on a simulated
// host (files with modes and links, `podman --version` scripted).
import { describe, expect, it } from '@jest/globals'
import { findSystemPodman, systemInstalled } from '../../src/sources/system.js'
import { FakeHost } from '../fixtures/host/fake-host.js'

const version = (v: string) => () => ({ exitCode: 0, stdout: `podman version ${v}\n` })

function host(): FakeHost {
  return new FakeHost()
    .dir('/usr/local/bin')
    .dir('/usr/bin')
    .file('/usr/bin/podman', { mode: 0o755 })
    .file('/usr/lib/podman-wrapper/podman', { mode: 0o755 })
}

describe('findSystemPodman', () => {
  it('finds the first executable podman on PATH and its real path and version', async () => {
    const h = host()
      .file('/usr/local/bin/podman', { mode: 0o755, link: '/usr/lib/podman-wrapper/podman' })
      .on('/usr/local/bin/podman', version('4.9.3'))
    const p = await findSystemPodman(h.run, { PATH: '/usr/local/bin:/usr/bin' }, h.fs)
    expect(p).toEqual({ path: '/usr/local/bin/podman', realPath: '/usr/lib/podman-wrapper/podman', version: '4.9.3' })
    expect(h.calls).toEqual(['/usr/local/bin/podman --version'])
    expect(systemInstalled(p)).toEqual({
      root: '/usr/local/bin',
      bin: '/usr/local/bin',
      podman: '/usr/local/bin/podman',
      helperDirs: [],
    })
  })

  it('skips a non-executable podman, a directory named podman, relative PATH entries, as the shell does', async () => {
    const h = host().file('/opt/a/podman', { mode: 0o644 }).dir('/opt/b/podman').on('/usr/bin/podman', version('4.3.1'))
    const p = await findSystemPodman(h.run, { PATH: 'bin:/opt/a:/opt/b:/usr/bin' }, h.fs)
    expect(p).toEqual({ path: '/usr/bin/podman', realPath: '/usr/bin/podman', version: '4.3.1' })
  })

  it('fails clearly when there is no podman on PATH', async () => {
    const h = new FakeHost()
    await expect(findSystemPodman(h.run, { PATH: '/usr/local/bin:/usr/bin' }, h.fs)).rejects.toThrow(
      'source: system but no podman on PATH (searched /usr/local/bin:/usr/bin). Install podman first, ' +
        'or use source: pigfoot.',
    )
  })

  it('fails clearly when the podman on PATH does not run', async () => {
    const h = host().on('/usr/bin/podman', () => ({
      exitCode: 127,
      stderr: 'error while loading shared libraries: libgpgme.so.11',
    }))
    await expect(findSystemPodman(h.run, { PATH: '/usr/bin' }, h.fs)).rejects.toThrow(
      'source: system but /usr/bin/podman does not run: `podman --version` failed: ' +
        'error while loading shared libraries: libgpgme.so.11.',
    )
  })
})
