// The identity a smoke report carries: which source and build, which runner, and the
// podman/crun/pasta actually used with where each came from; written first in the JSON file.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import type { PodmanInfo } from '../../src/host/info.js'
import type { Run } from '../../src/ports/types.js'
import { buildIdentity, type IdentityInput, prettyName, smokeIdentity } from '../../src/smoke/identity.js'
import { REPORT_FILE, runSmokeStep } from '../../src/step/smoke.js'
import { Summary } from '../../src/report/summary.js'
import { FakeHost } from '../fixtures/host/fake-host.js'
import { captureStdout, type StdoutCapture } from '../helpers/actions-env.js'

const ROOT = '/opt/hostedtoolcache/podman-default-static/5.4.2/amd64'
const INFO: PodmanInfo = {
  version: '5.4.2',
  ociRuntime: {
    name: 'crun',
    path: `${ROOT}/usr/local/bin/crun`,
    version: 'crun version 1.21\ncommit: 10269840aa07fb7e6b7e1acff6198692d8ff5c88\n+SYSTEMD +SELINUX',
  },
  conmon: {},
  pasta: { path: '/home/runner/.cache/ssp-full/usr/local/bin/pasta', version: 'pasta 0.0~git20250503.587980c-2\n' },
  slirp4netns: {},
  netavark: {},
  aardvarkDns: {},
}
const input = (o: Partial<IdentityInput> = {}): IdentityInput => ({
  source: 'pigfoot',
  repository: 'pigfoot/static-rootless-container-tools',
  variant: 'default',
  libc: 'static',
  arch: 'amd64',
  runner: 'ubuntu24 20250105.1',
  installRoot: ROOT,
  podmanPath: `${ROOT}/usr/local/bin/podman`,
  podmanVersion: '5.4.2',
  info: INFO,
  ...o,
})

describe('buildIdentity', () => {
  it('bundled crun, completed pasta (the gate took it from the full asset), versions parsed', () => {
    const pieces = [{ piece: 'pasta', action: 'completed', found: { path: INFO.pasta.path, version: '2025.5.3' } }]
    expect(buildIdentity(input({ pieces }), 'Ubuntu 24.04.1 LTS')).toEqual({
      source: 'pigfoot',
      repository: 'pigfoot/static-rootless-container-tools',
      variant: 'default',
      libc: 'static',
      os: 'Ubuntu 24.04.1 LTS',
      arch: 'amd64',
      runner: 'ubuntu24 20250105.1',
      podman: { version: '5.4.2', path: `${ROOT}/usr/local/bin/podman`, origin: 'bundled' },
      crun: { version: '1.21.0', path: `${ROOT}/usr/local/bin/crun`, origin: 'bundled' },
      pasta: { version: '2025_05_03', path: INFO.pasta.path, origin: 'completed' },
    })
  })

  it(
    'system: everything from the host; a pasta podman 4 does not report comes from the gate, ' +
      'unknown versions stay unknown',
    () => {
      const info: PodmanInfo = {
        ...INFO,
        version: '4.3.1',
        ociRuntime: { path: '/usr/bin/crun', version: 'crun version 1.8.1' },
        pasta: {},
      }
      const pieces = [{ piece: 'pasta', action: 'none', found: { path: '/usr/bin/pasta' } }]
      const id = buildIdentity(
        input({
          source: 'system',
          repository: undefined,
          variant: undefined,
          libc: undefined,
          installRoot: undefined,
          podmanPath: '/usr/bin/podman',
          info,
          pieces,
        }),
      )
      expect(id).toEqual({
        source: 'system',
        arch: 'amd64',
        runner: 'ubuntu24 20250105.1',
        podman: { version: '4.3.1', path: '/usr/bin/podman', origin: 'system' },
        crun: { version: '1.8.1', path: '/usr/bin/crun', origin: 'system' },
        pasta: { path: '/usr/bin/pasta', origin: 'system' },
      })
    },
  )

  it('a piece nobody has is missing', () => {
    expect(buildIdentity(input({ info: { ...INFO, pasta: {} } })).pasta).toEqual({ origin: 'missing' })
  })

  it('reads the OS from os-release', async () => {
    expect(prettyName('NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 13 (trixie)"\n')).toBe(
      'Debian GNU/Linux 13 (trixie)',
    )
    expect(prettyName(undefined)).toBeUndefined()
    const h = new FakeHost().file('/etc/os-release', { text: 'PRETTY_NAME="Ubuntu 22.04.5 LTS"\n' })
    expect((await smokeIdentity(input(), h.fs)).os).toBe('Ubuntu 22.04.5 LTS')
  })
})

describe('runSmokeStep with an identity', () => {
  let dir: string
  let out: StdoutCapture
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smoke-identity-'))
    process.env.GITHUB_OUTPUT = join(dir, 'output')
    writeFileSync(process.env.GITHUB_OUTPUT, '')
    out = captureStdout()
  })
  afterEach(() => {
    out.restore()
    delete process.env.GITHUB_OUTPUT
  })

  it('writes the identity first in the report file', async () => {
    const view = {
      interfaces: [{ name: 'lo', mtu: 65536, addrs: ['127.0.0.1/8'] }],
      gw4: [],
      gw6: [],
      hosts: [],
      nameservers: [],
    }
    const run: Run = async () => ({ exitCode: 0, stdout: `${JSON.stringify(view)}\n`, stderr: '' })
    const identity = buildIdentity(input())
    const installed = { podman: identity.podman.path!, env: {}, info: INFO, podmanVersion: '5.4.2' }
    const inputs = {
      smokeTests: ['network-none'] as const,
      smokeImage: 'host',
      smokeTimeoutSec: 10,
      defaultNetwork: '',
    }
    const report = await runSmokeStep(run, installed, inputs, dir, new Summary(), identity)
    const text = readFileSync(join(dir, REPORT_FILE), 'utf8')
    expect(Object.keys(JSON.parse(text))).toEqual([
      'version',
      'identity',
      'result',
      'podmanVersion',
      'image',
      'defaultNetwork',
      'internet',
      'startedAt',
      'wallMs',
      'checksMs',
      'checks',
    ])
    expect(JSON.parse(text).identity).toEqual(identity)
    expect(report?.report.identity).toEqual(identity)
  })
})
