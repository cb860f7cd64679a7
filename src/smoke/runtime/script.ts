// The program runtime checks run inside containers of the base image: `node -e RUNTIME_SCRIPT
// '<json>'`, the action's own Node through the host's /usr. Plain CommonJS, node builtins
// only; it prints ONE JSON line. xattrs are read through GNU tar (node has no xattr API).

export type RuntimeRequest =
  | { mode: 'manifest'; root: string }
  | { mode: 'mutate'; root: string; seed: string }
  | { mode: 'reap' }
  | { mode: 'signal' }
  | { mode: 'limits' }

export interface Entry {
  type: 'file' | 'dir' | 'symlink'
  mode: string
  size?: number
  sha256?: string
  /** files sharing an inode share this (the first path of the group) */
  linkGroup?: string
  target?: string
  xattrs?: Record<string, string>
}

export interface Manifest {
  entries: Record<string, Entry>
}

export interface ReapResult {
  pid1: string
  zombies: string[]
}

export interface LimitsResult {
  controllers: string
  files: Record<string, string>
}

export const RUNTIME_SCRIPT = String.raw`'use strict'
const fs = require('fs'), path = require('path'), crypto = require('crypto'), cp = require('child_process')
const req = JSON.parse(process.argv[process.argv.length - 1])
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n')
const text = (f) => { try { return fs.readFileSync(f, 'utf8').trim() } catch (e) { return 'error: ' + e.code } }
function xattrs(file) {
  const r = cp.spawnSync('tar', ['--xattrs', '--xattrs-include=user.*', '--no-recursion', '-cf', '-', file], { maxBuffer: 1 << 26 })
  if (r.status !== 0) return { error: 'tar: ' + String(r.stderr || r.error).trim().split('\n').pop() }
  const found = {}
  const re = /\d+ SCHILY\.xattr\.(user\.[^=]+)=([^\n]*)\n/g
  let m
  while ((m = re.exec(r.stdout.toString('latin1')))) found[m[1]] = m[2]
  return found
}
function manifest(root) {
  const entries = {}, inodes = new Map()
  const walk = (dir) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, name), rel = path.relative(root, p), st = fs.lstatSync(p)
      const mode = (st.mode & 0o7777).toString(8)
      if (st.isSymbolicLink()) entries[rel] = { type: 'symlink', mode, target: fs.readlinkSync(p) }
      else if (st.isDirectory()) { entries[rel] = { type: 'dir', mode }; walk(p) }
      else {
        if (!inodes.has(st.ino)) inodes.set(st.ino, rel)
        const sha256 = crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex')
        entries[rel] = { type: 'file', mode, size: st.size, sha256, linkGroup: inodes.get(st.ino), xattrs: xattrs(p) }
      }
    }
  }
  walk(root)
  return { entries }
}
function mutate() {
  const d = (f) => path.join(req.root, f)
  const rand = (n) => crypto.createHash('sha256').update(req.seed).digest().toString('hex').repeat(Math.ceil(n / 64)).slice(0, n)
  fs.appendFileSync(d('a.bin'), rand(4096))        // content copy-up from the image layer
  fs.chmodSync(d('b.bin'), 0o600)                  // metadata-only copy-up
  fs.linkSync(d('a.bin'), d('a.link'))             // hardlink to a copied-up file
  fs.renameSync(d('x.attr'), d('y.attr'))          // copy-up and rename; the xattr must follow
  fs.renameSync(d('sub'), d('sub2'))               // directory rename across layers
  fs.unlinkSync(d('gone.txt'))                     // whiteout
  fs.writeFileSync(d('new.bin'), crypto.randomBytes(1 << 20), { mode: 0o640 })
  fs.mkdirSync(d('newdir/deep'), { recursive: true, mode: 0o750 })
  fs.writeFileSync(d('newdir/deep/n.txt'), rand(10000))
  fs.symlinkSync('../a.bin', d('newdir/a.sym'))
  return manifest(req.root)
}
function reap() {
  // sh exits at once; its background sleep is orphaned to PID 1, which must reap it.
  cp.spawnSync('sh', ['-c', 'sleep 0.2 & exit 0'])
  setTimeout(() => {
    const zombies = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map((p) => text('/proc/' + p + '/stat'))
      .filter((s) => / Z /.test(s.replace(/^.*\)/, ')')))
    out({ pid1: text('/proc/1/comm'), zombies })
  }, 1500)
}
function signal() {
  process.on('SIGTERM', () => { out({ signal: 'SIGTERM', pid: process.pid }); process.exit(0) })
  out({ ready: true, pid: process.pid, pid1: text('/proc/1/comm') })
  setInterval(() => {}, 1000)
}
function limits() {
  const files = {}
  for (const f of ['memory.max', 'pids.max', 'cpu.max']) files[f] = text('/sys/fs/cgroup/' + f)
  out({ controllers: text('/sys/fs/cgroup/cgroup.controllers'), files })
}
const modes = { manifest: () => out(manifest(req.root)), mutate: () => out(mutate()), reap, signal, limits }
Promise.resolve().then(() => modes[req.mode]()).catch((e) => { out({ error: String(e && e.message || e) }); process.exitCode = 1 })
`
