// pasta's version when `pasta --version` prints none (Debian 12 and Ubuntu 24.04 print
// `unknown version`, passt 2025_02_17 to 2025_05_12 print nothing through a pipe): the
// owning package's version, else the span its `--help` options pin it to.
import path from 'node:path'
import type { Run } from '../ports/types.js'
import type { HostFs } from './fs.js'
import * as parse from './parse.js'
import type { Found } from './found.js'

const TIMEOUT = 15_000

interface Ports {
  run: Run
  fs: HostFs
}

/** Debian, Ubuntu, Fedora and Arch all ship pasta in this package. */
const PASTA_PACKAGE = 'passt'

/**
 * Whether `file` lies in a tree the action unpacked itself (the tool cache can be anywhere,
 * e.g. /opt/hostedtoolcache): no package can own it, so asking the package manager is only
 * a slow no (`dpkg-query -S` reads every package's file list).
 */
function inOwnTree(file: string, roots: readonly string[]): boolean {
  return roots.some((r) => {
    const rel = path.relative(r, file)
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)
  })
}

/** The version in a package version string (`podman info`'s pasta package, dpkg or rpm), if it carries one. */
export function fromPackage(file: string, pkg: string | undefined): Found | undefined {
  const v = pkg ? parse.parsePasstPackage(pkg) : undefined
  return v?.version ? { path: file, version: v.version, raw: v.raw, via: 'podman info' } : undefined
}

/**
 * After `--version` gave no version: `podman info`'s package for it, then the package
 * manager (never for a file in the action's own tree), then `--help`.
 */
export async function pastaFallback(
  ports: Ports,
  file: string,
  first: parse.ParsedVersion,
  o: { infoPackage?: string; roots: readonly string[] },
): Promise<Found> {
  const fromInfo = fromPackage(file, o.infoPackage)
  if (fromInfo) return fromInfo
  const fromPkg = inOwnTree(file, o.roots) ? undefined : await packageVersion(ports, file)
  if (fromPkg?.version) return { path: file, version: fromPkg.version, raw: fromPkg.raw, via: 'package' }
  const help = await ports.run(file, ['--help'], { timeoutMs: TIMEOUT })
  const bounds = parse.pastaBounds(first.raw === '', help.stdout)
  const printed = first.raw ? `--version printed '${first.raw}'` : ''
  const why = [printed, bounds?.why].filter(Boolean).join('; ')
  return {
    path: file,
    raw: first.raw,
    via: 'help',
    note: `present, version unknown${why ? ` (${why})` : ''}`,
    ...(bounds && { bounds }),
  }
}

/**
 * The dpkg package that owns the file. passt is asked first by name: `dpkg-query -L` reads
 * that one package's file list, while `-S` reads every package's (about 0.5 s here, more on a
 * runner image). `-S` only when passt does not list the file.
 */
async function dpkgOwner(ports: Ports, files: readonly string[]): Promise<string | undefined> {
  const listed = await ports.run('dpkg-query', ['-L', PASTA_PACKAGE], { timeoutMs: TIMEOUT })
  if (listed.exitCode === 0 && listed.stdout.split('\n').some((l) => files.includes(l))) return PASTA_PACKAGE
  const owner = await ports.run('dpkg-query', ['-S', files[0]], { timeoutMs: TIMEOUT })
  return owner.exitCode === 0 ? /^([^:\s]+)(?::[^:\s]+)?:\s/.exec(owner.stdout)?.[1] : undefined
}

/** The owning package's version: dpkg, else rpm. Only for files a package installed. */
async function packageVersion(ports: Ports, file: string): Promise<parse.ParsedVersion | undefined> {
  const real = (await ports.fs.realpath(file)) ?? file
  const pkg = await dpkgOwner(ports, [real, file])
  if (pkg) {
    const v = await ports.run('dpkg-query', ['-W', '-f', '${Version}', pkg], { timeoutMs: TIMEOUT })
    if (v.exitCode === 0) return parse.parsePasstPackage(v.stdout)
  }
  const rpm = await ports.run('rpm', ['-qf', '--queryformat', '%{VERSION}-%{RELEASE}', real], { timeoutMs: TIMEOUT })
  return rpm.exitCode === 0 ? parse.parsePasstPackage(rpm.stdout) : undefined
}
