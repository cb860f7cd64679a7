// The mgoltzsche and system sources' functions, called in-process (as root) with the real
// Http client against the loopback mirror: real archives built from this machine's podman,
// signed with a throwaway key the mirror serves at /mgoltzsche.gpg. (sources.test.ts runs the
// same through dist/main.cjs as the runner user.)
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import * as tc from '@actions/tool-cache'
import { existsSync, readdirSync, readlinkSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import path from 'node:path'
import { run } from '../../src/ports/exec.js'
import { realHostFs } from '../../src/host/fs.js'
import { createHttp } from '../../src/ports/http.js'
import { parseVersionSpec } from '../../src/inputs.js'
import { resolveLayout } from '../../src/install/layout.js'
import { installMgoltzsche, MGOLTZSCHE_LAYOUT, type MgoltzscheRequest } from '../../src/sources/mgoltzsche.js'
import { findSystemPodman } from '../../src/sources/system.js'
import { keyCachePath } from '../../src/verify/pgp-key.js'
import { type Mirror, startMirror } from '../../test-support/mirror/server.js'
import { BASE_PATH, repoRoot } from '../../test-support/runner.js'
import { treeRoot } from '../../test-support/workspace.js'
import { MG_REPOS, type MgoltzscheReleases, mgoltzscheReleases, OWNER } from './mgoltzsche.js'
import { regex } from '../helpers/regex.js'

let rel: MgoltzscheReleases
let mirror: Mirror
let dir: string
const saved = { ...process.env }

beforeAll(async () => {
  rel = await mgoltzscheReleases()
  mirror = await startMirror({ repos: rel.repos, userKeys: { [OWNER]: rel.key.publicArmored } })
}, 600_000)
afterAll(async () => {
  await mirror?.close()
  process.env = saved
})
beforeEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
  dir = await mkdtemp('/var/tmp/ssp-sources-')
  process.env.RUNNER_TOOL_CACHE = path.join(dir, 'tool-cache')
  process.env.RUNNER_TEMP = path.join(dir, 'temp')
  await mkdir(process.env.RUNNER_TEMP, { recursive: true })
})

const request = (repository: string, o: Partial<MgoltzscheRequest> = {}): MgoltzscheRequest => ({
  apiUrl: mirror.url,
  owner: OWNER,
  repo: repository.split('/')[1],
  spec: parseVersionSpec('latest'),
  checkLatest: false,
  arch: 'amd64',
  temp: process.env.RUNNER_TEMP as string,
  toolCache: process.env.RUNNER_TOOL_CACHE as string,
  fingerprint: rel.key.fingerprint,
  ...o,
})
const http = () => createHttp({ tokenOrigins: [mirror.url], deadlineMs: 60_000 })
const entries = () =>
  existsSync(path.join(dir, 'tool-cache/podman-mgoltzsche'))
    ? readdirSync(path.join(dir, 'tool-cache/podman-mgoltzsche'), { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.complete'))
    : []

describe('installMgoltzsche against the mirror', () => {
  it('installs the Debian 12 build: key from /mgoltzsche.gpg, signature verified, bundled podman runs', async () => {
    mirror.resetRequests()
    const r = await installMgoltzsche(http(), tc, request(MG_REPOS.bookworm))
    expect(r).toMatchObject({
      version: '4.3.1',
      cacheHit: false,
      verified: 'openpgp-signature+size+digest',
      asset: 'podman-linux-amd64.tar.gz',
    })
    expect(mirror.requests.map((q) => q.path)).toContain('/mgoltzsche.gpg')
    expect(existsSync(keyCachePath(process.env.RUNNER_TOOL_CACHE as string, rel.key.fingerprint))).toBe(true)
    const installed = resolveLayout(r.root, MGOLTZSCHE_LAYOUT)
    const version = await run(installed.podman, ['--version'])
    expect(version.stdout.trim()).toBe('podman version 4.3.1')
    expect(existsSync(path.join(r.root, 'etc/containers/storage.conf'))).toBe(true) // in the entry, never installed
  })

  it(
    'the Debian 13 build, flagged prerelease as upstream creates it, ' +
      'resolves by tag past v99.0.0-rc1 and the non-version tag',
    async () => {
      const r = await installMgoltzsche(http(), tc, request(MG_REPOS.trixie))
      expect(r.version).toBe('5.4.2')
      expect(existsSync(resolveLayout(r.root, MGOLTZSCHE_LAYOUT).conmon as string)).toBe(true)
      // The audit met upstream's relative generator links and kept them.
      for (const kind of ['user', 'system'])
        expect(
          readlinkSync(path.join(r.root, `usr/local/lib/systemd/${kind}-generators/podman-${kind}-generator`)),
        ).toBe('../../../libexec/podman/quadlet')
    },
  )

  it('a tampered archive (same size, its own API digest) fails on the signature; nothing is installed', async () => {
    const err = await installMgoltzsche(http(), tc, request(MG_REPOS.tampered)).catch((e: Error) => e)
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toMatch(
      regex(
        /^podman-linux-amd64\.tar\.gz: the OpenPGP signature podman-linux-amd64\.tar\.gz\.asc does not /,
        /verify with the pinned key [0-9A-F]{40} \(Signed digest did not match\)/,
      ),
    )
    expect(entries()).toEqual([])
  })

  it('a signature by another key fails naming both fingerprints; nothing is installed', async () => {
    const err = (await installMgoltzsche(http(), tc, request(MG_REPOS.wrongSigner)).catch((e: Error) => e)) as Error
    expect(err.message).toBe(
      `podman-linux-amd64.tar.gz.asc was signed by ${rel.other.fingerprint}, ` +
        `not by the pinned key ${rel.key.fingerprint} (set source-key-fingerprint for a fork).`,
    )
    expect(entries()).toEqual([])
  })
})

describe('findSystemPodman on real roots', () => {
  it('the Debian 12 host: /usr/bin/podman 4.3.1', async () => {
    expect(await findSystemPodman(run, { PATH: BASE_PATH })).toEqual({
      path: '/usr/bin/podman',
      realPath: '/usr/bin/podman',
      version: '4.3.1',
    })
  })

  it('the Debian 13 tree, files read through its root, its podman run inside it: /usr/bin/podman 5.4.2', async () => {
    const root = treeRoot('trixie')
    const enter = path.join(repoRoot(), 'scripts/enter-tree')
    const inTree = (cmd: string, args: string[]) =>
      run('unshare', ['-m', '--propagation', 'private', enter, root, '--', cmd, ...args], { timeoutMs: 60_000 })
    const p = await findSystemPodman(inTree, { PATH: BASE_PATH }, realHostFs(root))
    expect(p).toEqual({ path: '/usr/bin/podman', realPath: '/usr/bin/podman', version: '5.4.2' })
  })
})
