// Scratch space for one suite run: empty root file systems for probe containers and the CA
// file the TLS check mounts. Removed at the end whatever happened.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export interface Workspace {
  dir: string
  /** An empty rootfs whose bin/lib/lib64/sbin point into the /usr the container mounts. */
  rootfs(name: string): Promise<string>
  write(rel: string, content: string): Promise<string>
  remove(): Promise<void>
}

export async function makeWorkspace(base: string): Promise<Workspace> {
  const dir = await mkdtemp(join(base, 'ssp-smoke-'))
  return {
    dir,
    async rootfs(name) {
      const root = join(dir, `rootfs-${name}`)
      await Promise.all(
        ['usr', 'etc', 'proc', 'sys', 'dev', 'tmp'].map((d) => mkdir(join(root, d), { recursive: true })),
      )
      await Promise.all(['bin', 'lib', 'lib64', 'sbin'].map((d) => symlink(`usr/${d}`, join(root, d))))
      return root
    },
    async write(rel, content) {
      const file = join(dir, rel)
      await mkdir(join(file, '..'), { recursive: true })
      await writeFile(file, content, { mode: 0o644 })
      return file
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  }
}
