// storage-integrity: which driver and mount program podman uses and why, then files written
// through copy-up, hardlinks, renames, xattrs, mode changes and a whiteout must survive
// `podman commit` and a new container bit for bit (GitHub's static bundle corrupted images
// with fuse-overlayfs 1.16 as its mount program).
import { randomBytes } from 'node:crypto'
import type { StoreInfo } from '../../host/info.js'
import type { Details } from '../report.js'
import { type CheckContext, CheckFailure } from '../runner.js'
import { XATTR } from './base.js'
import { script } from './context.js'
import type { RuntimePorts } from './ports.js'
import type { Entry, Manifest } from './script.js'

const CONFS = ['/etc/containers/storage.conf', '/usr/share/containers/storage.conf']
const ROOT = '/data'

/** Which storage.conf decided the driver and mount program, read the way podman reads them (first found wins). */
export async function storageWhy(rt: Pick<RuntimePorts, 'readText'>, store: StoreInfo | undefined): Promise<string> {
  const files = [...(store?.configFile ? [store.configFile] : []), ...CONFS]
  for (const f of files) {
    const text = await rt.readText(f)
    if (text === undefined) continue
    const driver = /^\s*driver\s*=\s*"([^"]*)"/m.exec(text)?.[1]
    const mp = /^\s*mount_program\s*=\s*"([^"]*)"/m.exec(text)?.[1]
    const set = [driver && `driver "${driver}"`, mp && `mount_program "${mp}"`].filter(Boolean)
    if (set.length) return `${f} sets ${set.join(' and ')}`
    return `${f} sets no driver: podman's own choice for this kernel and file system`
  }
  return `no storage.conf (${files.join(', ')}): podman's own choice for this kernel and file system`
}

function note(store: StoreInfo | undefined): string {
  if (store?.mountProgram) return `; fuse-overlayfs is slower than native overlay and 1.16 corrupted images on runners`
  if (store?.driver === 'vfs')
    return '; vfs copies every layer in full (slow, disk-hungry); overlay needs kernel >= 5.13'
  return ''
}

/** What the mutations must have produced, beyond the two manifests agreeing. */
function expectations(m: Manifest): string[] {
  const e = m.entries
  const bad: string[] = []
  if (e['gone.txt']) bad.push('gone.txt survived its unlink (whiteout lost)')
  if (e['x.attr'] || !e['y.attr']) bad.push('x.attr was not renamed to y.attr')
  if (e['y.attr']?.xattrs?.[XATTR.name] !== XATTR.value)
    bad.push(`y.attr lost its ${XATTR.name} xattr (${JSON.stringify(e['y.attr']?.xattrs)})`)
  if (e['a.link']?.linkGroup !== e['a.bin']?.linkGroup) bad.push('a.link is no longer a hardlink of a.bin')
  if (e['b.bin']?.mode !== '600') bad.push(`b.bin mode ${e['b.bin']?.mode}, expected 600`)
  if (!e['sub2/c.txt'] || e.sub) bad.push('directory sub was not renamed to sub2 with its file')
  if (e['new.bin']?.size !== 1 << 20) bad.push('new.bin is not 1 MiB')
  return bad
}

const same = (a?: Entry, b?: Entry): boolean => JSON.stringify(a) === JSON.stringify(b)

function differences(before: Manifest, after: Manifest): string[] {
  const paths = [...new Set([...Object.keys(before.entries), ...Object.keys(after.entries)])].sort()
  return paths
    .filter((p) => !same(before.entries[p], after.entries[p]))
    .map(
      (p) =>
        `${p}: ${JSON.stringify(before.entries[p] ?? 'missing')} -> ${JSON.stringify(after.entries[p] ?? 'missing')}`,
    )
}

export async function storageIntegrity(ctx: CheckContext): Promise<Details> {
  const rt = ctx.suite.rt
  const store = rt.store
  const why = await storageWhy(rt, store)
  const how = store?.mountProgram ? ` with ${store.mountProgram}` : store?.driver === 'overlay' ? ' (native)' : ''
  const used = `${store?.driver ?? 'unknown driver'}${how}`
  const details: Details = { driver: store?.driver, mountProgram: store?.mountProgram, why }
  const seed = randomBytes(8).toString('hex')
  const first = await script<Manifest>(ctx, 'mutate', { mode: 'mutate', root: ROOT, seed }, { keep: true })
  const wrong = expectations(first.out)
  if (wrong.length) throw new CheckFailure(`in the container itself: ${wrong.join('; ')}`, undefined, details)
  const image = ctx.image('committed')
  await ctx.podmanOk('podman commit', ['commit', '-q', first.name, image])
  const second = await script<Manifest>(ctx, 'verify', { mode: 'manifest', root: ROOT }, { image })
  const diff = differences(first.out, second.out)
  const files = Object.values(first.out.entries).filter((e) => e.type === 'file').length
  if (diff.length)
    throw new CheckFailure(
      `${diff.length} path(s) differ after podman commit and a new container (${used}): ${diff[0]}`,
      diff.slice(0, 15).join('\n'),
      { ...details, differences: diff.slice(0, 50) },
    )
  return {
    ...details,
    files,
    summary: `${used} (${why}${note(store)}): ${files} files equal by sha256, mode, links and xattrs after commit`,
  }
}
