// A job cancelled in the middle of the host gate, through dist/main.cjs as the runner user:
// the runner's SIGTERM reaches the step while a remedy's command is still running (after it
// changed /dev/net/tun). The step stops its children, saves the state and fails; the post
// step then reverts what was recorded before it was made: nothing is left behind.
import { describe, expect, it } from '@jest/globals'
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs'
import { chmod, chown, mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { BASE_PATH, runAction, runAsRunner, type Workspace } from '../../test-support/runner.js'
import { runnerIds } from '../../test-support/workspace.js'
import { tunAsSetUp, useFixture } from './releases.js'

const fixture = useFixture(['bookworm'], tunAsSetUp)

const SLEEP = 'sleep 3173' // a duration nothing else uses: what the /proc scan looks for
const tunMode = () => statSync('/dev/net/tun').mode & 0o777

/** Processes whose command line has `text`, or whose program lies under `dir`. */
function processes(match: { text?: string; under?: string; cwd?: string }): number[] {
  const out: number[] = []
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')
      if (match.text && !cmd.includes(match.text)) continue
      if (match.under && !readlinkSync(`/proc/${pid}/exe`).startsWith(match.under)) continue
      if (match.cwd && readlinkSync(`/proc/${pid}/cwd`) !== match.cwd) continue
      out.push(Number(pid))
    } catch {
      // gone meanwhile, or not readable
    }
  }
  return out
}

async function until<T>(get: () => T | undefined, ms: number): Promise<T | undefined> {
  const end = Date.now() + ms
  for (let v = get(); Date.now() < end; v = get()) {
    if (v) return v
    await new Promise((r) => setTimeout(r, 100))
  }
  return get()
}

/**
 * A `sudo` first on PATH that runs the real one, then (for the tun remedy) signals the test
 * and hangs: the change is made, but the step has not seen its command end.
 */
async function slowSudo(w: Workspace): Promise<{ dir: string; marker: string }> {
  const dir = path.join(w.dir, 'slow-bin')
  const marker = path.join(w.dir, 'in-the-gate')
  await mkdir(dir)
  const script =
    '#!/bin/sh\n/usr/bin/sudo "$@" || exit $?\n' + `case "$*" in *chmod*tun*) : > '${marker}'; exec ${SLEEP};; esac\n`
  await writeFile(path.join(dir, 'sudo'), script, { mode: 0o755 })
  const { uid, gid } = await runnerIds()
  await chown(w.dir, uid, gid)
  return { dir, marker }
}

const dropins = (w: Workspace): string[] => {
  const dir = path.join(w.home, '.config/containers/containers.conf.d')
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.includes('setup-static-podman')) : []
}

describe('SIGTERM in the middle of the host gate', () => {
  it('main stops its children and fails; post reverts every recorded change, the drop-in included', async () => {
    await chmod('/dev/net/tun', 0o600)
    const w = await fixture.workspace()
    const slow = await slowSudo(w)
    const inputs = {
      ...fixture.inputs(w, 'bookworm'),
      'allow-sudo': 'true',
      cleanup: 'true',
      'smoke-tests': 'none',
    }
    const running = runAction({ entry: 'main', work: w, inputs, env: { PATH: `${slow.dir}:${BASE_PATH}` } })
    expect(await until(() => existsSync(slow.marker) || undefined, 300_000)).toBe(true)
    expect(tunMode()).toBe(0o666) // the remedy's change is made; its command has not returned
    const [node] = processes({ text: 'dist/main.cjs', cwd: w.githubWorkspace })
    expect(node).toBeGreaterThan(0)
    process.kill(node, 'SIGTERM')
    const main = await running
    expect(main.exitCode).toBe(143)
    expect(main.errors).toEqual([expect.stringMatching(/^Cancelled \(SIGTERM\): stopped 1 running command\(s\)/)])
    expect(processes({ text: SLEEP })).toEqual([])
    expect(dropins(w)).toHaveLength(1) // written before the gate; post removes it

    const post = await runAction({ entry: 'post', work: w, inputs: {} })
    expect(post.exitCode).toBe(0)
    expect(post.warnings).toEqual([])
    expect(post.stdout).toMatch(/Reverted: chmod 0666 \/dev\/net\/tun \(was 0600\)/)
    expect(post.stdout).toMatch(/Reverted: removed .*99-setup-static-podman-[0-9a-f]{12}\.conf/)
    expect(tunMode()).toBe(0o600)
    expect(dropins(w)).toEqual([])
    expect(processes({ under: w.dir })).toEqual([])
  })
})

/** A crun whose exec never returns (as in runtime.test): exec-repeat's container stays up for its deadline. */
async function hangingExec(w: Workspace): Promise<void> {
  const wrapper = path.join(w.dir, 'hang-crun')
  const script = `#!/bin/sh\nfor a in "$@"; do [ "$a" = exec ] && exec sleep 3175; done\nexec /usr/bin/crun "$@"\n`
  await writeFile(wrapper, script, { mode: 0o755 })
  const dir = path.join(w.home, '.config/containers/containers.conf.d')
  await mkdir(dir, { recursive: true })
  // sorts after the action's drop-in: read last, so this runtime wins
  await writeFile(path.join(dir, 'zz-hang.conf'), `[engine.runtimes]\ncrun = ["${wrapper}"]\n`)
  const { uid, gid } = await runnerIds()
  for (const d of [path.join(w.home, '.config'), path.join(w.home, '.config/containers'), dir]) await chown(d, uid, gid)
  await chown(path.join(dir, 'zz-hang.conf'), uid, gid)
}

describe('SIGTERM in the middle of the smoke suite', () => {
  const LABEL = 'io.github.setup-static-podman.smoke'
  /** the suite's containers and networks, as the job's next step would list them */
  const listed = async (w: Workspace, what: 'ps' | 'network') => {
    const argv = what === 'ps' ? ['ps', '-a'] : ['network', 'ls']
    const r = await runAsRunner(w, 'podman', [...argv, '--filter', `label=${LABEL}`, '--format', '{{.Names}}'])
    return r.stdout.split('\n').filter(Boolean)
  }

  it('containers left running under conmon are removed by post, with their networks', async () => {
    await chmod('/dev/net/tun', 0o666) // as the machine is set up (the test before reverts to 0600)
    const w = await fixture.workspace()
    await hangingExec(w)
    const inputs = { ...fixture.inputs(w, 'bookworm'), cleanup: 'true', 'smoke-tests': 'exec-repeat' }
    let done = false
    const running = runAction({ entry: 'main', work: w, inputs }).finally(() => {
      done = true
    })
    // an exec hangs in its runtime under conmon: `podman rm -f` leaves that conmon running
    while (processes({ text: 'sleep 3175' }).length === 0 && !done) await new Promise((r) => setTimeout(r, 100))
    expect(processes({ text: 'sleep 3175' })).toHaveLength(1)
    // (not `podman ps`: it waits for the container's lock, which the hung exec holds until its deadline)
    expect(processes({ text: '-exec-repeat-target' }).length).toBeGreaterThan(0)
    const [node] = processes({ text: 'dist/main.cjs', cwd: w.githubWorkspace })
    process.kill(node, 'SIGTERM')
    const main = await running
    expect(main.exitCode).toBe(143)
    expect(main.errors).toEqual([expect.stringMatching(/^Cancelled \(SIGTERM\)/)])

    const post = await runAction({ entry: 'post', work: w, inputs: {} })
    expect(post.exitCode).toBe(0)
    expect(post.warnings).toEqual([])
    expect(post.stdout).toMatch(/Reverted: removed the smoke suite's containers/)
    expect(post.stdout).toMatch(/Stopped \d+ process\(es\) the cancelled smoke suite left: \d+, \d+/)
    expect(await listed(w, 'ps')).toEqual([])
    expect(await listed(w, 'network')).toEqual([])
    expect(processes({ text: 'sleep 3175' })).toEqual([])
    expect(dropins(w)).toEqual([])
    expect(processes({ under: w.dir })).toEqual([])
  })
})
