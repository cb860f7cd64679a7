// Where each piece podman uses came from (one function, host/origin.ts, for the gate's
// summary section, the smoke identity and the matrix): bundled in the release, completed from
// its full asset by the host gate, or the runner's own; and the install's summary facts.
import { describe, expect, it } from '@jest/globals'
import { originOf } from '../../src/host/origin.js'
import { LAYOUTS, resolveLayout } from '../../src/install/layout.js'
import { installFacts } from '../../src/step/outcome.js'

const TC = '/opt/tc/podman-standalone-static/5.4.2/amd64'
const FULL = '/opt/tc/podman-full-static/5.4.2/amd64'
const completedCrun = { piece: 'crun', action: 'completed', found: { path: `${FULL}/usr/local/bin/crun` } }

describe('originOf', () => {
  it('standalone with crun completed from the full asset and the system conmon', () => {
    expect(originOf(`${TC}/usr/local/bin/podman`, undefined, TC)).toBe('bundled')
    expect(originOf(`${FULL}/usr/local/bin/crun`, completedCrun, TC)).toBe('completed')
    expect(originOf('/usr/bin/conmon', undefined, TC)).toBe('system')
  })

  it("the runner's own podman is system, not bundled", () => {
    expect(originOf('/usr/bin/podman', undefined, undefined)).toBe('system')
    expect(originOf('/usr/bin/crun', { piece: 'crun', action: 'none', found: { path: '/usr/bin/crun' } })).toBe(
      'system',
    )
  })

  it("a completed piece podman does not use is not called completed; a host file in a full install is host's", () => {
    expect(originOf(`${TC}/usr/local/bin/crun`, completedCrun, TC)).toBe('bundled')
    expect(originOf('/usr/bin/fuse-overlayfs', undefined, FULL)).toBe('system')
    expect(originOf(`${FULL}x/usr/bin/fuse-overlayfs`, undefined, FULL)).toBe('system')
    expect(originOf(undefined, undefined, FULL)).toBe('missing')
  })
})

describe('installFacts', () => {
  const result = {
    version: '5.4.2',
    root: TC,
    cacheHit: false as const,
    verified: 'signature+sha256',
    checks: ['signature (checksums.txt)', 'size', 'sha256', 'digest'],
    asset: 'podman-v5.4.2-linux-amd64-static.tar.zst',
    signature: {
      result: { signer: 'https://github.com/o/r/.github/workflows/b.yml@refs/heads/main', issuer: 'https://i' },
    },
  }
  const base = {
    source: 'o/r',
    system: false,
    variant: 'standalone',
    libc: 'static',
    arch: 'amd64',
    installed: resolveLayout(TC, LAYOUTS.standalone),
    home: '/home/runner',
  }

  it('a download: the signer, the install dir, no drop-in until wired', () => {
    const f = installFacts({ ...base, result: result as never })
    expect(f).toMatchObject({
      version: '5.4.2',
      variant: 'standalone',
      signer: 'https://github.com/o/r/.github/workflows/b.yml@refs/heads/main (issuer https://i)',
      installDir: TC,
      podman: base.installed.podman,
      cacheHit: false,
    })
    expect(f.dropin).toBeUndefined()
  })

  it("the runner's own podman: no install dir, no variant", () => {
    const installed = { root: '/usr/bin', bin: '/usr/bin', podman: '/usr/bin/podman', helperDirs: [] }
    const f = installFacts({
      ...base,
      system: true,
      variant: '',
      libc: '',
      installed,
      result: { ...result, root: '/usr/bin', verified: 'system', checks: [], signature: undefined } as never,
    })
    expect(f).toMatchObject({ system: true, installDir: undefined, variant: undefined, libc: undefined })
  })
})
