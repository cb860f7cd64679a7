// The host gate reads /etc, /proc, /sys and /dev through this port, so unit tests script
// a host as data and the integration test can point it at a prepared root.
import { constants } from 'node:fs'
import { access, readdir, readFile, realpath, stat } from 'node:fs/promises'
import path from 'node:path'

export interface FileInfo {
  mode: number
  uid: number
  gid: number
  kind: 'file' | 'dir' | 'char' | 'other'
}

export interface HostFs {
  /** file text, or undefined when it cannot be read */
  readFile(p: string): Promise<string | undefined>
  /** follows symlinks; undefined when missing */
  stat(p: string): Promise<FileInfo | undefined>
  realpath(p: string): Promise<string | undefined>
  readdir(p: string): Promise<string[]>
  /** can this process open it for reading and writing (rw) or execute it (x) */
  access(p: string, mode: 'rw' | 'x'): Promise<boolean>
}

const kindOf = (s: { isFile(): boolean; isDirectory(): boolean; isCharacterDevice(): boolean }): FileInfo['kind'] =>
  s.isFile() ? 'file' : s.isDirectory() ? 'dir' : s.isCharacterDevice() ? 'char' : 'other'

/** The real file system, every path taken relative to `root` (default `/`). */
export function realHostFs(root = '/'): HostFs {
  const at = (p: string): string => path.join(root, p)
  const unroot = (p: string): string => (root === '/' ? p : `/${path.relative(root, p)}`)
  return {
    readFile: (p) => readFile(at(p), 'utf8').catch(() => undefined),
    stat: async (p) => {
      const s = await stat(at(p)).catch(() => undefined)
      return s && { mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, kind: kindOf(s) }
    },
    realpath: (p) => realpath(at(p)).then(unroot, () => undefined),
    readdir: (p) => readdir(at(p)).catch(() => []),
    access: (p, mode) =>
      access(at(p), mode === 'rw' ? constants.R_OK | constants.W_OK : constants.X_OK).then(
        () => true,
        () => false,
      ),
  }
}
