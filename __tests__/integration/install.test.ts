// The default source's install end to end: `node dist/main.cjs` as the runner runs it, as an unprivileged user,
// against a loopback mirror serving archives built from this machine's own podman. The
// next step's podman must be the installed one, using the bundled crun, running containers.
import { describe, expect, it } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { repoRoot, runAction, type TreeName, type Workspace } from '../../test-support/runner.js'
import { completeEntries, nextStep } from './podman.js'
import { type Stack, useFixture } from './releases.js'

const fixture = useFixture(['bookworm', 'trixie'])
const workspace = fixture.workspace

const inputs = (work: Workspace, stack: Stack, extra: Record<string, string> = {}) => ({
  ...fixture.inputs(work, stack),
  'github-token': 'ghs_testtoken123',
  'smoke-tests': 'none',
  ...extra,
})

const treeOf = (stack: Stack): TreeName | undefined => (stack === 'bookworm' ? undefined : stack)

/** The main step, and the bundles its node loaded (test-support/loaded-bundles.cjs). */
async function mainLoading(work: Workspace, stack: Stack, stepInputs: Record<string, string>) {
  const file = path.join(work.dir, 'loaded-bundles')
  const env = {
    NODE_OPTIONS: `--require ${path.join(repoRoot(), 'test-support/loaded-bundles.cjs')}`,
    SSP_LOADED_BUNDLES: file,
  }
  const r = await runAction({ entry: 'main', work, tree: treeOf(stack), inputs: stepInputs, env })
  return { r, bundles: (await readFile(file, 'utf8')).split('\n') }
}

describe.each([
  ['bookworm', '4.3.1'],
  ['trixie', '5.4.2'],
] as const)('%s stack (podman %s)', (stack, version) => {
  it.each(['default', 'full', 'standalone'] as const)(
    'variant %s: installs, wires and runs a rootless container',
    async (variant) => {
      const work = await workspace()
      const r = await runAction({ entry: 'main', work, tree: treeOf(stack), inputs: inputs(work, stack, { variant }) })
      expect(r.errors).toEqual([])
      expect(r.exitCode).toBe(0)
      const root = r.outputs['install-dir']
      expect(r.outputs).toMatchObject({
        'podman-version': version,
        variant,
        libc: 'static',
        'cache-hit': 'false',
        verified: 'signature+sha256',
      })
      expect(root).toBe(`${work.toolCache}/podman-${variant}-static/${version}/amd64`)
      expect(r.path).toEqual([r.outputs['bin-dir']])
      expect(r.summary).toContain(
        `podman-v${version}-linux-amd64-static${variant === 'default' ? '' : `-${variant}`}.tar.zst`,
      )

      const next = await nextStep(work, treeOf(stack))
      expect(next.which).toBe(`${r.outputs['bin-dir']}/podman`)
      if (variant === 'standalone') expect(next.info.host.ociRuntime.path).not.toContain(root)
      else expect(next.info.host.ociRuntime.path).toBe(`${root}/usr/local/bin/crun`)
      expect(next.container.stderr).toBe('')
      expect(next.container.stdout).toMatch(/^hello from/)

      const post = await runAction({
        entry: 'post',
        work,
        tree: treeOf(stack),
        inputs: inputs(work, stack, { variant }),
      })
      expect(post.exitCode).toBe(0)
    },
  )
})

describe('signatures and caching', () => {
  // The cold bundle holds Sigstore: the miss verifies through it, the hit never loads it.
  it.each(['bookworm', 'trixie'] as const)(
    '%s: verifies the signed checksums.txt through cold.cjs (verify group only); a hit then: no request, no cold.cjs',
    async (stack) => {
      const work = await workspace()
      const signed = inputs(work, stack, { 'verify-signature': 'true' })
      const first = await mainLoading(work, stack, signed)
      expect(first.r.errors).toEqual([])
      expect(first.r.outputs.verified).toBe('signature+sha256')
      expect(first.r.summary).toContain(
        'signer <code>https://github.com/pigfoot/static-rootless-container-tools/' +
          '.github/workflows/build-podman.yml@refs/heads/main',
      )
      expect(first.bundles).toEqual(['main.cjs', 'cold.cjs', 'cold-verify.cjs'])
      fixture.mirror.resetRequests()
      const version = stack === 'bookworm' ? '4.3.1' : '5.4.2'
      const again = await mainLoading(work, stack, { ...signed, 'podman-version': version })
      expect(again.r.outputs).toMatchObject({ 'cache-hit': 'true', verified: 'signature+sha256' })
      expect(fixture.mirror.requests).toEqual([])
      expect(again.bundles).toEqual(['main.cjs'])
    },
  )

  it('sends the token only as a header and never prints it', async () => {
    const work = await workspace()
    fixture.mirror.resetRequests()
    const r = await runAction({ entry: 'main', work, inputs: inputs(work, 'bookworm') })
    expect(r.exitCode).toBe(0)
    expect(fixture.mirror.requests.length).toBeGreaterThan(0)
    expect(fixture.mirror.requests.every((q) => q.authorization && !q.path.includes('ghs_'))).toBe(true)
    expect(r.masks).toContain('ghs_testtoken123')
    const printed = (r.stdout + r.stderr + r.summary).replace('::add-mask::ghs_testtoken123', '')
    expect(printed).not.toContain('ghs_testtoken123')
  })

  it('without the test trusted root, the embedded Sigstore root rejects the test CA', async () => {
    const work = await workspace()
    const r = await runAction({ entry: 'main', work, inputs: inputs(work, 'bookworm', { 'trusted-root': '' }) })
    expect(r.exitCode).toBe(1)
    expect(r.errors).toEqual([expect.stringMatching(/^checksums\.txt: the signing certificate is not trusted/)])
    expect(r.path).toEqual([])
    expect(completeEntries(work)).toEqual([])
  })

  it('rejects a release whose checksums.txt is signed by another identity', async () => {
    const work = await workspace()
    const r = await runAction({
      entry: 'main',
      work,
      tree: 'trixie',
      inputs: inputs(work, 'trixie', { 'verify-signature': 'true', 'signer-identity': 'https://github\\.com/evil/.*' }),
    })
    expect(r.exitCode).toBe(1)
    expect(r.errors.join('\n')).toMatch(/https:\/\/github\.com\/pigfoot\/static-rootless-container-tools.*evil/s)
    expect(completeEntries(work)).toEqual([])
  })
})
