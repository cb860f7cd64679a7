// "Components podman uses" names where each piece came from: bundled in the release,
// completed from its full asset by the host gate, or the runner's own.
import { describe, expect, it } from '@jest/globals'
import { parseInfo } from '../../src/host/info.js'
import { LAYOUTS, resolveLayout } from '../../src/install/layout.js'
import { components } from '../../src/step/outcome.js'

const TC = '/opt/tc/podman-standalone-static/5.4.2/amd64'
const FULL = '/opt/tc/podman-full-static/5.4.2/amd64'
const info = (crun: string, conmon: string) =>
  parseInfo(
    JSON.stringify({
      version: { Version: '5.4.2' },
      host: {
        ociRuntime: { name: 'crun', path: crun, version: 'crun version 1.21\ncommit: x' },
        conmon: { path: conmon, version: 'conmon version 2.1.12' },
      },
    }),
  )

describe('components', () => {
  it('standalone with crun completed from the full asset and the system conmon', () => {
    const rows = components({
      info: info(`${FULL}/usr/local/bin/crun`, '/usr/bin/conmon'),
      installed: resolveLayout(TC, LAYOUTS.standalone),
      bundledRoot: TC,
      pieces: [{ piece: 'crun', action: 'completed', found: { path: `${FULL}/usr/local/bin/crun` } }],
    })
    expect(rows.map((c) => [c.name, c.version, c.origin])).toEqual([
      ['podman', '5.4.2', 'bundled'],
      ['crun', '1.21.0', 'completed'],
      ['conmon', '2.1.12', 'system'],
    ])
  })

  it("the runner's own podman is system, not bundled", () => {
    const installed = { root: '/usr/bin', bin: '/usr/bin', podman: '/usr/bin/podman', helperDirs: [] }
    const rows = components({
      info: info('/usr/bin/crun', '/usr/bin/conmon'),
      installed,
      bundledRoot: undefined,
      pieces: [],
    })
    expect(rows.map((c) => c.origin)).toEqual(['system', 'system', 'system'])
  })

  it('a completed piece podman does not use is not called completed', () => {
    const rows = components({
      info: info(`${TC}/usr/local/bin/crun`, '/usr/bin/conmon'),
      installed: resolveLayout(TC, LAYOUTS.standalone),
      bundledRoot: TC,
      pieces: [{ piece: 'crun', action: 'completed', found: { path: `${FULL}/usr/local/bin/crun` } }],
    })
    expect(rows.map((c) => c.origin)).toEqual(['bundled', 'bundled', 'system'])
  })
})
