// Probe the host once, concurrently: every podman on PATH, what the installed podman will
// ACTUALLY use (`podman info` when it answers, podman's own search order when it does not),
// each helper's version, glibc, and the host facts that block rootless podman.
import { errorText, lastLine } from '../ports/exec.js'
import { glibcVersion } from './libc.js'
import type { Clock } from '../ports/timings.js'
import type { Run } from '../ports/types.js'
import { type HostFacts, readFacts, type User } from './facts.js'
import type { HostFs } from './fs.js'
import { type PodmanInfo, podmanInfo, type ToolInfo } from './info.js'
import * as parse from './parse.js'
import { candidates, NO_WIRING, type Piece, PIECES, type SearchWiring } from './search.js'
import { locate, onPath } from './which.js'

export interface HostPorts {
  run: Run
  fs: HostFs
}

export interface Found {
  /** undefined: podman would not find it */
  path?: string
  /** semver (pasta: YYYY.M.D); undefined with a path: present, version unknown */
  version?: string
  /** what the tool printed (first line), for the report */
  raw?: string
  via?: 'podman info' | 'version' | 'package' | 'help'
  /** newuidmap/newgidmap: setuid root or the matching file capability */
  setuid?: boolean
  note?: string
  /** version unknown, but pinned between these (pasta: silence through a pipe, --help options) */
  bounds?: parse.VersionBounds
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
  glibc?: string
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

async function installedBinary(ports: HostPorts, path: string): Promise<PodmanBinary> {
  return withVersion(ports, { path, realPath: (await ports.fs.realpath(path)) ?? path })
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

async function pastaFallback(ports: HostPorts, path: string, first: parse.ParsedVersion, pkg?: string): Promise<Found> {
  const fromInfoPkg = pkg ? parse.parsePasstPackage(pkg) : undefined
  if (fromInfoPkg?.version) return { path, version: fromInfoPkg.version, raw: fromInfoPkg.raw, via: 'podman info' }
  const fromPkg = await packageVersion(ports, path)
  if (fromPkg?.version) return { path, version: fromPkg.version, raw: fromPkg.raw, via: 'package' }
  const help = await ports.run(path, ['--help'], { timeoutMs: TIMEOUT })
  const bounds = parse.pastaBounds(first.raw === '', help.stdout)
  const printed = first.raw ? `--version printed '${first.raw}'` : ''
  const why = [printed, bounds?.why].filter(Boolean).join('; ')
  return {
    path,
    raw: first.raw,
    via: 'help',
    note: `present, version unknown${why ? ` (${why})` : ''}`,
    ...(bounds && { bounds }),
  }
}

/** Debian, Ubuntu, Fedora and Arch all ship pasta in this package. */
const PASTA_PACKAGE = 'passt'

/**
 * The dpkg package that owns the file. passt is asked first by name: `dpkg-query -L` reads
 * that one package's file list, while `-S` reads every package's (about 0.5 s here, more on a
 * runner image). `-S` only when passt does not list the file.
 */
async function dpkgOwner(ports: HostPorts, files: readonly string[]): Promise<string | undefined> {
  const listed = await ports.run('dpkg-query', ['-L', PASTA_PACKAGE], { timeoutMs: TIMEOUT })
  if (listed.exitCode === 0 && listed.stdout.split('\n').some((l) => files.includes(l))) return PASTA_PACKAGE
  const owner = await ports.run('dpkg-query', ['-S', files[0]], { timeoutMs: TIMEOUT })
  return owner.exitCode === 0 ? /^([^:\s]+)(?::[^:\s]+)?:\s/.exec(owner.stdout)?.[1] : undefined
}

/** The owning package's version: dpkg, else rpm. Only for files a package installed. */
async function packageVersion(ports: HostPorts, path: string): Promise<parse.ParsedVersion | undefined> {
  const real = (await ports.fs.realpath(path)) ?? path
  const pkg = await dpkgOwner(ports, [real, path])
  if (pkg) {
    const v = await ports.run('dpkg-query', ['-W', '-f', '${Version}', pkg], { timeoutMs: TIMEOUT })
    if (v.exitCode === 0) return parse.parsePasstPackage(v.stdout)
  }
  const rpm = await ports.run('rpm', ['-qf', '--queryformat', '%{VERSION}-%{RELEASE}', real], { timeoutMs: TIMEOUT })
  return rpm.exitCode === 0 ? parse.parsePasstPackage(rpm.stdout) : undefined
}

export async function probePiece(
  ports: HostPorts,
  piece: Piece,
  searched: string | undefined,
  podman?: PodmanInfo,
): Promise<Found> {
  const t = infoTool(podman, piece)
  const path = t?.path ?? searched
  if (!path) return {}
  if (piece === 'newuidmap' || piece === 'newgidmap') return idMapper(ports, piece, path)
  const parser = PARSERS[piece] as parse.Parser
  const fromInfo = t?.version ? parser(t.version) : undefined
  if (fromInfo?.version) return { path, version: fromInfo.version, raw: fromInfo.raw, via: 'podman info' }
  const r = await ports.run(path, ['--version'], { timeoutMs: TIMEOUT })
  const parsed = r.exitCode === 0 ? parser(r.stdout) : { raw: lastLine(r) }
  if (parsed.version) return { path, version: parsed.version, raw: parsed.raw, via: 'version' }
  if (piece === 'pasta') return pastaFallback(ports, path, parsed, t?.package)
  return { path, raw: parsed.raw, note: 'present, version unknown' }
}

export async function probeHost(ports: HostPorts, opts: ProbeOptions): Promise<HostProbe> {
  const wiring = opts.wiring ?? NO_WIRING
  const [podmans, installed, i, glibc, facts, located] = await Promise.all([
    podmansOnPath(ports, opts.env.PATH),
    opts.podman ? installedBinary(ports, opts.podman) : undefined,
    info(ports, opts),
    glibcVersion(ports.run),
    readFacts(ports.fs, opts.env, opts.user),
    Promise.all(PIECES.map((p) => locate(ports.fs, candidates(p, wiring, opts.env.PATH)))),
  ])
  const found = await Promise.all(PIECES.map((p, n) => probePiece(ports, p, located[n], i.info)))
  const pieces = Object.fromEntries(PIECES.map((p, n) => [p, found[n]])) as Record<Piece, Found>
  return { podmans, bare: podmans[0], installed, ...i, pieces, glibc, facts }
}
