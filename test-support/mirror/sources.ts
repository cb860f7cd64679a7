// Finds the pieces of a release inside a Debian root and plans each variant's files.
import { lstat, readdir, readFile, readlink, stat } from 'node:fs/promises'
import { isAbsolute, join, posix } from 'node:path'
import { runOk } from '../proc.js'
import {
  BINARIES,
  CONFIG_FILES,
  configSources,
  GENERATOR_LINKS,
  MINIMAL_CONFIG,
  neutralizeStorageConf,
  SYSTEMD_DIRS,
  type Variant,
} from './layout.js'

export type StageEntry =
  | { dest: string; component: string; from: string }
  | { dest: string; component: string; text: string }
  | { dest: string; component: string; link: string }

export interface RootSources {
  /** archive path -> host path of the regular file it is copied from */
  binaries: Map<string, { component: string; from: string }>
  /** files that go in as text (configs, units), the same for every variant but standalone */
  texts: StageEntry[]
  /** every host file read, for the cache key */
  inputs: string[]
}

/**
 * Resolves `rel` inside `root` the way the root itself would see it: absolute symlink
 * targets point into the root, not into the host. Returns undefined unless it ends at a
 * regular file.
 */
export async function resolveInRoot(root: string, rel: string): Promise<string | undefined> {
  const todo = rel.split('/').filter(Boolean)
  let current = '/'
  for (let hops = 0; todo.length > 0; ) {
    const part = todo.shift() as string
    if (part === '..') current = posix.dirname(current)
    else if (part !== '.') current = posix.join(current, part)
    const st = await lstat(join(root, current)).catch(() => undefined)
    if (!st) return undefined
    if (st.isSymbolicLink()) {
      if (++hops > 40) return undefined
      const target = await readlink(join(root, current))
      todo.unshift(...target.split('/').filter(Boolean))
      current = isAbsolute(target) ? '/' : posix.dirname(current)
    }
  }
  const final = join(root, current)
  return (await stat(final)).isFile() ? final : undefined
}

/** The upstream part of the root's podman package version: `5.4.2+ds1-2+b2` -> `5.4.2`. */
export async function podmanVersion(root: string): Promise<string> {
  const r = await runOk(
    'dpkg-query',
    [`--admindir=${join(root, 'var/lib/dpkg')}`, '-W', '-f', '${Version}', 'podman'],
    {
      timeoutMs: 30_000,
    },
  )
  return upstreamVersion(r.stdout.trim())
}

export function upstreamVersion(debian: string): string {
  const noEpoch = debian.replace(/^\d+:/, '')
  const m = /^(\d+\.\d+\.\d+)/.exec(noEpoch)
  if (!m) throw new Error(`Cannot read an upstream version from the podman package version '${debian}'`)
  return m[1]
}

export async function gatherSources(root: string, omit: ReadonlySet<string>): Promise<RootSources> {
  const binaries = new Map<string, { component: string; from: string }>()
  const inputs: string[] = []
  for (const spec of BINARIES) {
    if (omit.has(spec.name)) continue
    const from = await firstInRoot(root, spec.sources)
    if (from) {
      binaries.set(spec.dest, { component: spec.name, from })
      inputs.push(from)
    } else if (!spec.optional) {
      throw new Error(`${root} has no ${spec.name} (looked for ${spec.sources.map((s) => `/${s}`).join(', ')})`)
    }
  }
  const texts = [...(await configEntries(root, omit, inputs)), ...(await unitEntries(root, omit, inputs))]
  return { binaries, texts, inputs }
}

/** The files of one variant, in archive order. README.txt is added per libc by the builder. */
export function planVariant(variant: Variant, src: RootSources, arch = 'amd64'): StageEntry[] {
  const entries: StageEntry[] = []
  for (const spec of BINARIES) {
    const inAsset = spec.variants.includes(variant) && (!spec.arches || spec.arches.includes(arch))
    const hit = inAsset ? src.binaries.get(spec.dest) : undefined
    if (hit) entries.push({ dest: spec.dest, component: hit.component, from: hit.from })
  }
  if (variant === 'standalone') return entries
  entries.push(...src.texts)
  const hasQuadlet = entries.some((e) => e.component === 'quadlet')
  const unitsKept = src.texts.some((e) => e.component === 'systemd')
  if (hasQuadlet && unitsKept) {
    for (const l of GENERATOR_LINKS) entries.push({ dest: l.dest, component: 'systemd', link: l.target })
  }
  return entries
}

async function firstInRoot(root: string, candidates: readonly string[]): Promise<string | undefined> {
  for (const rel of candidates) {
    const hit = await resolveInRoot(root, rel)
    if (hit) return hit
  }
  return undefined
}

async function configEntries(root: string, omit: ReadonlySet<string>, inputs: string[]): Promise<StageEntry[]> {
  const out: StageEntry[] = []
  for (const name of CONFIG_FILES) {
    if (omit.has(name)) continue
    const from = await firstInRoot(root, configSources(name))
    if (from) inputs.push(from)
    let text = from ? await readFile(from, 'utf8') : MINIMAL_CONFIG[name]
    if (name === 'storage.conf') text = neutralizeStorageConf(text)
    out.push({ dest: `etc/containers/${name}`, component: name, text })
  }
  return out
}

/** Debian's podman units, pointed at /usr/local/bin/podman as the release's are. */
async function unitEntries(root: string, omit: ReadonlySet<string>, inputs: string[]): Promise<StageEntry[]> {
  if (omit.has('systemd')) return []
  const out: StageEntry[] = []
  for (const kind of SYSTEMD_DIRS) {
    const dir = await firstDir(root, [`usr/lib/systemd/${kind}`, `lib/systemd/${kind}`])
    const names = dir ? (await readdir(join(root, dir))).filter((n) => n.startsWith('podman')).sort() : []
    for (const name of names) {
      const from = await resolveInRoot(root, `${dir}/${name}`)
      if (!from) continue
      inputs.push(from)
      const text = (await readFile(from, 'utf8')).replaceAll('/usr/bin/podman', '/usr/local/bin/podman')
      out.push({ dest: `usr/local/lib/systemd/${kind}/${name}`, component: 'systemd', text })
    }
  }
  return out
}

/** The first candidate (relative to root) that is a directory. */
async function firstDir(root: string, candidates: string[]): Promise<string | undefined> {
  for (const rel of candidates) {
    if ((await stat(join(root, rel)).catch(() => undefined))?.isDirectory()) return rel
  }
  return undefined
}
