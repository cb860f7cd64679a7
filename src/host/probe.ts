// Probe the host once, concurrently: every podman on PATH, what the installed podman will
// ACTUALLY use (`podman info` when it answers, podman's own search order when it does not),
// each helper's version, and the host facts that block rootless podman.
import { errorText, lastLine } from '../ports/exec.js'
import type { Found } from './found.js'
import type { Clock } from '../ports/timings.js'
import type { Run } from '../ports/types.js'
import { type HostFacts, readFacts, type User } from './facts.js'
import type { HostFs } from './fs.js'
import { infoVersions, type PodmanInfo, podmanInfo, type ToolInfo } from './info.js'
import { fromPackage, pastaFallback } from './pasta.js'
import * as parse from './parse.js'
import { candidates, NO_WIRING, type Piece, PIECES, type SearchWiring } from './search.js'
import { locate, onPath } from './which.js'

export interface HostPorts {
  run: Run
  fs: HostFs
}

interface PodmanBinary {
  path: string
  realPath: string
  version?: string
}

export interface HostProbe {
  /** every podman on PATH, in PATH order, one per real file */
  podmans: PodmanBinary[]
  /** what a bare `podman` runs right now */
  bare?: PodmanBinary
  installed?: PodmanBinary
  info?: PodmanInfo
  infoError?: string
  pieces: Record<Piece, Found>
  facts: HostFacts
}

export interface ProbeOptions {
  env: NodeJS.ProcessEnv
  user: User
  /** the environment the job's later podman runs with (our bin dir first); default: env */
  infoEnv?: NodeJS.ProcessEnv
  /** times `podman info` as its own phase */
  clock?: Pick<Clock, 'time'>
  /** the installed podman: its `podman info` says what it uses */
  podman?: string
  /** where the installed variant's drop-in points podman (used when `podman info` fails) */
  wiring?: SearchWiring
  /** the installed podman's version, when the install knows it */
  podmanVersion?: string
  /** trees the action unpacked: no package owns a file in them */
  roots?: readonly string[]
}

const TIMEOUT = 15_000

const PARSERS: Partial<Record<Piece, parse.Parser>> = {
  crun: parse.parseCrun,
  conmon: parse.parseConmon,
  pasta: parse.parsePasta,
  slirp4netns: parse.parseSlirp,
  netavark: parse.parseLastToken,
  'aardvark-dns': parse.parseLastToken,
  catatonit: parse.parseCatatonit,
  'fuse-overlayfs': parse.parseFuseOverlayfs,
}

function infoTool(info: PodmanInfo | undefined, piece: Piece): ToolInfo | undefined {
  if (!info) return undefined
  const map: Partial<Record<Piece, ToolInfo>> = {
    crun: info.ociRuntime.name === 'crun' ? info.ociRuntime : undefined,
    conmon: info.conmon,
    pasta: info.pasta,
    slirp4netns: info.slirp4netns,
    netavark: info.netavark,
    'aardvark-dns': info.aardvarkDns,
  }
  const t = map[piece]
  return t?.path ? t : undefined
}

async function podmansOnPath(ports: HostPorts, envPath: string | undefined): Promise<PodmanBinary[]> {
  const found = await onPath(ports.fs, 'podman', envPath)
  return Promise.all(found.map((b) => withVersion(ports, b)))
}

async function withVersion(ports: HostPorts, b: Omit<PodmanBinary, 'version'>): Promise<PodmanBinary> {
  const r = await ports.run(b.path, ['--version'], { timeoutMs: TIMEOUT })
  return { ...b, version: parse.parsePodman(r.stdout).version }
}

/** The installed podman: its version is known when the install named it (no second `--version`). */
async function installedBinary(ports: HostPorts, path: string, version?: string): Promise<PodmanBinary> {
  const b = { path, realPath: (await ports.fs.realpath(path)) ?? path }
  return version ? { ...b, version } : withVersion(ports, b)
}

async function info(ports: HostPorts, opts: ProbeOptions): Promise<{ info?: PodmanInfo; infoError?: string }> {
  if (!opts.podman) return {}
  try {
    const podman = opts.podman
    const ask = () => podmanInfo(ports.run, podman, opts.infoEnv ?? opts.env)
    return { info: await (opts.clock ? opts.clock.time('info', ask) : ask()) }
  } catch (err) {
    return { infoError: errorText(err) }
  }
}

/** setuid root, or (Fedora) the file capability that does the same job */
async function idMapper(ports: HostPorts, piece: Piece, path: string): Promise<Found> {
  const st = await ports.fs.stat(path)
  if (st && st.uid === 0 && st.mode & 0o4000) return { path, setuid: true, raw: 'setuid root' }
  const cap = piece === 'newuidmap' ? 'cap_setuid' : 'cap_setgid'
  const r = await ports.run('getcap', [path], { timeoutMs: TIMEOUT })
  if (r.exitCode === 0 && r.stdout.includes(cap)) return { path, setuid: true, raw: r.stdout.trim() }
  return { path, setuid: false, raw: `mode ${(st?.mode ?? 0).toString(8)}, owner uid ${st?.uid ?? '?'}` }
}

/** What a piece's probe knows besides its path. */
export interface PieceContext {
  /** what `podman info` said: the path podman uses and the version it read */
  info?: PodmanInfo
  /** trees the action unpacked (the install, the full asset): no package owns a file in them */
  roots?: readonly string[]
  /** the same piece at the same path, already being probed while `podman info` ran */
  early?: Promise<Found>
}

/** What the binary itself says (pasta: then its fallbacks); needs nothing from `podman info` but its package. */
async function ownVersion(
  ports: HostPorts,
  piece: Piece,
  path: string,
  o: { infoPackage?: string; roots: readonly string[] },
): Promise<Found> {
  if (piece === 'newuidmap' || piece === 'newgidmap') return idMapper(ports, piece, path)
  const parser = PARSERS[piece] as parse.Parser
  const r = await ports.run(path, ['--version'], { timeoutMs: TIMEOUT })
  const parsed = r.exitCode === 0 ? parser(r.stdout) : { raw: lastLine(r) }
  if (parsed.version) return { path, version: parsed.version, raw: parsed.raw, via: 'version' }
  if (piece === 'pasta') return pastaFallback(ports, path, parsed, o)
  return { path, raw: parsed.raw, note: 'present, version unknown' }
}

export async function probePiece(
  ports: HostPorts,
  piece: Piece,
  searched: string | undefined,
  c: PieceContext = {},
): Promise<Found> {
  const t = infoTool(c.info, piece)
  const path = t?.path ?? searched
  if (!path) return {}
  const fromInfo = t?.version ? (PARSERS[piece] as parse.Parser)(t.version) : undefined
  if (fromInfo?.version) return { path, version: fromInfo.version, raw: fromInfo.raw, via: 'podman info' }
  if (!c.early || path !== searched)
    return ownVersion(ports, piece, path, { infoPackage: t?.package, roots: c.roots ?? [] })
  // Probed before podman answered: its package for pasta still comes before the package manager's.
  const f = await c.early
  return (piece === 'pasta' && f.via !== 'version' && fromPackage(path, t?.package)) || f
}

/**
 * The pieces `podman info` reports no version for (by podman version), probed at the path
 * podman's search order gives while podman info runs; podman then says whether it uses that
 * path. pasta is always among them: info reports only what `pasta --version` prints, often nothing.
 */
function probedEarly(
  ports: HostPorts,
  located: (string | undefined)[],
  opts: ProbeOptions,
): Map<Piece, Promise<Found>> {
  const early = new Map<Piece, Promise<Found>>()
  const answered = opts.podman ? infoVersions(opts.podmanVersion) : []
  PIECES.forEach((p, n) => {
    const at = located[n]
    if (!at || answered.includes(p)) return
    const f = ownVersion(ports, p, at, { roots: opts.roots ?? [] })
    // Unused when podman uses another path; its failure then is no one's.
    f.catch(() => undefined)
    early.set(p, f)
  })
  return early
}

export async function probeHost(ports: HostPorts, opts: ProbeOptions): Promise<HostProbe> {
  const wiring = opts.wiring ?? NO_WIRING
  // podman info is the long pole: asked first, and every probe that does not need its answer runs meanwhile.
  const asked = info(ports, opts)
  const located = await Promise.all(PIECES.map((p) => locate(ports.fs, candidates(p, wiring, opts.env.PATH))))
  const early = probedEarly(ports, located, opts)
  const [podmans, installed, i, facts] = await Promise.all([
    podmansOnPath(ports, opts.env.PATH),
    opts.podman ? installedBinary(ports, opts.podman, opts.podmanVersion) : undefined,
    asked,
    readFacts(ports.fs, opts.env, opts.user),
  ])
  const c = { info: i.info, roots: opts.roots }
  const found = await Promise.all(PIECES.map((p, n) => probePiece(ports, p, located[n], { ...c, early: early.get(p) })))
  const pieces = Object.fromEntries(PIECES.map((p, n) => [p, found[n]])) as Record<Piece, Found>
  return { podmans, bare: podmans[0], installed, ...i, pieces, facts }
}
