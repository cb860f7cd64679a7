// The host gate through dist/main.cjs, as the runner user, on real podman: podman 5 on a
// crun too old for it (`crun: unknown version specified`) reproduced in the Debian 13 tree (Debian 12's crun 1.8.1 as
// the system crun) and
// completed from the release's full asset; the same host refused up front with
// install-missing: false; Debian testing's crun accepted as it is; netavark/aardvark-dns
// and pasta hidden from the tree and completed, with networking then proven by the smoke
// suite; this machine's /dev/net/tun quirk detected, fixed with sudo -n and reverted by post.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdirSync, statSync } from 'node:fs'
import { chmod } from 'node:fs/promises'
import path from 'node:path'
import { runAction, type TreeName, type Workspace } from '../../test-support/runner.js'
import semver from 'semver'
import { stackVersions } from '../../test-support/packages.js'
import { treeRoot, WORKSPACES_ROOT } from '../../test-support/workspace.js'
import { nextStep } from './podman.js'
import { type Stack, tunAsSetUp, useFixture } from './releases.js'

const fixture = useFixture(['bookworm', 'trixie', 'forky'])
const workspace = fixture.workspace
const EMPTY = path.join(WORKSPACES_ROOT, 'empty-dir')
beforeAll(() => {
  mkdirSync(EMPTY, { recursive: true })
})

const inputs = (w: Workspace, stack: Stack, extra: Record<string, string>) => ({
  ...fixture.inputs(w, stack),
  'smoke-tests': 'none',
  ...extra,
})

/** Debian 12's crun 1.8.1 as the tree's system crun: too old for podman 5's OCI version. */
const OLD_CRUN = ['/usr/bin/crun:/usr/bin/crun']
const fullCrun = (w: Workspace, version: string) =>
  `${w.toolCache}/podman-full-static/${version}/amd64/usr/local/bin/crun`

async function main(w: Workspace, tree: TreeName, extra: Record<string, string>, mounts: string[] = []) {
  return runAction({ entry: 'main', work: w, tree, mounts, inputs: inputs(w, tree, extra) })
}

describe('crun too old for podman 5 (`crun: unknown version specified`)', () => {
  it('standalone in the Debian 13 tree completes crun from the full asset and runs containers', async () => {
    const w = await workspace()
    const r = await main(w, 'trixie', { variant: 'standalone' }, OLD_CRUN)
    expect(r.errors).toEqual([])
    expect(r.exitCode).toBe(0)
    expect(r.outputs['crun-version']).toMatch(/^1\.21/)
    expect(r.summary).toMatch(/completed from the full asset \(host: 1\.8\.1 at \/usr\/bin\/crun\)/)
    const next = await nextStep(w, 'trixie', OLD_CRUN)
    expect(next.info.host.ociRuntime.path).toBe(fullCrun(w, '5.4.2'))
    expect(next.container.stdout).toMatch(/^hello from/)
  })

  it('with install-missing: false it fails before any container runs, naming crun, 1.8.1 and the floor', async () => {
    const w = await workspace()
    const r = await main(
      w,
      'trixie',
      { variant: 'standalone', 'install-missing': 'false', 'smoke-tests': 'auto' },
      OLD_CRUN,
    )
    expect(r.exitCode).toBe(1)
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]).toMatch(/crun: 1\.8\.1 does not meet >= 1\.14\.3/)
    expect(r.outputs['smoke-result']).toBeUndefined()
    expect(r.path).toEqual([])
  })

  // Debian testing moves daily: its crun comes from its dpkg database (1.28 when written).
  const forky = stackVersions(treeRoot('forky'))
  it(`Debian testing (crun ${forky.crun}): standalone keeps the system crun`, async () => {
    expect(semver.gte(forky.crun, '1.25.1')).toBe(true)
    const w = await workspace()
    const r = await main(w, 'forky', { variant: 'standalone', 'install-missing': 'false' })
    expect(r.errors).toEqual([])
    expect(r.outputs['crun-version']).toBe(forky.crun)
    const next = await nextStep(w, 'forky')
    expect(next.info.host.ociRuntime.path).toBe('/usr/bin/crun')
    expect(next.container.stdout).toMatch(/^hello from/)
  })
})

describe('network pieces missing from the host', () => {
  it('netavark and aardvark-dns hidden: default completes them, and a custom network resolves names', async () => {
    const w = await workspace()
    const r = await main(w, 'trixie', { variant: 'default', 'smoke-tests': 'custom-network,default-network' }, [
      `${EMPTY}:/usr/lib/podman`,
    ])
    expect(r.errors).toEqual([])
    expect(r.summary).toMatch(/netavark.*completed from the full asset \(host: missing\)/s)
    expect(r.outputs['smoke-result']).toBe('passed')
  })

  it('pasta hidden: default completes it from the full asset, and the default network works', async () => {
    const w = await workspace()
    const hide = ['/dev/null:/usr/bin/pasta', '/dev/null:/usr/bin/pasta.avx2']
    const r = await main(w, 'trixie', { variant: 'default', 'smoke-tests': 'default-network,publish' }, hide)
    expect(r.errors).toEqual([])
    expect(r.summary).toMatch(/pasta.*completed from the full asset \(host: missing\)/s)
    expect(r.outputs['smoke-result']).toBe('passed')
    // The tree's pasta (2025-05) prints nothing through a pipe and the asset carries no
    // package record: the output says so rather than guessing.
    expect(r.outputs['pasta-version']).toBe('unknown')
  })
})

describe("this machine's /dev/net/tun quirk (0600)", () => {
  const mode = () => statSync('/dev/net/tun').mode & 0o777
  afterAll(tunAsSetUp)

  it('is detected before it breaks slirp4netns, fixed with sudo -n, and reverted by post', async () => {
    await chmod('/dev/net/tun', 0o600)
    const w = await workspace()
    const r = await runAction({
      entry: 'main',
      work: w,
      inputs: inputs(w, 'bookworm', {
        'allow-sudo': 'true',
        cleanup: 'true',
        'smoke-tests': 'default-network,slirp4netns-loopback',
      }),
    })
    const fixed = mode()
    // post first, whatever main did: a fix it left held would be "another job's" for later tests
    const post = await runAction({ entry: 'post', work: w, inputs: {} })
    expect(r.errors).toEqual([])
    expect(r.summary).toMatch(/\/dev\/net\/tun/)
    expect(r.outputs['smoke-result']).toBe('passed')
    expect(fixed).toBe(0o666)
    expect(post.exitCode).toBe(0)
    expect(post.stdout).toMatch(/Reverted: chmod 0666 \/dev\/net\/tun \(was 0600\)/)
    expect(mode()).toBe(0o600)
  })

  it('without sudo it is an error that shows the exact command', async () => {
    await chmod('/dev/net/tun', 0o600)
    const w = await workspace()
    const r = await runAction({ entry: 'main', work: w, inputs: inputs(w, 'bookworm', { 'allow-sudo': 'false' }) })
    expect(r.exitCode).toBe(1)
    expect(r.errors.join('\n')).toContain('sudo chmod 0666 /dev/net/tun')
  })
})
