// Issue 11 end to end: `node dist/main.cjs` as the runner user runs the runtime smoke checks
// against real containers on the Debian 12 host (podman 4.3.1), the Debian 13 tree (5.4.2)
// and the testing tree (5.8.6), and catches each failure class for real: a crun whose exec
// never returns, a storage.conf forcing fuse-overlayfs, no user systemd for healthchecks.
import { afterAll, describe, expect, it } from '@jest/globals'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { CheckReport, SmokeReport } from '../../src/smoke/index.js'
import {
  type ActionResult,
  nodePath,
  runAction,
  runAsRunner,
  type TreeName,
  type Workspace,
} from '../../test-support/runner.js'
import { runProc } from '../../test-support/proc.js'
import { dropRuntimeDirs } from '../../test-support/runtime-dir.js'
import { freshRuntimeDir, runnerIds } from '../../test-support/workspace.js'
import { type Stack, useFixture } from './releases.js'

const fixture = useFixture(['bookworm', 'trixie', 'forky'])

const treeOf = (stack: Stack): TreeName | undefined => (stack === 'bookworm' ? undefined : (stack as TreeName))
const BLOCKING = ['storage-integrity', 'exec-repeat', 'build']

interface Ran {
  r: ActionResult
  report: SmokeReport
  check: (id: string) => CheckReport
}

const runtimeDirs: string[] = []
afterAll(() => dropRuntimeDirs(runtimeDirs))

/** A fresh XDG_RUNTIME_DIR on the host: podman 4.3 keeps its rootless netns there. */
async function hostRuntimeDir(): Promise<string> {
  const dir = await freshRuntimeDir()
  runtimeDirs.push(dir)
  return dir
}

async function smoke(stack: Stack, opts: { inputs?: Record<string, string>; work?: Workspace } = {}): Promise<Ran> {
  const work = opts.work ?? (await fixture.workspace())
  const env: Record<string, string> = stack === 'bookworm' ? { XDG_RUNTIME_DIR: await hostRuntimeDir() } : {}
  const inputs = {
    ...fixture.inputs(work, stack),
    'install-missing': 'false',
    'smoke-timeout': '120',
    ...opts.inputs,
  }
  const r = await runAction({ entry: 'main', work, tree: treeOf(stack), inputs, env })
  const file = r.outputs['smoke-report']
  if (!file) throw new Error(`no smoke-report (exit ${r.exitCode}): ${r.errors.join('; ')}\n${r.stderr.slice(-2000)}`)
  const report = JSON.parse(await readFile(file, 'utf8')) as SmokeReport
  const runtime = report.checks.filter((c) => c.mode.startsWith('none ('))
  console.log(
    `${stack}: smoke ${report.result}, wall ${report.wallMs} ms, sum ${report.checksMs} ms\n` +
      runtime
        .map(
          (c) =>
            `  ${c.status.padEnd(7)} ${c.severity.padEnd(8)} ${c.id} ${c.durationMs} ms ` +
            `${c.status === 'passed' ? c.details.summary : c.reason}`,
        )
        .join('\n'),
  )
  const check = (id: string) => report.checks.find((c) => c.id === id) as CheckReport
  return { r, report, check }
}

describe('runtime checks pass where the stack supports them; optional features warn with the reason', () => {
  it.each([
    ['bookworm', '4.3.1'],
    ['trixie', '5.4.2'],
    ['forky', '5.8.6'],
  ] as [Stack, string][])('%s (podman %s)', async (stack) => {
    const { r, report, check } = await smoke(stack)
    expect(r.exitCode).toBe(0)
    expect(r.errors).toEqual([])
    expect(r.warnings).toEqual([]) // advisory failures are ⚠️ rows and log lines, never annotations
    expect(report.result).toBe('passed')
    for (const id of [...BLOCKING, 'init', 'docker-api'])
      expect([id, check(id).status, check(id).reason]).toEqual([id, 'passed', undefined])
    expect(check('storage-integrity').details).toMatchObject({ driver: expect.any(String), why: expect.any(String) })
    // No user systemd on this machine (PID 1 is not systemd): the healthcheck is NOT passed, and says why.
    expect(check('healthcheck')).toMatchObject({ status: 'failed', severity: 'advisory' })
    expect(check('healthcheck').reason).toMatch(
      /no user systemd: no D-Bus at \S+\/bus, so podman could create no healthcheck timer/,
    )
    // Hybrid cgroups here: rootless podman ignores limits, and the check says so instead of passing.
    expect(check('cgroup-limits')).toMatchObject({ status: 'failed', severity: 'advisory' })
    expect(check('cgroup-limits').reason).toMatch(/^cgroup v1: rootless podman ignores --memory/)
    expect(r.summary).toMatch(/⚠️ <strong>healthcheck<\/strong>/) // a warning in the summary, with its fix
    expect(r.stdout).toMatch(/⚠️ healthcheck \[none \(runtime\)\] \(advisory\) /)
  })
})

describe('failure classes reproduced for real', () => {
  it('a crun whose exec never returns: exec-repeat fails within its deadline, leaving no process behind', async () => {
    const work = await fixture.workspace()
    const { uid, gid } = await runnerIds()
    const wrapper = path.join(work.dir, 'hang-crun')
    const marker = 'sleep 3517' // a duration nothing else uses: what pgrep looks for afterwards
    // exec never returns (the futex hang of #14604); everything else is the stack's own crun
    await writeFile(
      wrapper,
      `#!/bin/sh\nfor a in "$@"; do [ "$a" = exec ] && exec ${marker}; done\nexec /usr/bin/crun "$@"\n`,
    )
    await chmod(wrapper, 0o755)
    // sorts after the action's 99-setup-static-podman.conf: read last, so this runtime wins
    const dir = path.join(work.home, '.config/containers/containers.conf.d')
    await mkdir(dir, { recursive: true })
    await writeFile(path.join(dir, 'zz-hang.conf'), `[engine.runtimes]\ncrun = ["${wrapper}"]\n`)
    await runProc('chown', ['-R', `${uid}:${gid}`, path.join(work.home, '.config')], { timeoutMs: 30_000 })
    const t = Date.now()
    const { r, check } = await smoke('bookworm', { work, inputs: { 'smoke-tests': 'exec-repeat' } })
    expect(r.exitCode).toBe(1)
    const exec = check('exec-repeat')
    expect(exec.status).toBe('failed')
    expect(exec.reason).toMatch(
      /^1 of 1 podman exec hung past the 25 s deadline; (killed \d+ leftover process\(es\)|no process left behind)$/,
    )
    expect(exec.durationMs).toBeLessThan(60_000)
    expect(Date.now() - t).toBeLessThan(300_000)
    // The step has ended: nothing it started is still running on the host.
    const left = await runProc('pgrep', ['-a', '-f', marker], { timeoutMs: 30_000 })
    expect(left.stdout).toBe('')
    expect(r.errors).toEqual([expect.stringMatching(/^Smoke tests failed: exec-repeat \(1 of 1 podman exec hung/)])
  })

  it('a storage.conf that forces fuse-overlayfs is detected and named, and integrity still verified', async () => {
    const work = await fixture.workspace()
    const { uid, gid } = await runnerIds()
    const conf = path.join(work.home, '.config/containers/storage.conf')
    await mkdir(path.dirname(conf), { recursive: true })
    await writeFile(
      conf,
      '[storage]\ndriver = "overlay"\n[storage.options.overlay]\nmount_program = "/usr/bin/fuse-overlayfs"\n',
    )
    await runProc('chown', ['-R', `${uid}:${gid}`, path.join(work.home, '.config')], { timeoutMs: 30_000 })
    const { r, check } = await smoke('trixie', { work, inputs: { 'smoke-tests': 'storage-integrity,build' } })
    expect(r.exitCode).toBe(0)
    const s = check('storage-integrity')
    expect(s.status).toBe('passed')
    expect(s.details).toMatchObject({
      driver: 'overlay',
      mountProgram: '/usr/bin/fuse-overlayfs',
      why: `${conf} sets driver "overlay" and mount_program "/usr/bin/fuse-overlayfs"`,
    })
    expect(s.details.summary).toMatch(
      /^overlay with \/usr\/bin\/fuse-overlayfs .*fuse-overlayfs is slower.*files equal by sha256/,
    )
    expect(check('build').status).toBe('passed')
  })
})

// A later step of the job, as a program would do it: DOCKER_HOST, then the Docker API over it.
const LATER_STEP = `
const http = require('http')
const sock = process.env.DOCKER_HOST.replace(/^unix:\\/\\//, '')
const get = (p) => new Promise((ok, no) => http.get({ socketPath: sock, path: p }, (r) => {
  let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => ok(r.statusCode + ' ' + b))
}).on('error', no))
Promise.all([get('/_ping'), get('/v1.41/version')]).then(
  (a) => console.log(JSON.stringify(a)),
  (e) => { console.error(e.message); process.exit(1) },
)
`

describe('docker-socket: true end to end (Debian 12 host: a tree ends every process with its step)', () => {
  it('the step ends, the API serves later steps through DOCKER_HOST, post stops it', async () => {
    const work = await fixture.workspace()
    const { r, check } = await smoke('bookworm', {
      work,
      inputs: { 'docker-socket': 'true', 'smoke-tests': 'docker-api' },
    })
    expect(r.exitCode).toBe(0)
    expect(r.warnings).toEqual([])
    const host = r.outputs['docker-host']
    expect(host).toMatch(/^unix:\/\/\/run\/ssp-xdg-\w+\/setup-static-podman\/docker\.sock$/)
    expect(r.env.DOCKER_HOST).toBe(host)
    const socket = host.replace('unix://', '')
    expect(check('docker-api')).toMatchObject({
      status: 'passed',
      severity: 'blocking',
      severityReason: 'docker-socket: true',
    })
    expect(check('docker-api').details.summary).toContain(`the job's socket ${socket}`)
    // the main step has exited; the service still runs, in its own session
    const later = await runAsRunner(work, nodePath(), ['-e', LATER_STEP], { timeoutMs: 60_000 })
    expect(later.exitCode).toBe(0)
    const [ping, version] = JSON.parse(later.stdout) as string[]
    expect(ping).toBe('200 OK')
    expect(version).toMatch(/^200 \{.*"Version":"4\.3\.1"/)
    const post = await runAction({ entry: 'post', work, inputs: {} })
    expect(post.exitCode).toBe(0)
    expect(post.stdout).toMatch(new RegExp(`Stopped the podman API service on ${socket} \\(pid \\d+\\)`))
    const left = await runProc('pgrep', ['-a', '-f', socket], { timeoutMs: 30_000 })
    expect(left.stdout).toBe('')
    const after = await runAsRunner(work, nodePath(), ['-e', LATER_STEP], { timeoutMs: 60_000 })
    expect(after.exitCode).toBe(1) // nothing answers any more
  })
})
