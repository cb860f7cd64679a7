// Builds a release asset laid out like mgoltzsche/podman-static's (podman-linux-ARCH.tar.gz)
// from the binaries of a Debian root (the host `/` or a debootstrap tree), as its Makefile
// (`.podman-from-container`, `tar`) and Dockerfile lay it out at v5.8.4: usr/local/bin,
// usr/local/lib/podman, usr/local/libexec/podman/quadlet with the relative systemd generator
// links, the systemd units, shell completions, README.md, and etc/containers with the
// project's own files (mgoltzsche-conf/, copied verbatim from its conf/ at a14f4b3) plus
// the root's seccomp.json (upstream fetches containers/common's). Its storage.conf forces
// fuse-overlayfs and its fusermount3 is not setuid: the action must adopt neither. The .asc
// is made by the caller, with a key generated for the test run.
import { createHash } from 'node:crypto'
import { chmod, copyFile, mkdir, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
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
  /** only in these architectures' assets (passt builds pasta.avx2 on x86_64 only) */
  arches?: string[]
}

const LIBS = (name: string) => [`usr/lib/podman/${name}`, `usr/libexec/podman/${name}`]
const BIN = 'usr/local/bin'
const LIB = 'usr/local/lib/podman'
const QUADLET = 'usr/local/libexec/podman/quadlet'

const MGOLTZSCHE_PIECES: readonly Piece[] = [
  { dest: `${BIN}/podman`, sources: ['usr/bin/podman'] },
  { dest: `${BIN}/crun`, sources: ['usr/bin/crun'] },
  { dest: `${BIN}/runc`, sources: ['usr/sbin/runc', 'usr/bin/runc'], optional: true },
  { dest: `${BIN}/fuse-overlayfs`, sources: ['usr/bin/fuse-overlayfs'] },
  { dest: `${BIN}/fusermount3`, sources: ['usr/bin/fusermount3', 'bin/fusermount3'] },
  { dest: `${BIN}/pasta`, sources: ['usr/bin/pasta'] },
  { dest: `${BIN}/pasta.avx2`, sources: ['usr/bin/pasta.avx2'], arches: ['amd64'] },
  { dest: `${LIB}/conmon`, sources: ['usr/bin/conmon', 'usr/libexec/podman/conmon'] },
  { dest: `${LIB}/netavark`, sources: LIBS('netavark') },
  { dest: `${LIB}/aardvark-dns`, sources: LIBS('aardvark-dns') },
  { dest: `${LIB}/catatonit`, sources: ['usr/bin/catatonit', 'usr/libexec/podman/catatonit'] },
  { dest: `${LIB}/rootlessport`, sources: LIBS('rootlessport') },
  // Debian 12's podman 4.3 has no quadlet; upstream always builds it.
  { dest: QUADLET, sources: LIBS('quadlet'), optional: true },
  {
    dest: 'etc/containers/seccomp.json',
    sources: ['usr/share/containers/seccomp.json', 'etc/containers/seccomp.json'],
  },
  {
    dest: 'usr/local/share/bash-completion/completions/podman',
    sources: ['usr/share/bash-completion/completions/podman'],
    optional: true,
  },
  {
    dest: 'usr/local/share/zsh/site-functions/_podman',
    sources: ['usr/share/zsh/vendor-completions/_podman'],
    optional: true,
  },
  {
    dest: 'usr/local/share/fish/vendor_completions.d/podman.fish',
    sources: ['usr/share/fish/vendor_completions.d/podman.fish'],
    optional: true,
  },
]

/** The Makefile's generator links: relative, inside the tree, to quadlet. */
const MGOLTZSCHE_LINKS = [
  { dest: 'usr/local/lib/systemd/user-generators/podman-user-generator', target: '../../../libexec/podman/quadlet' },
  {
    dest: 'usr/local/lib/systemd/system-generators/podman-system-generator',
    target: '../../../libexec/podman/quadlet',
  },
]

const CONF_DIR = join(dirname(fileURLToPath(import.meta.url)), 'mgoltzsche-conf')

/** Upstream's conf/containers, verbatim: its storage.conf forcing fuse-overlayfs is the one that matters. */
const mgoltzscheEtc = async (): Promise<Record<string, string>> => readTexts(join(CONF_DIR, 'containers'))
/** Upstream's conf/systemd, installed into both usr/local/lib/systemd/system and .../user. */
const mgoltzscheUnits = async (): Promise<Record<string, string>> => readTexts(join(CONF_DIR, 'systemd'))

async function readTexts(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const name of (await readdir(dir)).sort()) out[name] = await readFile(join(dir, name), 'utf8')
  return out
}

const FORMAT = 2
const EPOCH = 1_767_225_600 // 2026-01-01: byte-identical rebuilds
const MANIFEST = 'manifest.json'

const mgoltzscheAssetName = (arch: string): string => `podman-linux-${arch}.tar.gz`

export async function buildMgoltzscheRelease(opts: MgoltzscheBuildOptions): Promise<MgoltzscheBuild> {
  const root = resolve(opts.root)
  const outDir = resolve(opts.outDir)
  const version = opts.version ?? (await podmanVersion(root))
  const arch = opts.arch ?? 'amd64'
  const files = await locate(root, arch)
  const texts = { etc: await mgoltzscheEtc(), units: await mgoltzscheUnits() }
  const key = await cacheKey({ root, version, arch, texts }, [...files.values()])
  const cached = await readCached(outDir, key)
  if (cached) return cached
  await mkdir(outDir, { recursive: true })
  await rm(join(outDir, MANIFEST), { force: true })
  const name = mgoltzscheAssetName(arch)
  const top = `podman-linux-${arch}`
  const stage = join(outDir, '.stage')
  await rm(stage, { recursive: true, force: true })
  try {
    await stageTree(join(stage, top), files, texts)
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

async function locate(root: string, arch: string): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const p of MGOLTZSCHE_PIECES) {
    if (p.arches && !p.arches.includes(arch)) continue
    let hit: string | undefined
    for (const rel of p.sources) hit ??= await resolveInRoot(root, rel)
    if (hit) out.set(p.dest, hit)
    else if (!p.optional)
      throw new Error(
        `${root} has no ${p.dest.split('/').pop()} (looked for ${p.sources.map((s) => `/${s}`).join(', ')})`,
      )
  }
  return out
}

async function stageTree(
  dir: string,
  files: Map<string, string>,
  texts: { etc: Record<string, string>; units: Record<string, string> },
): Promise<void> {
  for (const [dest, from] of files) {
    await mkdir(join(dir, dest, '..'), { recursive: true })
    await copyFile(from, join(dir, dest))
    // Permission bits only: upstream's fusermount3 is not setuid, and the audit refuses setuid.
    await chmod(join(dir, dest), (await stat(from)).mode & 0o777)
  }
  const write = async (rel: string, text: string) => {
    await mkdir(dirname(join(dir, rel)), { recursive: true })
    await writeFile(join(dir, rel), text, { mode: 0o644 })
  }
  for (const [name, text] of Object.entries(texts.etc)) await write(`etc/containers/${name}`, text)
  for (const kind of ['system', 'user'])
    for (const [name, text] of Object.entries(texts.units)) await write(`usr/local/lib/systemd/${kind}/${name}`, text)
  await write('README.md', '# podman-static (test build laid out like mgoltzsche/podman-static)\n')
  // Links to quadlet only where it was built: a link to nothing proves nothing.
  if (!files.has(QUADLET)) return
  for (const l of MGOLTZSCHE_LINKS) {
    await mkdir(dirname(join(dir, l.dest)), { recursive: true })
    await symlink(l.target, join(dir, l.dest))
  }
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
  return createHash('sha256').update(JSON.stringify({ FORMAT, inputs, stats })).digest('hex')
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
