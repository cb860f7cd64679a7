// Builds a release asset laid out like mgoltzsche/podman-static's (podman-linux-ARCH.tar.gz)
// from the binaries of a Debian root (the host `/` or a debootstrap tree). Like the real one
// it carries etc/containers with a storage.conf that forces fuse-overlayfs, and a
// non-setuid fusermount3: the action must adopt neither. The .asc is made by the caller,
// with a key generated for the test run.
import { createHash } from 'node:crypto'
import { chmod, copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { runOk, sha256File } from '../proc.js'
import { podmanVersion, resolveInRoot } from './sources.js'

export interface MgoltzscheBuildOptions {
  root: string
  outDir: string
  /** read from the root's dpkg database when omitted */
  version?: string
  arch?: string
}

export interface MgoltzscheBuild {
  version: string
  /** `v5.4.2` */
  tag: string
  name: string
  path: string
  size: number
  sha256: string
}

interface Piece {
  dest: string
  sources: string[]
  optional?: boolean
}

const LIBS = (name: string) => [`usr/lib/podman/${name}`, `usr/libexec/podman/${name}`]
const BIN = 'usr/local/bin'
const LIB = 'usr/local/lib/podman'

export const MGOLTZSCHE_PIECES: readonly Piece[] = [
  { dest: `${BIN}/podman`, sources: ['usr/bin/podman'] },
  { dest: `${BIN}/crun`, sources: ['usr/bin/crun'] },
  { dest: `${BIN}/runc`, sources: ['usr/sbin/runc', 'usr/bin/runc'], optional: true },
  { dest: `${BIN}/fuse-overlayfs`, sources: ['usr/bin/fuse-overlayfs'] },
  { dest: `${BIN}/fusermount3`, sources: ['usr/bin/fusermount3', 'bin/fusermount3'] },
  { dest: `${BIN}/pasta`, sources: ['usr/bin/pasta'] },
  { dest: `${BIN}/pasta.avx2`, sources: ['usr/bin/pasta.avx2'], optional: true },
  { dest: `${LIB}/conmon`, sources: ['usr/bin/conmon', 'usr/libexec/podman/conmon'] },
  { dest: `${LIB}/netavark`, sources: LIBS('netavark') },
  { dest: `${LIB}/aardvark-dns`, sources: LIBS('aardvark-dns') },
  { dest: `${LIB}/catatonit`, sources: ['usr/bin/catatonit', 'usr/libexec/podman/catatonit'] },
  { dest: `${LIB}/rootlessport`, sources: LIBS('rootlessport') },
]

/** Upstream's etc/containers, in spirit: storage.conf forcing fuse-overlayfs is the one that matters. */
export const MGOLTZSCHE_ETC: Record<string, string> = {
  'storage.conf':
    '[storage]\ndriver = "overlay"\n\n[storage.options.overlay]\nmount_program = "/usr/local/bin/fuse-overlayfs"\n',
  'containers.conf': '[engine]\nhelper_binaries_dir = ["/usr/local/lib/podman"]\n',
  'policy.json': '{\n  "default": [{ "type": "insecureAcceptAnything" }]\n}\n',
  'registries.conf': 'unqualified-search-registries = ["docker.io"]\n',
}

const FORMAT = 1
const EPOCH = 1_767_225_600 // 2026-01-01: byte-identical rebuilds
const MANIFEST = 'manifest.json'

export const mgoltzscheAssetName = (arch: string): string => `podman-linux-${arch}.tar.gz`

export async function buildMgoltzscheRelease(opts: MgoltzscheBuildOptions): Promise<MgoltzscheBuild> {
  const root = resolve(opts.root)
  const outDir = resolve(opts.outDir)
  const version = opts.version ?? (await podmanVersion(root))
  const arch = opts.arch ?? 'amd64'
  const files = await locate(root)
  const key = await cacheKey({ root, version, arch }, [...files.values()])
  const cached = await readCached(outDir, key)
  if (cached) return cached
  await mkdir(outDir, { recursive: true })
  await rm(join(outDir, MANIFEST), { force: true })
  const name = mgoltzscheAssetName(arch)
  const top = `podman-linux-${arch}`
  const stage = join(outDir, '.stage')
  await rm(stage, { recursive: true, force: true })
  try {
    await stageTree(join(stage, top), files)
    await pack(stage, top, join(outDir, name))
  } finally {
    await rm(stage, { recursive: true, force: true })
  }
  const path = join(outDir, name)
  const built = {
    version,
    tag: `v${version}`,
    name,
    path,
    size: (await stat(path)).size,
    sha256: await sha256File(path),
  }
  await writeFile(join(outDir, MANIFEST), `${JSON.stringify({ key, built }, null, 2)}\n`)
  return built
}

async function locate(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const p of MGOLTZSCHE_PIECES) {
    let hit: string | undefined
    for (const rel of p.sources) hit ??= await resolveInRoot(root, rel)
    if (hit) out.set(p.dest, hit)
    else if (!p.optional)
      throw new Error(
        `${root} has no ${p.dest.split('/').pop()} (looked for ${p.sources.map((s) => '/' + s).join(', ')})`,
      )
  }
  return out
}

async function stageTree(dir: string, files: Map<string, string>): Promise<void> {
  for (const [dest, from] of files) {
    await mkdir(join(dir, dest, '..'), { recursive: true })
    await copyFile(from, join(dir, dest))
    // Permission bits only: upstream's fusermount3 is not setuid, and the audit refuses setuid.
    await chmod(join(dir, dest), (await stat(from)).mode & 0o777)
  }
  await mkdir(join(dir, 'etc/containers'), { recursive: true })
  for (const [name, text] of Object.entries(MGOLTZSCHE_ETC))
    await writeFile(join(dir, 'etc/containers', name), text, { mode: 0o644 })
}

/** `tar -czf`, made reproducible: sorted, fixed owner and mtime, gzip without a timestamp. */
async function pack(stage: string, top: string, dest: string): Promise<void> {
  const tar = `${dest}.tmp.tar`
  const fixed = ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', `--mtime=@${EPOCH}`]
  try {
    await runOk('tar', ['-C', stage, ...fixed, '-cf', tar, top], { timeoutMs: 10 * 60_000 })
    await runOk('gzip', ['-n', '-6', '-f', tar], { timeoutMs: 10 * 60_000 })
    await rename(`${tar}.gz`, dest)
  } finally {
    await rm(tar, { force: true })
    await rm(`${tar}.gz`, { force: true })
  }
}

async function cacheKey(inputs: object, files: string[]): Promise<string> {
  const stats = await Promise.all(files.map(async (p) => [p, (await stat(p)).size, (await stat(p)).mtimeMs]))
  return createHash('sha256')
    .update(JSON.stringify({ FORMAT, inputs, stats, etc: MGOLTZSCHE_ETC }))
    .digest('hex')
}

async function readCached(outDir: string, key: string): Promise<MgoltzscheBuild | undefined> {
  try {
    const saved = JSON.parse(await readFile(join(outDir, MANIFEST), 'utf8')) as { key: string; built: MgoltzscheBuild }
    if (saved.key !== key || (await stat(saved.built.path)).size !== saved.built.size) return undefined
    return saved.built
  } catch {
    return undefined
  }
}
