// The advisory runtime checks, podman scripted as data: cgroup-limits, healthcheck,
// podman-coexist, docker-api. Each: pass, fail (a warning unless named), skip where it has one.
import { describe, expect, it } from '@jest/globals'
import type { StartService, UnixHttp } from '../../src/ports/service.js'
import { INFO, json, runCheck } from '../helpers/runtime-suite.js'

describe('cgroup-limits', () => {
  const files = { 'memory.max': '67108864', 'pids.max': '64', 'cpu.max': '50000 100000' }

  it('passes when the limits are in the container cgroup', async () => {
    const { check, calls } = await runCheck('cgroup-limits', {
      '"mode":"limits"': json({ controllers: 'cpu memory pids', files }),
    })
    expect(check.status).toBe('passed')
    expect(calls.find((c) => c.includes('limits'))).toContain(' --memory 64m --pids-limit 64 --cpus 0.5 ')
  })

  it('cgroup v1: podman says it ignores the limits; advisory by default: a warning with the fix', async () => {
    const stderr = 'Resource limits are not supported and ignored on cgroups V1 rootless systems'
    const error = { 'memory.max': 'error: ENOENT', 'pids.max': 'error: ENOENT', 'cpu.max': 'error: ENOENT' }
    const { check } = await runCheck(
      'cgroup-limits',
      { '"mode":"limits"': { ...json({ controllers: 'error: ENOENT', files: error }), stderr } },
      { over: { select: 'all' } },
    )
    expect(check).toMatchObject({ status: 'failed', severity: 'advisory' })
    expect(check.reason).toMatch(/^cgroup v1: rootless podman ignores --memory, --pids-limit and --cpus/)
    expect(check.fix).toMatch(/cgroup v2/)
  })

  it('cgroup v1 and rootless in podman info: the same warning, known without starting a container', async () => {
    const { check, calls } = await runCheck('cgroup-limits', {}, { info: { ...INFO, cgroupVersion: 'v1' } })
    expect(check).toMatchObject({ status: 'failed', severity: 'blocking' })
    expect(check.reason).toMatch(/^cgroup v1: rootless podman ignores --memory, --pids-limit and --cpus/)
    expect(check.fix).toMatch(/cgroup v2/)
    expect(calls.some((c) => c.includes('"mode":"limits"'))).toBe(false)
  })

  it('names the controllers not delegated', async () => {
    const { check } = await runCheck('cgroup-limits', {
      '"mode":"limits"': json({
        controllers: 'memory',
        files: { ...files, 'pids.max': 'max', 'cpu.max': 'max 100000' },
      }),
    })
    expect(check.reason).toBe(
      'limits not in force: pids.max max (want 64), cpu.max max 100000 (want 50000 100000); ' +
        'controllers not delegated: pids, cpu',
    )
    expect(check.severity).toBe('blocking') // named in smoke-tests
  })
})

describe('healthcheck', () => {
  const start = { '-healthcheck-target --label': { stdout: 'abc\n' } }
  const state = (s: string) => ({ ' inspect --format json ': json([{ State: { Health: { Status: s } } }]) })

  const bus = { exists: async (p: string) => p === '/run/user/1001/bus' }

  it('passes when the container turns healthy on its own', async () => {
    const { check, calls } = await runCheck('healthcheck', { ...start, ...state('healthy') }, { inject: bus })
    expect(check.status).toBe('passed')
    expect(calls.find((c) => c.includes('-healthcheck-target'))).toContain(' --health-cmd true --health-interval 1s ')
    expect(calls.some((c) => c.includes('healthcheck run'))).toBe(false) // never run by hand
  })

  it('without a user systemd: NOT passed, the reason says why, decided without waiting out the timer', async () => {
    const exists = async () => false
    const t = Date.now()
    const { check, calls } = await runCheck(
      'healthcheck',
      { ...start, ...state('starting') },
      { timeoutSec: 20, inject: { exists } },
    )
    expect(check.status).toBe('failed')
    expect(check.reason).toBe(
      'no user systemd: no D-Bus at /run/user/1001/bus, so podman could create no healthcheck timer',
    )
    expect(check.fix).toMatch(/podman healthcheck run NAME/)
    // no timer can exist without the bus: no container, no 6 s of polling
    expect(calls.filter((c) => c.includes('healthcheck-target') || c.includes(' inspect '))).toEqual([])
    expect(Date.now() - t).toBeLessThan(3000)
  })

  it('a session bus named in DBUS_SESSION_BUS_ADDRESS counts: the container runs and is watched', async () => {
    const exists = async () => false
    const env = { XDG_RUNTIME_DIR: '/run/user/1001', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/tmp/bus' }
    const { check } = await runCheck(
      'healthcheck',
      { ...start, ...state('healthy') },
      { inject: { exists }, over: { env } },
    )
    expect(check.status).toBe('passed')
  })

  it('a user systemd but no timer: a podman without the systemd build tag (podman 4.3 inspect field)', async () => {
    const old = { ' inspect --format json ': json([{ State: { Healthcheck: { Status: 'starting' } } }]) }
    const { check } = await runCheck('healthcheck', { ...start, ...old }, { timeoutSec: 4, inject: bus })
    expect(check.reason).toMatch(
      /a user systemd is there but no timer ran: this podman is likely built without the systemd build tag/,
    )
  })
})

describe('podman-coexist', () => {
  const OTHER = '/usr/bin/podman'

  it('skipped with the reason when there is no other podman', async () => {
    const { check } = await runCheck('podman-coexist', {})
    expect(check).toMatchObject({
      status: 'skipped',
      reason: 'no other podman on this machine (PATH as the job started)',
    })
  })

  it('both podmans run, rm and list in turns; each container removed once', async () => {
    const { check, calls } = await runCheck(
      'podman-coexist',
      {
        [`^${OTHER} --version`]: { stdout: 'podman version 4.9.3\n' },
        ' --version': { stdout: 'podman version 5.8.6\n' },
        ' run --name ': {},
        ' rm ssp-': {},
        ' ps -a ': {},
      },
      { over: { otherPodmans: [OTHER] } },
    )
    expect(check.status).toBe('passed')
    expect(check.details.summary).toBe(
      '/opt/podman/bin/podman 5.8.6 and /usr/bin/podman 4.9.3: run (create and start), ' +
        'rm and ps in turns on the same storage and locks',
    )
    const order = calls
      .filter((c) => / (run|create|start|rm|ps) /.test(c) && !c.includes(' rm -f'))
      .map((c) => c.split(' ').slice(0, 2).join(' '))
    expect(order).toEqual([
      '/opt/podman/bin/podman run',
      `${OTHER} run`,
      '/opt/podman/bin/podman rm',
      `${OTHER} rm`,
      '/opt/podman/bin/podman ps',
      `${OTHER} ps`,
    ])
    // each container was removed by its own rm turn: no second rm by either podman
    expect(calls.filter((c) => c.includes(' rm -f'))).toEqual([])
  })

  it('fails with the lock clash in the words of the podman that hit it', async () => {
    const { check, calls } = await runCheck(
      'podman-coexist',
      {
        ' --version': { stdout: 'podman version 5.8.6\n' },
        ' run --name ': {},
        [`^${OTHER} run`]: {
          exitCode: 125,
          stderr: 'Error: failed to open 2048 locks in /libpod_rootless_lock_1001: numerical result out of range',
        },
      },
      { over: { otherPodmans: [OTHER] } },
    )
    expect(check.reason).toBe(
      '/usr/bin/podman run failed (exit 125): Error: failed to open 2048 locks in /libpod_rootless_lock_1001: ' +
        'numerical result out of range',
    )
    expect(calls.some((c) => c.startsWith(`${OTHER} rm -f -t 0 ssp-`))).toBe(true) // cleaned with its own binary
  })
})

describe('docker-api', () => {
  function api(wait = 7, alive = true) {
    const calls: string[] = []
    const stopped: number[] = []
    const startService: StartService = async (cmd, args) => {
      calls.push([cmd, ...args].join(' '))
      return { pid: 42, stop: () => void stopped.push(42), running: () => alive }
    }
    let pings = 0
    const unixHttp: UnixHttp = async (_socket, method, path, body) => {
      calls.push(`${method} ${path}${body ? ` ${JSON.stringify(body)}` : ''}`)
      if (path === '/_ping')
        return ++pings < 3 || !alive ? Promise.reject(new Error('ECONNREFUSED')) : { status: 200, body: 'OK' }
      if (path.includes('/create')) return { status: 201, body: '{"Id":"abc"}' }
      if (path.endsWith('/start')) return { status: 204, body: '' }
      if (path.endsWith('/wait')) return { status: 200, body: JSON.stringify({ StatusCode: wait }) }
      return { status: 204, body: '' }
    }
    return { calls, stopped, inject: { startService, unixHttp } }
  }

  it('passes: own service, _ping, create, start, wait, delete; the service is stopped', async () => {
    const a = api()
    const { check } = await runCheck('docker-api', {}, { inject: a.inject })
    expect(check.status).toBe('passed')
    expect(a.calls[0]).toMatch(/^\/opt\/podman\/bin\/podman system service --time 0 unix:\/\/\/\S+\/api.sock$/)
    expect(
      a.calls
        .filter((c) => !c.startsWith('GET'))
        .map((c) =>
          c
            .split(' ')
            .slice(0, 2)
            .join(' ')
            .replace(/ssp-\w+/, 'N'),
        ),
    ).toEqual([
      expect.stringContaining('system'),
      'POST /v1.41/containers/create?name=N-docker-api-api',
      'POST /v1.41/containers/N-docker-api-api/start',
      'POST /v1.41/containers/N-docker-api-api/wait',
      'DELETE /v1.41/containers/N-docker-api-api?force=true',
    ])
    expect(a.calls.find((c) => c.includes('/create'))).toContain(
      '"Binds":["/usr:/usr:ro","/opt/node/bin:/opt/node/bin:ro"]',
    )
    expect(a.stopped).toEqual([42])
  })

  it('fails when the container did not run its command', async () => {
    const a = api(1)
    const { check } = await runCheck('docker-api', {}, { inject: a.inject })
    expect(check.reason).toBe('the container exited 1, expected 7 (its command did not run)')
  })

  it('a service that dies is named; docker-socket: true uses the job socket and blocks', async () => {
    const dead = api(7, false)
    expect((await runCheck('docker-api', {}, { inject: dead.inject })).check.reason).toBe(
      'podman system service exited before it answered',
    )
    const a = api()
    const { check } = await runCheck(
      'docker-api',
      {},
      { inject: a.inject, over: { select: 'all', dockerSocket: '/run/user/1001/ssp/docker.sock' } },
    )
    expect(check).toMatchObject({ status: 'passed', severity: 'blocking', severityReason: 'docker-socket: true' })
    expect(a.calls.some((c) => c.includes('system service'))).toBe(false)
  })
})
