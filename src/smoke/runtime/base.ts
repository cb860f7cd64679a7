// The base image of the runtime checks: an empty rootfs whose bin/lib point into the host's
// /usr (mounted read-only at run time), plus /data files in the image layer, so writes in a
// container go through copy-up. Built as a tar here (tar-stream: pax xattr headers, which no
// tool on a runner writes from node) and `podman import`ed once per suite: no registry.
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import { pack } from 'tar-stream'

/** The xattr the image layer carries on data/x.attr; copy-up and commit must keep it. */
export const XATTR = { name: 'user.ssp', value: 'kept-through-copy-up' }

interface Item {
  name: string
  type: 'directory' | 'symlink' | 'file'
  mode: number
  linkname?: string
  content?: Buffer
  pax?: Record<string, string>
}

function baseItems(): Item[] {
  const dir = (name: string, mode = 0o755): Item => ({ name, type: 'directory', mode })
  const file = (name: string, content: Buffer, mode = 0o644): Item => ({ name, type: 'file', mode, content })
  return [
    ...['usr', 'etc', 'proc', 'sys', 'dev', 'run', 'data', 'data/sub'].map((d) => dir(d)),
    dir('tmp', 0o1777),
    ...['bin', 'lib', 'lib64', 'sbin'].map(
      (d): Item => ({ name: d, type: 'symlink', mode: 0o777, linkname: `usr/${d}` }),
    ),
    file('data/a.bin', randomBytes(64 * 1024)),
    file('data/b.bin', randomBytes(8 * 1024), 0o755),
    file('data/gone.txt', Buffer.from('removed in the container: a whiteout\n')),
    file('data/sub/c.txt', Buffer.from('moved with its directory\n')),
    {
      ...file('data/x.attr', Buffer.from('renamed in the container\n')),
      pax: { [`SCHILY.xattr.${XATTR.name}`]: XATTR.value },
    },
  ]
}

export async function writeBaseTar(path: string): Promise<void> {
  const p = pack()
  const done = pipeline(p, createWriteStream(path, { mode: 0o644 }))
  for (const it of baseItems()) {
    const { content, ...header } = it
    p.entry({ ...header, size: content?.length ?? 0, mtime: new Date(0) }, content ?? Buffer.alloc(0))
  }
  p.finalize()
  await done
}
