// The symbol versions an ELF file needs from each shared library (its .gnu.version_r
// section), which is what the dynamic loader checks before main() runs.
//
// Hand-written on purpose: the kept npm ELF parsers (elfy, elf-tools) read the whole file
// into memory and none decodes the version-needs section; a 60 MB podman needs only its
// header, its section table and two small sections. The functions here are pure readers
// over Buffers; elfVersionNeeds is the one place that touches the file.
import { open } from 'node:fs/promises'

const MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46])
const SHT_GNU_VERNEED = 0x6ffffffe
const VERNEED_SIZE = 16
const VERNAUX_SIZE = 16
/** section tables beyond this are not a real binary's: refuse instead of allocating */
const MAX_SECTIONS = 65_535

export class ElfError extends Error {}

export interface ElfHeader {
  is64: boolean
  le: boolean
  /** e_machine: 62 x86-64, 183 AArch64 */
  machine: number
  shoff: number
  shentsize: number
  shnum: number
}

interface Section {
  type: number
  offset: number
  size: number
  link: number
  info: number
}

/** One DT_NEEDED library and the version names required from it (`libc.so.6`: `GLIBC_2.34`, ...). */
export interface VersionNeed {
  file: string
  versions: string[]
}

const isElf = (head: Buffer): boolean => head.length >= 4 && head.subarray(0, 4).equals(MAGIC)

class Reader {
  constructor(
    private readonly buf: Buffer,
    private readonly le: boolean,
  ) {}
  u16 = (o: number) => (this.le ? this.buf.readUInt16LE(o) : this.buf.readUInt16BE(o))
  u32 = (o: number) => (this.le ? this.buf.readUInt32LE(o) : this.buf.readUInt32BE(o))
  u64 = (o: number) => Number(this.le ? this.buf.readBigUInt64LE(o) : this.buf.readBigUInt64BE(o))
}

/** The first 64 bytes of a file; undefined when it is not ELF. */
export function parseHeader(head: Buffer): ElfHeader | undefined {
  if (!isElf(head) || head.length < 52) return undefined
  const cls = head[4]
  const data = head[5]
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) throw new ElfError('unknown ELF class or byte order')
  const is64 = cls === 2
  if (is64 && head.length < 64) return undefined
  const r = new Reader(head, data === 1)
  const machine = r.u16(0x12)
  return is64
    ? { is64, le: data === 1, machine, shoff: r.u64(0x28), shentsize: r.u16(0x3a), shnum: r.u16(0x3c) }
    : { is64, le: data === 1, machine, shoff: r.u32(0x20), shentsize: r.u16(0x2e), shnum: r.u16(0x30) }
}

function parseSections(table: Buffer, h: ElfHeader): Section[] {
  const r = new Reader(table, h.le)
  const out: Section[] = []
  for (let o = 0; o + h.shentsize <= table.length; o += h.shentsize) {
    out.push(
      h.is64
        ? {
            type: r.u32(o + 4),
            offset: r.u64(o + 0x18),
            size: r.u64(o + 0x20),
            link: r.u32(o + 0x28),
            info: r.u32(o + 0x2c),
          }
        : {
            type: r.u32(o + 4),
            offset: r.u32(o + 0x10),
            size: r.u32(o + 0x14),
            link: r.u32(o + 0x18),
            info: r.u32(o + 0x1c),
          },
    )
  }
  return out
}

const cString = (strtab: Buffer, at: number): string => {
  if (at >= strtab.length) throw new ElfError(`string offset ${at} outside the string table`)
  const end = strtab.indexOf(0, at)
  return strtab.toString('latin1', at, end < 0 ? strtab.length : end)
}

/** Walks the Verneed chain (`count` entries, sh_info) and each entry's Vernaux chain. */
function parseVerneed(sec: Buffer, strtab: Buffer, le: boolean, count: number): VersionNeed[] {
  const r = new Reader(sec, le)
  const out: VersionNeed[] = []
  let at = 0
  for (let i = 0; i < count; i++) {
    if (at + VERNEED_SIZE > sec.length) throw new ElfError('truncated version-needs section')
    const need: VersionNeed = { file: cString(strtab, r.u32(at + 4)), versions: [] }
    let aux = at + r.u32(at + 8)
    for (let j = r.u16(at + 2); j > 0; j--) {
      if (aux + VERNAUX_SIZE > sec.length) throw new ElfError('truncated version-needs entry')
      need.versions.push(cString(strtab, r.u32(aux + 8)))
      const next = r.u32(aux + 12)
      if (next === 0) break
      aux += next
    }
    out.push(need)
    const next = r.u32(at + 12)
    if (next === 0) break
    at += next
  }
  return out
}

/**
 * The version needs of an ELF file; [] for a static binary (no such section) and
 * undefined for a file that is not ELF at all.
 */
export async function elfVersionNeeds(file: string): Promise<VersionNeed[] | undefined> {
  const fh = await open(file, 'r')
  try {
    const read = async (offset: number, length: number) => {
      const buf = Buffer.alloc(length)
      const { bytesRead } = await fh.read(buf, 0, length, offset)
      if (bytesRead !== length) throw new ElfError(`${file}: truncated at ${offset}+${length}`)
      return buf
    }
    const head = Buffer.alloc(64)
    const { bytesRead } = await fh.read(head, 0, 64, 0)
    const h = parseHeader(head.subarray(0, bytesRead))
    if (!h) return undefined
    if (h.shoff === 0 || h.shnum === 0) return []
    if (h.shnum > MAX_SECTIONS || h.shentsize < (h.is64 ? 0x40 : 0x28)) throw new ElfError(`${file}: bad section table`)
    const sections = parseSections(await read(h.shoff, h.shnum * h.shentsize), h)
    const vn = sections.find((s) => s.type === SHT_GNU_VERNEED)
    const strs = vn && sections[vn.link]
    if (!vn || !strs) return []
    return parseVerneed(await read(vn.offset, vn.size), await read(strs.offset, strs.size), h.le, vn.info)
  } finally {
    await fh.close()
  }
}

/** The release arch an ELF file was built for, from e_machine; undefined for others or non-ELF. */
export async function elfArch(file: string): Promise<'amd64' | 'arm64' | undefined> {
  const fh = await open(file, 'r')
  try {
    const head = Buffer.alloc(64)
    const { bytesRead } = await fh.read(head, 0, 64, 0)
    const h = parseHeader(head.subarray(0, bytesRead))
    return h?.machine === 62 ? 'amd64' : h?.machine === 183 ? 'arm64' : undefined
  } finally {
    await fh.close()
  }
}
