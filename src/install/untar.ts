// Unpacks an archive whose sha256 was verified and whose listing was audited, streaming
// the tar bytes into GNU tar through a counter: the stream may not grow past what the
// listing saw, so the caps hold while unpacking, not after. Never as root with owners kept.
import { spawn } from 'node:child_process'
import { childEnv } from '../ports/env.js'
import { exitOf, openTar } from './tar-stream.js'

export { findOnPath } from './tar-stream.js'

/** `maxBytes`: the tar stream's length from the listing; more than that is refused. */
export type Untar = (archive: string, dest: string, maxBytes: number) => Promise<void>

const TAR_ARGS = (dest: string) => ['-x', '--no-same-owner', '--delay-directory-restore', '-C', dest, '-f', '-']

export const untar: Untar = async (archive, dest, maxBytes) => {
  const src = await openTar(archive)
  const tar = spawn('tar', TAR_ARGS(dest), { stdio: ['pipe', 'ignore', 'pipe'], env: childEnv() })
  tar.stdin.on('error', () => undefined) // tar may exit at the end-of-archive blocks: its status counts
  const exited = exitOf(tar)
  let bytes = 0
  let over = false
  let whole = false
  try {
    for await (const chunk of src.stream as AsyncIterable<Buffer>) {
      bytes += chunk.length
      if (bytes > maxBytes) {
        over = true
        break
      }
      if (!tar.stdin.write(chunk)) await new Promise((r) => tar.stdin.once('drain', r).once('close', r))
      if (tar.exitCode !== null) break
    }
    whole = !over && tar.exitCode === null
  } finally {
    if (!whole) src.stop()
    if (over) tar.kill('SIGKILL')
    tar.stdin.end()
  }
  const [{ code, stderr }, decoded] = await Promise.all([
    exited,
    src.done.then(
      () => '',
      (e: Error) => e.message,
    ),
  ])
  if (over)
    throw new Error(`Unpacking ${archive} stopped: the tar stream grew past the ${maxBytes} bytes its listing had.`)
  if (code !== 0) throw new Error(`Unpacking ${archive} failed (tar exit ${code}): ${stderr || decoded}`)
}
