// Reads `strace -f -ttt --pidns-translation -e trace=execve,clone,clone3,fork,vfork` output of
// one step: which programs ran, who started them (the action or podman), how often podman
// was asked `info`, which package-manager lookups ran, and how long each lasted and how it
// ended (`+++ exited with N +++`).
import path from 'node:path'

export interface Exec {
  pid: number
  file: string
  argv: string[]
  /** the nearest ancestor that exec'd node or podman: who asked for this */
  by: 'action' | 'podman' | 'other'
  /** what the parent process was running when it started this one */
  parent: string
  /** what this same process ran before this exec ('' for its first): `dpkg -S` execs `dpkg-query` in place */
  before: string
  /** its environment, when the trace prints it (strace -v) */
  env?: string[]
  /** seconds since the epoch (strace -ttt), when the trace has times */
  at?: number
  /** how the process ended (after its last exec: `dpkg -S` ends as `dpkg-query`), when the trace shows it */
  exit?: { at?: number; code: number }
}

const PACKAGE_MANAGERS = ['dpkg', 'dpkg-query', 'rpm', 'pacman', 'qfile', 'equery', 'apk', 'pkg']

/** Each line's prefix: the pid, then with -ttt the time. */
const PREFIX = /^(\d+)\s+(?:(\d+\.\d+)\s+)?/
const EXEC = /^(\d+)\s+execve\("((?:[^"\\]|\\.)*)", \[(.*?)\](?:, 0x[0-9a-f]+|, \[(.*)\])?.*\)\s+= 0$/
/**
 * A new process or thread. strace prefixes every line with the pid in its own namespace, but
 * clone() returns the child's pid in the caller's: inside a Debian tree (a new pid namespace)
 * the two never match. `--pidns-translation` adds strace's number as a comment; it wins.
 */
const CHILD = /^(\d+)\s+(?:clone3?|v?fork)\(.*=\s+(\d+)(?: \/\* (\d+) in strace's PID NS \*\/)?$/
const EXITED = /^(\d+)\s+\+\+\+ exited with (\d+) \+\+\+$/

/** strace quotes arguments as C strings: `"a", "b"`. */
function parseArgv(list: string): string[] {
  return [...list.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1].replace(/\\(.)/g, '$1'))
}

/** Joins `<unfinished ...>` lines with their `<... NAME resumed>` ends (strace -f interleaves processes). */
function joined(text: string): string[] {
  const pending = new Map<string, string>()
  const out: string[] = []
  for (const line of text.split('\n')) {
    // the start keeps its time: the call began then
    const start = /^((\d+)\s+(?:\d+\.\d+\s+)?)(.*) <unfinished \.\.\.>$/.exec(line)
    if (start) {
      pending.set(start[2], `${start[1]}${start[3]}`)
      continue
    }
    const end = /^(\d+)\s+(?:\d+\.\d+\s+)?<\.\.\. \w+ resumed>(.*)$/.exec(line)
    if (end && pending.has(end[1])) {
      out.push(`${pending.get(end[1])}${end[2]}`)
      pending.delete(end[1])
    } else out.push(line)
  }
  return out
}

/** The line without its time, and the time. */
function untimed(line: string): { line: string; at?: number } {
  const m = PREFIX.exec(line)
  if (!m?.[2]) return { line }
  return { line: `${m[1]} ${line.slice(m[0].length)}`, at: Number(m[2]) }
}

export function parseTrace(text: string): Exec[] {
  const parent = new Map<number, number>()
  const image = new Map<number, string>()
  const execs: Omit<Exec, 'by' | 'parent'>[] = []
  const exits = new Map<number, Exec['exit']>()
  for (const timed of joined(text)) {
    const { line, at } = untimed(timed)
    const x = EXITED.exec(line)
    if (x) {
      exits.set(Number(x[1]), { at, code: Number(x[2]) })
      continue
    }
    const c = CHILD.exec(line)
    if (c) {
      parent.set(Number(c[3] ?? c[2]), Number(c[1]))
      continue
    }
    const e = EXEC.exec(line)
    if (!e) continue
    const pid = Number(e[1])
    const env = e[4] === undefined ? undefined : parseArgv(e[4])
    execs.push({ pid, file: e[2], argv: parseArgv(e[3]), before: image.get(pid) ?? '', at, ...(env && { env }) })
    image.set(pid, e[2])
  }
  const byOf = (pid: number): Exec['by'] => {
    for (let p = parent.get(pid); p !== undefined; p = parent.get(p)) {
      const img = path.basename(image.get(p) ?? '')
      if (img === 'podman' || img === 'exe') return 'podman'
      if (img === 'node') return 'action'
    }
    return 'other'
  }
  const parentImage = (pid: number) => image.get(parent.get(pid) ?? -1) ?? ''
  return execs.map((x) => ({ ...x, by: byOf(x.pid), parent: parentImage(x.pid), exit: exits.get(x.pid) }))
}

/** `podman info` as asked by the action (podman re-executing itself into the user namespace is not a new ask). */
export const infoCalls = (xs: readonly Exec[]): Exec[] =>
  xs.filter((x) => x.by !== 'podman' && path.basename(x.file) === 'podman' && x.argv.slice(1).includes('info'))

const isPackageManager = (file: string): boolean => PACKAGE_MANAGERS.includes(path.basename(file))

/** Each lookup once: `dpkg -S` running `dpkg-query --search` for it (as a child, or in place) is the same lookup. */
export const packageLookups = (xs: readonly Exec[]): Exec[] =>
  xs.filter((x) => isPackageManager(x.file) && !isPackageManager(x.parent) && !isPackageManager(x.before))

/** The file a lookup asks about (`dpkg -S /usr/bin/crun`), or the package (`dpkg-query -W passt`). */
export const lookupTarget = (x: Exec): string =>
  x.argv.slice(1).findLast((a) => a.startsWith('/')) ?? (x.argv.at(-1) as string)

/** How long a lookup ran (its start to its process's exit), in ms, when the trace has both times. */
export function lookupMs(x: Exec): number | undefined {
  if (x.at === undefined || x.exit?.at === undefined) return undefined
  return (x.exit.at - x.at) * 1000
}
