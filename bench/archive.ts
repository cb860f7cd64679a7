// The benchmark's release for one stack: the stack's full asset, re-packed the way the real
// release is (`tar | zstd -19 -T0`) and padded with incompressible data to the real asset's
// size, so download, hashing and unpacking move as many bytes as they do on a runner. The
// binaries are the stack's own (an archive runs only on the root it was built from).
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { buildRelease } from '../test-support/mirror/build.js'

export interface BenchArchive {
  dir: string
  name: string
  file: string
  size: number
  version: string
}

const MB = 1024 * 1024

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'], timeout: 20 * 60_000 })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status})`)
}

/** `stack` names the build (bookworm for `/`, or a tree's name); `root` is where its binaries are. */
export async function benchArchive(cache: string, stack: string, root: string, targetMb = 52): Promise<BenchArchive> {
  const dir = path.join(cache, 'bench-release', stack)
  const base = await buildRelease({ root, outDir: path.join(cache, 'mirror', stack) })
  const full = base.assets.find((a) => a.name.endsWith('-static-full.tar.zst'))
  if (!full) throw new Error(`the ${stack} build has no static full asset`)
  const file = path.join(dir, full.name)
  const done = { dir, name: full.name, file, version: base.version }
  // The real default asset is about 50 MB; anything from 50 MB (decimal) on is realistic.
  if (existsSync(file) && existsSync(path.join(dir, 'checksums.txt')) && statSync(file).size >= 50_000_000)
    return { ...done, size: statSync(file).size }
  rmSync(dir, { recursive: true, force: true })
  const stage = path.join(dir, '.stage')
  mkdirSync(stage, { recursive: true })
  sh('tar', ['--zstd', '-xf', full.path, '-C', stage])
  const top = path.join(stage, `podman-v${base.version}`)
  const pad = path.join(top, 'usr/local/share/bench-padding')
  mkdirSync(pad, { recursive: true })
  const padMb = Math.max(0, targetMb - Math.round(full.size / MB))
  for (let i = 0; i < padMb; i += 8)
    writeFileSync(path.join(pad, `blob-${i}`), randomBytes(Math.min(8, padMb - i) * MB))
  sh('sh', ['-c', 'tar -C "$1" -cf - "$2" | zstd -19 -T0 -q -o "$3"', 'sh', stage, path.basename(top), file])
  rmSync(stage, { recursive: true, force: true })
  const sha = spawnSync('sha256sum', [file], { encoding: 'utf8' }).stdout.split(' ')[0]
  writeFileSync(path.join(dir, 'checksums.txt'), `${sha}  ${full.name}\n`)
  return { ...done, size: statSync(file).size }
}
