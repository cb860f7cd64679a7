// What rootless podman leaves running with a runtime dir (XDG_RUNTIME_DIR) made for one
// step: its pause process (and a late `container cleanup` that started a new one) outlives
// the step. On a runner the job's end stops them; here each kept a user namespace and
// a keyring, until the user's quota (200 keys) ran out and every later container failed
// ("create keyring: Disk quota exceeded").
import { readdir, readFile, rm } from 'node:fs/promises'
import { realProcs } from '../src/ports/service.js'

const within = (dir: string, roots: readonly string[]): boolean =>
  roots.some((r) => dir === r || dir.startsWith(`${r.replace(/\/$/, '')}/`))

/** Processes whose environment names one of `roots`, or a dir below one, as their runtime dir. */
async function livingIn(roots: readonly string[]): Promise<number[]> {
  const pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid)
  const found: number[] = []
  for (const pid of pids) {
    const env = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '')
    const xdg = env.split('\0').find((v) => v.startsWith('XDG_RUNTIME_DIR='))
    if (xdg && within(xdg.slice('XDG_RUNTIME_DIR='.length), roots)) found.push(Number(pid))
  }
  return found
}

/** Kills every process living with one of `roots` (or a runtime dir below one); returns their pids. */
export async function stopProcessesIn(roots: Iterable<string>): Promise<number[]> {
  const pids = await livingIn([...roots])
  for (const pid of pids) realProcs.kill(pid)
  return pids
}

/** Stops what lives with each of `dirs`, then removes them. */
export async function dropRuntimeDirs(dirs: Iterable<string>): Promise<void> {
  const all = [...dirs]
  await stopProcessesIn(all)
  await Promise.all(all.map((d) => rm(d, { recursive: true, force: true, maxRetries: 3 })))
}
