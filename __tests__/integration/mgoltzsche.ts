// mgoltzsche/podman-static-style releases for the integration tests: archives built once per
// machine from the host's Debian 12 podman and the Debian 13 tree's, signed in the test run
// with a throwaway key that the mirror serves at /<owner>.gpg, as github.com does.
import { chmod, copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { buildMgoltzscheRelease, type MgoltzscheBuild } from '../../test-support/mirror/mgoltzsche.js'
import type { ReleaseSpec } from '../../test-support/mirror/server.js'
import { createTestKey, type TestKey } from '../../test-support/pgp.js'
import { CACHE_DIR, WORKSPACES_ROOT } from '../../test-support/workspace.js'
import { stackRoot } from './releases.js'

export const OWNER = 'mgoltzsche'
export type MgStack = 'bookworm' | 'trixie'

/** One repository per case, all of the same owner, so /mgoltzsche.gpg serves their key. */
export const MG_REPOS = {
  bookworm: `${OWNER}/podman-static-bookworm`,
  trixie: `${OWNER}/podman-static-trixie`,
  tampered: `${OWNER}/podman-static-tampered`,
  wrongSigner: `${OWNER}/podman-static-wrong-signer`,
} as const

export interface MgoltzscheReleases {
  key: TestKey
  /** another throwaway key: signs the wrong-signer release */
  other: TestKey
  builds: Record<MgStack, MgoltzscheBuild>
  repos: Record<string, ReleaseSpec[]>
}

/** Tags around the real one: a newer prerelease and a tag that is not a version. */
const FILLERS: ReleaseSpec[] = [
  { tag: 'v99.0.0-rc1', prerelease: true, assets: [{ name: 'podman-linux-amd64.tar.gz' }] },
  { tag: 'nightly', assets: [{ name: 'podman-linux-amd64.tar.gz' }] },
]

export async function mgoltzscheReleases(): Promise<MgoltzscheReleases> {
  const [key, other] = await Promise.all([createTestKey('podman-static test signer'), createTestKey('someone else')])
  const builds = {
    bookworm: await buildMgoltzscheRelease({
      root: stackRoot('bookworm'),
      outDir: path.join(CACHE_DIR, 'mirror', 'mgoltzsche-bookworm'),
    }),
    trixie: await buildMgoltzscheRelease({
      root: stackRoot('trixie'),
      outDir: path.join(CACHE_DIR, 'mirror', 'mgoltzsche-trixie'),
    }),
  }
  await mkdir(WORKSPACES_ROOT, { recursive: true, mode: 0o755 })
  const dir = await mkdtemp(path.join(WORKSPACES_ROOT, 'mgoltzsche-'))
  await chmod(dir, 0o755)
  const sig = async (name: string, signer: TestKey, file: string) => {
    const p = path.join(dir, name)
    await writeFile(p, await signer.signFile(file))
    return p
  }
  const release = (b: MgoltzscheBuild, archive: string, asc: string): ReleaseSpec[] => [
    ...FILLERS,
    {
      tag: b.tag,
      // As upstream's release.yml creates every release (`prerelease: true`), promoted by hand later.
      prerelease: true,
      files: [
        { name: b.name, path: archive },
        { name: `${b.name}.asc`, path: asc },
      ],
    },
  ]
  const t = builds.trixie
  const good = {
    bookworm: await sig('bookworm.asc', key, builds.bookworm.path),
    trixie: await sig('trixie.asc', key, t.path),
  }
  const repos = {
    [MG_REPOS.bookworm]: release(builds.bookworm, builds.bookworm.path, good.bookworm),
    [MG_REPOS.trixie]: release(t, t.path, good.trixie),
    [MG_REPOS.tampered]: release(t, await tampered(t.path, path.join(dir, 'tampered.tar.gz')), good.trixie),
    [MG_REPOS.wrongSigner]: release(t, t.path, await sig('wrong-signer.asc', other, t.path)),
  }
  return { key, other, builds, repos }
}

/**
 * The same archive with one byte changed in the middle of the gzip stream: same size, and the
 * mirror's API digest is that of the altered file, as GitHub's would be for a replaced asset.
 */
async function tampered(from: string, to: string): Promise<string> {
  await copyFile(from, to)
  const bytes = await readFile(to)
  bytes[Math.floor(bytes.length / 2)] ^= 0x01
  await writeFile(to, bytes, { mode: 0o644 })
  return to
}
