// Release mirrors for the integration tests, built once per machine from the stacks' own
// binaries (the host's Debian 12 packages, the Debian 13 and testing trees) and served on
// loopback like the GitHub releases API. Checksums are signed for real with a test CA.
import { afterAll, beforeAll } from '@jest/globals'
import { chmod, copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { buildRelease, type ReleaseManifest } from '../../test-support/mirror/build.js'
import { pigfootFillers, releaseFromManifest } from '../../test-support/mirror/fixtures.js'
import { type Mirror, type MirrorOptions, startMirror } from '../../test-support/mirror/server.js'
import { createWorkspace, type Workspace } from '../../test-support/runner.js'
import { CACHE_DIR, treeRoot, WORKSPACES_ROOT } from '../../test-support/workspace.js'
import { createTestSigstore, TEST_ISSUER, TEST_SAN } from '../../test-support/sigstore.js'

export type Stack = 'bookworm' | 'trixie' | 'forky'

export const stackRoot = (s: Stack): string => (s === 'bookworm' ? '/' : treeRoot(s))
export const repoOf = (s: Stack): string => `local/${s}`

export async function buildStack(stack: Stack, omit?: string[]): Promise<ReleaseManifest> {
  const suffix = omit?.length ? `-without-${omit.join('-')}` : ''
  return buildRelease({ root: stackRoot(stack), outDir: path.join(CACHE_DIR, 'mirror', stack + suffix), omit })
}

export interface Fixture {
  mirror: Mirror
  manifests: Partial<Record<Stack, ReleaseManifest>>
  /** a trusted_root.json the runner user can read, trusting the test CA */
  trustedRoot: string
  /** signer-identity that accepts the test signatures (anchored by the action) */
  signerIdentity: string
  signerIssuer: string
}

/** Serves each stack's release (checksums signed) behind the real repository's other releases. */
export async function startFixture(stacks: Stack[], opts: Partial<MirrorOptions> = {}): Promise<Fixture> {
  const sigstore = await createTestSigstore()
  await mkdir(WORKSPACES_ROOT, { recursive: true, mode: 0o755 })
  const dir = await mkdtemp(path.join(WORKSPACES_ROOT, 'sigstore-'))
  await chmod(dir, 0o755)
  const manifests: Fixture['manifests'] = {}
  const repos: MirrorOptions['repos'] = {}
  for (const stack of stacks) {
    const m = await buildStack(stack)
    manifests[stack] = m
    const sums = m.assets.find((a) => a.name === 'checksums.txt')
    if (!sums) throw new Error(`${stack}: the build has no checksums.txt`)
    const bundleFile = path.join(dir, `${stack}-checksums.txt.bundle`)
    await writeFile(bundleFile, JSON.stringify(await sigstore.signBlob(await readFile(sums.path))), { mode: 0o644 })
    repos[repoOf(stack)] = [
      ...pigfootFillers(),
      releaseFromManifest(m, [{ name: 'checksums.txt.bundle', path: bundleFile }]),
    ]
  }
  const trustedRoot = path.join(dir, 'trusted_root.json')
  await writeFile(trustedRoot, JSON.stringify(sigstore.trustedRoot), { mode: 0o644 })
  const mirror = await startMirror({ repos, pageSize: 2, ...opts })
  return { mirror, manifests, trustedRoot, signerIdentity: TEST_SAN.replace(/[.]/g, '\\.'), signerIssuer: TEST_ISSUER }
}

/**
 * Workspaces for tests against a fixture: each holds a copy of the test trusted root (a
 * tree sees only the workspace), and all are removed with `removeAll`.
 */
function fixtureWorkspaces(fx: () => Fixture) {
  const all: Workspace[] = []
  return {
    async create(): Promise<Workspace> {
      const w = await createWorkspace()
      all.push(w)
      await copyFile(fx().trustedRoot, trustedRootOf(w))
      return w
    },
    async removeAll(): Promise<void> {
      for (const w of all.splice(0)) await w.remove()
    },
  }
}

const trustedRootOf = (w: Workspace): string => path.join(w.dir, 'trusted_root.json')

/** What every step against the fixture passes: the mirror, and trust in the test signer. */
const fixtureInputs = (fx: Fixture, w: Workspace, stack: Stack): Record<string, string> => ({
  repository: repoOf(stack),
  'api-url': fx.mirror.url,
  'trusted-root': trustedRootOf(w),
  'signer-identity': fx.signerIdentity,
})

/** /dev/net/tun as scripts/setup-test-host.sh leaves it: for files whose tests make it 0600. */
export const tunAsSetUp = (): Promise<void> => chmod('/dev/net/tun', 0o666)

/** A test file's fixture, as `useFixture` hands it out: valid inside the file's tests. */
export interface UsedFixture {
  readonly fx: Fixture
  /** the fixture's mirror: what tests reset, read requests from and add releases to */
  readonly mirror: Mirror
  /** a new workspace holding the test trusted root, removed after the file's tests */
  workspace(): Promise<Workspace>
  /** `fixtureInputs` for a workspace of this fixture */
  inputs(w: Workspace, stack: Stack): Record<string, string>
}

/**
 * Starts the fixture before a test file's tests and, after them, runs `extraCleanup` (what
 * the file changed on the host), closes the mirror and removes every workspace.
 */
export function useFixture(stacks: Stack[], extraCleanup?: () => Promise<unknown>): UsedFixture {
  let started: Fixture | undefined
  const fx = (): Fixture => {
    if (!started) throw new Error('the fixture is used outside the tests (it starts in beforeAll)')
    return started
  }
  const workspaces = fixtureWorkspaces(fx)
  beforeAll(async () => {
    started = await startFixture(stacks)
  }, 900_000)
  afterAll(async () => {
    try {
      await extraCleanup?.()
    } finally {
      await started?.mirror.close()
      await workspaces.removeAll()
    }
  })
  return {
    get fx() {
      return fx()
    },
    get mirror() {
      return fx().mirror
    },
    workspace: workspaces.create,
    inputs: (w, stack) => fixtureInputs(fx(), w, stack),
  }
}
