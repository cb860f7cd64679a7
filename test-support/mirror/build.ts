// Builds podman release assets laid out exactly like pigfoot/static-rootless-container-tools
// from the binaries of a Debian root (the host `/` or a debootstrap tree).
//
// The `static` and `glibc` assets carry the SAME binaries: on this machine both are the
// root's own dynamically linked Debian builds, so an archive runs only on the root it was
// built from. README.txt and the entries' mtime differ, which keeps every asset's
// checksum distinct (a mix-up of asset names then shows as a checksum mismatch).
import { spawn } from 'node:child_process'
import { randomBytes, createHash } from 'node:crypto'
import { chmod, copyFile, mkdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { killGroup, sha256File } from '../proc.js'
import { ALL_LIBCS, ALL_VARIANTS, assetName, readme, tagFor, type Libc, type Variant } from './layout.js'
import { gatherSources, planVariant, podmanVersion, type RootSources, type StageEntry } from './sources.js'

export type { Libc, Variant } from './layout.js'

export interface BuildOptions {
  /** `/` for the host, or a tree such as /var/cache/setup-static-podman/trees/trixie */
  root: string
  /** `4.3.1`; read from the root's dpkg database when omitted */
  version?: string
  arch?: string
  libcs?: readonly Libc[]
  variants?: readonly Variant[]
  outDir: string
  /** 3 by default; the real releases use 19 (benchmarks only: it is slow) */
  zstdLevel?: number
  /** component names to leave out (`crun`, `storage.conf`, `systemd`, `README.txt`, ...) */
  omit?: readonly string[]
}

interface BuiltAsset {
  name: string
  path: string
  size: number
  sha256: string
}

export interface ReleaseManifest {
  version: string
  /** `podman-vX.Y.Z` */
  tag: string
  /** the archives, sorted by name, then checksums.txt */
  assets: BuiltAsset[]
}

const FORMAT = 4 // bump when the layout changes, so cached builds are redone
const MANIFEST = 'manifest.json'
/** 2026-01-01: fixed mtimes make rebuilds byte-identical */
const EPOCH = 1_767_225_600
const COMPRESS_TIMEOUT_MS = 20 * 60_000

export async function buildRelease(opts: BuildOptions): Promise<ReleaseManifest> {
  const root = resolve(opts.root)
  const outDir = resolve(opts.outDir)
  const version = opts.version ?? (await podmanVersion(root))
  const arch = opts.arch ?? 'amd64'
  const libcs = [...(opts.libcs ?? ALL_LIBCS)]
  const variants = [...(opts.variants ?? ALL_VARIANTS)]
  const level = opts.zstdLevel ?? 3
  checkChoices(libcs, ALL_LIBCS, 'libc')
  checkChoices(variants, ALL_VARIANTS, 'variant')
  const omit = new Set(opts.omit ?? [])
  const sources = await gatherSources(root, omit)
  const key = await cacheKey({ root, version, arch, libcs, variants, level, omit: [...omit].sort() }, sources)

  const cached = await readCached(outDir, key)
  if (cached) return cached
  await mkdir(outDir, { recursive: true })
  await rm(join(outDir, MANIFEST), { force: true })

  const archives: BuiltAsset[] = []
  for (const variant of variants) {
    const entries = planVariant(variant, sources, arch)
    const names = libcs.map((libc) => ({ libc, name: assetName(version, arch, libc, variant) }))
    const built = await buildVariant(outDir, tagFor(version), entries, names, level, (libc) =>
      // standalone is `podman` alone; the other variants carry a README.
      omit.has('README.txt') || variant === 'standalone' ? undefined : readme(version, arch, libc, variant, root),
    )
    archives.push(...built)
  }
  archives.sort((a, b) => a.name.localeCompare(b.name))
  const manifest = { version, tag: tagFor(version), assets: [...archives, await writeChecksums(outDir, archives)] }
  // Written last: its presence with the same key is what marks the build complete.
  await writeFile(join(outDir, MANIFEST), `${JSON.stringify({ key, manifest }, null, 2)}\n`)
  return manifest
}

/** Stages one variant once, then packs it once per libc (only README.txt differs). */
async function buildVariant(
  outDir: string,
  top: string,
  entries: StageEntry[],
  names: { libc: Libc; name: string }[],
  level: number,
  readmeFor: (libc: Libc) => string | undefined,
): Promise<BuiltAsset[]> {
  const stageRoot = join(outDir, `.stage-${randomBytes(4).toString('hex')}`)
  try {
    await stage(join(stageRoot, top), entries)
    const out: BuiltAsset[] = []
    for (const { libc, name } of names) {
      const text = readmeFor(libc)
      if (text !== undefined) await writeFile(join(stageRoot, top, 'README.txt'), text, { mode: 0o644 })
      out.push(await compress(stageRoot, top, join(outDir, name), level, EPOCH + ALL_LIBCS.indexOf(libc)))
    }
    return out
  } finally {
    await rm(stageRoot, { recursive: true, force: true })
  }
}

async function stage(dir: string, entries: StageEntry[]): Promise<void> {
  await mkdir(dir, { recursive: true })
  for (const e of entries) {
    const dest = join(dir, e.dest)
    await mkdir(dirname(dest), { recursive: true })
    if ('from' in e) {
      await copyFile(e.from, dest)
      // Keep the permission bits, drop setuid/setgid/sticky: the release has none.
      await chmod(dest, (await stat(e.from)).mode & 0o777)
    } else if ('text' in e) {
      await writeFile(dest, e.text, { mode: 0o644 })
    } else {
      await symlink(e.link, dest)
    }
  }
}

/** `tar -C stage -cf - TOP | zstd -LEVEL -T0`, as the release workflow packs it. */
async function compress(
  stageRoot: string,
  top: string,
  dest: string,
  level: number,
  mtime: number,
): Promise<BuiltAsset> {
  const tmp = `${dest}.tmp-${randomBytes(4).toString('hex')}`
  const fixed = ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', `--mtime=@${mtime}`]
  const tarArgs = ['-C', stageRoot, ...fixed, '-cf', '-', top]
  const zstdArgs = [...(level > 19 ? ['--ultra'] : []), `-${level}`, '-T0', '-q', '-o', tmp]
  try {
    await pipe('tar', tarArgs, 'zstd', zstdArgs)
    await rename(tmp, dest)
  } finally {
    await rm(tmp, { force: true })
  }
  const name = dest.slice(dirname(dest).length + 1)
  return { name, path: dest, size: (await stat(dest)).size, sha256: await sha256File(dest) }
}

/** Runs `a | b` without a shell; rejects unless both exit 0 in time. */
function pipe(a: string, aArgs: string[], b: string, bArgs: string[]): Promise<void> {
  const left = spawn(a, aArgs, { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  const right = spawn(b, bArgs, { stdio: ['pipe', 'ignore', 'pipe'], detached: true })
  right.stdin.on('error', () => undefined) // EPIPE when b dies first: its exit code reports it
  left.stdout.pipe(right.stdin)
  const killBoth = () => {
    for (const c of [left, right]) killGroup(c.pid)
  }
  const timer = setTimeout(killBoth, COMPRESS_TIMEOUT_MS)
  return Promise.all([exited(left, a, aArgs), exited(right, b, bArgs)]).then(
    () => clearTimeout(timer),
    (err) => {
      clearTimeout(timer)
      killBoth()
      throw err
    },
  ) as Promise<void>
}

function exited(child: ReturnType<typeof spawn>, cmd: string, args: string[]): Promise<void> {
  let stderr = ''
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()))
  return new Promise((ok, fail) => {
    child.on('error', fail)
    child.on('close', (code, signal) => {
      if (code === 0) ok()
      else
        fail(
          new Error(
            `${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${stderr.trim().split('\n').at(-1)}`,
          ),
        )
    })
  })
}

function checkChoices(given: readonly string[], allowed: readonly string[], what: string): void {
  const bad = given.filter((g) => !allowed.includes(g))
  if (bad.length) throw new Error(`unknown ${what} ${bad.join(', ')}; allowed: ${allowed.join(', ')}`)
}

async function writeChecksums(outDir: string, archives: BuiltAsset[]): Promise<BuiltAsset> {
  const path = join(outDir, 'checksums.txt')
  const text = archives.map((a) => `${a.sha256}  ${a.name}\n`).join('')
  await writeFile(path, text)
  return {
    name: 'checksums.txt',
    path,
    size: Buffer.byteLength(text),
    sha256: createHash('sha256').update(text).digest('hex'),
  }
}

/** The inputs, plus size and mtime of every file read from the root (a re-debootstrap changes them). */
async function cacheKey(inputs: object, sources: RootSources): Promise<string> {
  const files = await Promise.all(
    sources.inputs.map(async (p) => {
      const st = await stat(p)
      return [p, st.size, st.mtimeMs]
    }),
  )
  return createHash('sha256').update(JSON.stringify({ FORMAT, inputs, files })).digest('hex')
}

async function readCached(outDir: string, key: string): Promise<ReleaseManifest | undefined> {
  const raw = await readFile(join(outDir, MANIFEST), 'utf8').catch(() => undefined)
  if (!raw) return undefined
  try {
    const saved = JSON.parse(raw) as { key: string; manifest: ReleaseManifest }
    if (saved.key !== key) return undefined
    for (const a of saved.manifest.assets) {
      if ((await stat(a.path).catch(() => undefined))?.size !== a.size) return undefined
    }
    return saved.manifest
  } catch {
    return undefined
  }
}
