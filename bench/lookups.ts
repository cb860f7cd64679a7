// podman's package lookups timed again without strace. The trace says what podman ran and
// with which environment, but strace -f stops every system call of every thread it follows:
// a `dpkg -S` that fails in 5 ms reads as 45-55 ms traced, on either side of any bound.
// (strace --seccomp-bpf would stop only the traced calls, but its filter makes newuidmap fail
// to write uid_map, and a tree's step needs newuidmap.) So each lookup runs again as the
// runner user, in the same stack, with the argv and environment the trace saw: median of 3.
import { nodePath, runAsRunner, type TreeName, type Workspace } from '../test-support/runner.js'
import type { Exec } from './trace.js'

export interface Retimed {
  ms: number
  /** its exit status (null: killed) */
  code: number | null
}

const RETIME = `
const { spawnSync } = require('node:child_process')
const envOf = (list) => Object.fromEntries(list.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]))
const out = JSON.parse(process.argv[process.argv.length - 1]).map(({ file, argv, env }) => {
  const runs = [0, 1, 2].map(() => {
    const t = process.hrtime.bigint()
    const opts = { argv0: argv[0], env: envOf(env), stdio: 'ignore', timeout: 10000 }
    const r = spawnSync(file, argv.slice(1), opts)
    return { ms: Number(process.hrtime.bigint() - t) / 1e6, code: r.status }
  })
  return runs.sort((a, b) => a.ms - b.ms)[1]
})
console.log(JSON.stringify(out))
`

/** Each lookup (with the environment the trace printed) run again untraced; by index, undefined without one. */
export async function retimed(
  tree: TreeName | undefined,
  work: Workspace,
  lookups: Exec[],
): Promise<(Retimed | undefined)[]> {
  const known = lookups.filter((x) => x.env)
  if (known.length === 0) return lookups.map(() => undefined)
  const jobs = known.map((x) => ({ file: x.file, argv: x.argv, env: x.env }))
  const r = await runAsRunner(work, nodePath(), ['-e', RETIME, JSON.stringify(jobs)], { tree })
  if (r.exitCode !== 0) throw new Error(`re-timing podman's lookups failed: ${r.stderr.trim()}`)
  const times = JSON.parse(r.stdout.trim()) as Retimed[]
  return lookups.map((x) => (x.env ? times[known.indexOf(x)] : undefined))
}
