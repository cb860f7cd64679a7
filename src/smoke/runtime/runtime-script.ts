// The program runtime checks run in containers of the base image as `node -e RUNTIME_SCRIPT
// '<json>'`, bundled on its own into that string at build time (scripts/esbuild-options.mjs):
// node builtins only. It prints ONE JSON line. xattrs are read through GNU tar (node has no
// xattr API): the host's tar, through the /usr the container mounts.
import cp from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { Entry, LimitsResult, Manifest, ReapResult, RuntimeRequest } from './script.js'

type Req<M extends RuntimeRequest['mode']> = Extract<RuntimeRequest, { mode: M }>

const out = (o: unknown): void => void process.stdout.write(`${JSON.stringify(o)}\n`)
const text = (f: string): string => {
  try {
    return fs.readFileSync(f, 'utf8').trim()
  } catch (e) {
    return `error: ${(e as NodeJS.ErrnoException).code}`
  }
}

function xattrs(file: string): Record<string, string> {
  const args = ['--xattrs', '--xattrs-include=user.*', '--no-recursion', '-cf', '-', file]
  const r = cp.spawnSync('tar', args, { maxBuffer: 1 << 26 })
  if (r.status !== 0)
    return {
      error: `tar: ${String(r.stderr || r.error)
        .trim()
        .split('\n')
        .pop()}`,
    }
  const found: Record<string, string> = {}
  const re = /\d+ SCHILY\.xattr\.(user\.[^=]+)=([^\n]*)\n/g
  for (let m = re.exec(r.stdout.toString('latin1')); m; m = re.exec(r.stdout.toString('latin1'))) found[m[1]] = m[2]
  return found
}

/**
 * What makes two names one file. Not st_ino: in the mount that made it, overlayfs reports a new
 * hardlink of a copied-up file with the upper inode number while the copied-up name keeps its
 * lower origin's (seen with podman 5.4 native overlay on kernel 6.18; a fresh mount reports one
 * number). Names of one inode share all of its stat, ctime to the nanosecond, and its content.
 */
function inodeKey(st: fs.BigIntStats, sha256: string): string {
  return [st.nlink, st.mode, st.uid, st.size, st.mtimeNs, st.ctimeNs, sha256].join(':')
}

function manifest(root: string): Manifest {
  const entries: Record<string, Entry> = {}
  const inodes = new Map<string, string>()
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, name)
      const rel = path.relative(root, p)
      const st = fs.lstatSync(p, { bigint: true })
      const mode = (Number(st.mode) & 0o7777).toString(8)
      if (st.isSymbolicLink()) entries[rel] = { type: 'symlink', mode, target: fs.readlinkSync(p) }
      else if (st.isDirectory()) {
        entries[rel] = { type: 'dir', mode }
        walk(p)
      } else {
        const sha256 = crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex')
        const key = st.nlink > 1n ? inodeKey(st, sha256) : rel
        if (!inodes.has(key)) inodes.set(key, rel)
        const size = Number(st.size)
        entries[rel] = { type: 'file', mode, size, sha256, linkGroup: inodes.get(key), xattrs: xattrs(p) }
      }
    }
  }
  walk(root)
  return { entries }
}

/**
 * Native overlay without redirect_dir refuses to rename a directory of a lower layer (EXDEV,
 * which POSIX allows); mv then copies and removes, and so does this.
 */
function renameDir(from: string, to: string, notes: string[]): void {
  try {
    fs.renameSync(from, to)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e
    fs.cpSync(from, to, { recursive: true, preserveTimestamps: true })
    fs.rmSync(from, { recursive: true })
    notes.push(`rename of a lower-layer directory: EXDEV, copied and removed as mv does`)
  }
}

/** Each write goes through a different path of the storage driver; the manifest is what must survive. */
function mutate(req: Req<'mutate'>): Manifest {
  const notes: string[] = []
  const d = (f: string) => path.join(req.root, f)
  const filler = crypto.createHash('sha256').update(req.seed).digest('hex').repeat(160).slice(0, 10000)
  fs.appendFileSync(d('a.bin'), filler) // content copy-up from the image layer
  fs.chmodSync(d('b.bin'), 0o600) // metadata-only copy-up
  fs.linkSync(d('a.bin'), d('a.link')) // hardlink to a copied-up file
  fs.renameSync(d('x.attr'), d('y.attr')) // copy-up and rename; the xattr must follow
  renameDir(d('sub'), d('sub2'), notes) // directory rename across layers
  fs.unlinkSync(d('gone.txt')) // whiteout
  fs.writeFileSync(d('new.bin'), crypto.randomBytes(1 << 20), { mode: 0o640 })
  fs.mkdirSync(d('newdir/deep'), { recursive: true, mode: 0o750 })
  fs.writeFileSync(d('newdir/deep/n.txt'), filler)
  fs.symlinkSync('../a.bin', d('newdir/a.sym'))
  return { ...manifest(req.root), notes }
}

/**
 * init: sh exits at once and its background sleep is orphaned to PID 1, which must reap it:
 * watched in /proc until it is gone (reaped) or stays a zombie for a second (not reaped).
 * Then ready, waiting for the SIGTERM the host sends through `podman kill`.
 */
function init(req: Req<'init'>): void {
  // Also into files on the volume the host watches (no podman logs to poll); best effort.
  const say = (file: string, o: object) => {
    out(o)
    try {
      if (req.dir) fs.writeFileSync(path.join(req.dir, file), JSON.stringify(o))
    } catch {}
  }
  const orphan = cp.spawnSync('sh', ['-c', 'sleep 0.2 & echo $!'], { encoding: 'utf8' }).stdout.trim()
  if (!/^\d+$/.test(orphan)) throw new Error(`sh started no orphan (printed ${JSON.stringify(orphan)})`)
  const started = Date.now()
  let zombieSince = 0
  const tick = setInterval(() => {
    const st = text(`/proc/${orphan}/stat`)
    const zombie = !st.startsWith('error') && / Z /.test(st.slice(st.lastIndexOf(')')))
    zombieSince = zombie ? zombieSince || Date.now() : 0
    const undecided = !st.startsWith('error') && (!zombie || Date.now() - zombieSince < 1000)
    if (undecided && Date.now() - started < 20_000) return
    clearInterval(tick)
    process.on('SIGTERM', () => {
      say('signal', { signal: 'SIGTERM', pid: process.pid })
      process.exit(0)
    })
    say('ready', { ready: true, pid1: text('/proc/1/comm'), zombies: zombies() } satisfies ReapResult & { ready: true })
    setInterval(() => undefined, 1000)
  }, 50)
}

function zombies(): string[] {
  return fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .map((p) => text(`/proc/${p}/stat`))
    .filter((s) => / Z /.test(s.slice(s.lastIndexOf(')'))))
}

function limits(): LimitsResult {
  const files: Record<string, string> = {}
  for (const f of ['memory.max', 'pids.max', 'cpu.max']) files[f] = text(`/sys/fs/cgroup/${f}`)
  return { controllers: text('/sys/fs/cgroup/cgroup.controllers'), files }
}

function dispatch(req: RuntimeRequest): void {
  switch (req.mode) {
    case 'manifest':
      out(manifest(req.root))
      break
    case 'mutate':
      out(mutate(req))
      break
    case 'init':
      init(req)
      break
    case 'limits':
      out(limits())
      break
    default:
      throw new Error(`unknown runtime mode ${(req as { mode: unknown }).mode}`)
  }
}

Promise.resolve()
  .then(() => dispatch(JSON.parse(process.argv[process.argv.length - 1]) as RuntimeRequest))
  .catch((e) => {
    out({ error: String((e as Error)?.message || e) })
    process.exitCode = 1
  })
