// Release data for the mirror: a built release as a ReleaseSpec, directories of files as
// releases, and the other tools' releases that make a list look like the real mixed one.
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ReleaseManifest } from './build.js'
import type { MirrorFile, ReleaseSpec } from './github-api.js'
import { sha256File } from '../proc.js'

/** A built release as the mirror serves it; `extra` adds files such as `.bundle` signatures. */
export function releaseFromManifest(m: ReleaseManifest, extra: readonly MirrorFile[] = []): ReleaseSpec {
  const files = m.assets.map((a) => ({ name: a.name, path: a.path, sha256: a.sha256 }))
  return { tag: m.tag, files: [...files, ...extra] }
}

/**
 * The releases in a directory: a build output (with manifest.json) is one release, whose
 * other files (`*.bundle`, `*.asc`) join its assets; otherwise every subdirectory is a
 * release named after it, newest version first.
 */
export async function releasesFromDir(dir: string): Promise<ReleaseSpec[]> {
  const manifest = await readFile(join(dir, 'manifest.json'), 'utf8').catch(() => undefined)
  if (manifest) {
    const m = (JSON.parse(manifest) as { manifest: ReleaseManifest }).manifest
    const known = new Set(m.assets.map((a) => a.name))
    const extra = (await filesIn(dir)).filter((f) => !known.has(f.name) && f.name !== 'manifest.json')
    return [releaseFromManifest(m, extra)]
  }
  const tags: string[] = []
  for (const name of await readdir(dir)) {
    if (!name.startsWith('.') && (await stat(join(dir, name))).isDirectory()) tags.push(name)
  }
  if (tags.length === 0) throw new Error(`${dir} holds neither manifest.json nor release directories`)
  tags.sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))
  return Promise.all(tags.map(async (tag) => ({ tag, files: await filesIn(join(dir, tag)) })))
}

async function filesIn(dir: string): Promise<MirrorFile[]> {
  const out: MirrorFile[] = []
  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name)
    if (!name.startsWith('.') && !name.includes('.tmp-') && (await stat(path)).isFile()) out.push({ name, path })
  }
  return out
}

const fillerAssets = (tool: string, version: string) => [
  { name: `${tool}-v${version}-linux-amd64-static.tar.zst` },
  { name: `${tool}-v${version}-linux-arm64-static.tar.zst` },
  { name: 'checksums.txt' },
]

/**
 * What surrounds podman releases in pigfoot/static-rootless-container-tools: buildah and
 * skopeo releases (the newest release overall is not podman's), a draft and a prerelease.
 */
export function pigfootFillers(): ReleaseSpec[] {
  return [
    { tag: 'buildah-v1.40.0', assets: fillerAssets('buildah', '1.40.0') },
    { tag: 'skopeo-v1.20.0', assets: fillerAssets('skopeo', '1.20.0') },
    { tag: 'podman-v99.0.0', draft: true, assets: fillerAssets('podman', '99.0.0') },
    { tag: 'podman-v99.1.0-rc1', prerelease: true, assets: fillerAssets('podman', '99.1.0-rc1') },
  ]
}

/**
 * One release from builds of the same version made from different roots (the static asset
 * from one, the glibc asset from another): their archives with one checksums.txt over all.
 */
export async function mergeReleases(outDir: string, parts: readonly ReleaseManifest[]): Promise<ReleaseManifest> {
  const [first] = parts
  if (!first || parts.some((p) => p.tag !== first.tag)) throw new Error('mergeReleases needs builds of one version')
  const archives = parts
    .flatMap((p) => p.assets.filter((a) => a.name !== 'checksums.txt'))
    .sort((a, b) => a.name.localeCompare(b.name))
  const names = archives.map((a) => a.name)
  if (new Set(names).size !== names.length) throw new Error(`mergeReleases: an asset is built twice: ${names}`)
  await mkdir(outDir, { recursive: true })
  const path = join(outDir, 'checksums.txt')
  const text = archives.map((a) => `${a.sha256}  ${a.name}\n`).join('')
  await writeFile(path, text, { mode: 0o644 })
  const sums = { name: 'checksums.txt', path, size: Buffer.byteLength(text), sha256: await sha256File(path) }
  return { version: first.version, tag: first.tag, assets: [...archives, sums] }
}
