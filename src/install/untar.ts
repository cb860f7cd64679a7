// Unpacks an archive whose sha256 was already verified, streaming into GNU tar: through the
// zstd binary when the runner has it (about twice as fast), else through node's own zstd
// (or gzip) decoder, so a runner without zstd works too. The decoder is never the integrity
// check (node 24.18's accepts truncated input): the sha256 was.
import { type ChildProcess, spawn } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { access, constants } from 'node:fs/promises'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import zlib from 'node:zlib'

export type Untar = (archive: string, dest: string) => Promise<void>

const CHUNK = 256 * 1024 // node's default 16 KiB chunks decode twice as slowly

const TAR_ARGS = (dest: string) => ['-x', '--no-same-owner', '--delay-directory-restore', '-C', dest, '-f', '-']

export async function findOnPath(name: string, envPath = process.env.PATH ?? ''): Promise<string | undefined> {
  for (const dir of envPath.split(':').filter((d) => d.startsWith('/'))) {
    const file = path.join(dir, name)
    if (
      await access(file, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return file
  }
  return undefined
}

function decoder(archive: string): NodeJS.ReadWriteStream {
  if (archive.endsWith('.tar.gz') || archive.endsWith('.tgz')) return zlib.createGunzip({ chunkSize: CHUNK })
  if (archive.endsWith('.tar.zst')) return zlib.createZstdDecompress({ chunkSize: CHUNK })
  throw new Error(`Unsupported archive type: ${archive}`)
}

function exitOf(child: ChildProcess, stderr: { text: string }): Promise<number> {
  child.stderr?.on('data', (b: Buffer) => (stderr.text += b.toString()))
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve(code ?? 1))
  })
}

export const untar: Untar = async (archive, dest) => {
  const zstd = archive.endsWith('.tar.zst') ? await findOnPath('zstd') : undefined
  const err = { text: '' }
  // tar may exit at the end-of-archive blocks before the decoder has flushed the padding
  // behind them: a broken pipe then is normal, and tar's exit status is what counts.
  if (zstd) {
    const dec = spawn(zstd, ['-dc', '-q', '--', archive], { stdio: ['ignore', 'pipe', 'pipe'] })
    const tar = spawn('tar', TAR_ARGS(dest), { stdio: [dec.stdout, 'ignore', 'pipe'] })
    dec.stdout.destroy() // tar holds its own copy of the pipe; ours would keep it open
    const [code] = await Promise.all([exitOf(tar, err), exitOf(dec, err)])
    if (code !== 0)
      throw new Error(`Unpacking ${archive} failed (tar exit ${code}): ${err.text.trim().split('\n').at(-1)}`)
    return
  }
  const tar = spawn('tar', TAR_ARGS(dest), { stdio: ['pipe', 'ignore', 'pipe'] })
  const exited = exitOf(tar, err)
  const fed = pipeline(createReadStream(archive), decoder(archive), tar.stdin as NodeJS.WritableStream).then(
    () => undefined,
    (e: unknown) => (e instanceof Error ? e.message : String(e)),
  )
  const [feedError, code] = await Promise.all([fed, exited])
  if (code !== 0)
    throw new Error(
      `Unpacking ${archive} failed (tar exit ${code}): ${err.text.trim().split('\n').at(-1) ?? feedError ?? ''}`,
    )
}
