// Archives built byte for byte from a list of headers (tar-stream writes what GNU tar would
// refuse to create: `..` members, writes through a symlink, setuid files, FIFOs), and the
// tool-cache entry the unpack tests commit them to.
import { pack } from 'tar-stream'

export const TOP = 'podman-v5.7.1'
export const KEY = { tool: 'podman-default-static', version: '5.7.1', arch: 'amd64' }
export const META = { asset: 'a.tar.zst', verified: 'sha256' }

export interface Member {
  name: string
  type?: 'file' | 'directory' | 'symlink'
  linkname?: string
  mode?: number
}

/** A release's smallest honest tree: its top directory, bin/ and bin/podman. */
export const PODMAN_TREE: Member[] = [
  { name: `${TOP}/`, type: 'directory' },
  { name: `${TOP}/bin/`, type: 'directory' },
  { name: `${TOP}/bin/podman` },
]

/** A tar stream holding exactly these headers, in this order; each file holds `body`. */
export async function tarOf(members: Member[], body = 'x'): Promise<Buffer> {
  const p = pack()
  for (const m of members) {
    const type = m.type ?? 'file'
    const mode = m.mode ?? (type === 'file' ? 0o644 : 0o755)
    p.entry({ name: m.name, type, linkname: m.linkname, mode }, type === 'file' ? body : '')
  }
  p.finalize()
  const chunks: Buffer[] = []
  for await (const c of p) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}
