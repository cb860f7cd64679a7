// The post step with its ports scripted as data and the real @actions/core: the archive is
// saved only after a successful main, changes are reverted newest first and only with
// cleanup, sudo is always -n, and a main that stopped early leaves nothing to do.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { post } from '../../src/step/post.js'
import { smokeLeftovers } from '../../src/step/smoke.js'
import type { SavedState } from '../../src/step/state.js'
import type { Cache } from '../../src/install/archive-cache.js'
import type { Procs } from '../../src/ports/service.js'
import type { Run } from '../../src/ports/types.js'
import { actionsEnv, type ActionsEnv, captureStdout, type StdoutCapture } from '../helpers/actions-env.js'

let env: ActionsEnv
let log: StdoutCapture
let ran: string[]
let saved: string[]
beforeEach(() => {
  env = actionsEnv()
  log = captureStdout()
  ran = []
  saved = []
  killed = []
})
afterEach(() => {
  log.restore()
  env.restore()
})

const run: Run = async (cmd, args) => {
  ran.push([cmd, ...args].join(' '))
  return { exitCode: cmd === 'sudo' && args.includes('fail') ? 1 : 0, stdout: '', stderr: 'refused' }
}
const cache: Cache = {
  isFeatureAvailable: () => true,
  restoreCache: async () => undefined,
  saveCache: async (_paths, key) => {
    saved.push(key)
    return 1
  },
}

let killed: number[] = []
const SOCK = '/run/user/1001/setup-static-podman/docker.sock'
const procs: Procs = {
  list: async () => [{ pid: 777, ppid: 1, cmdline: `podman system service --time 0 unix://${SOCK}` }],
  kill: (pid) => void killed.push(pid),
}

function withState(s: Partial<SavedState>): void {
  const state: SavedState = {
    id: 'a1b2c3',
    started: true,
    succeeded: true,
    changes: [],
    cacheSaves: [],
    cleanup: true,
    ...s,
  }
  process.env['STATE_setup-static-podman'] = JSON.stringify(state)
}

const tun = {
  kind: 'tun',
  description: 'chmod 0666 /dev/net/tun (was 0600)',
  revert: ['chmod', '0600', '/dev/net/tun'],
  sudo: true,
}
const dropin = {
  kind: 'dropin',
  description: 'removed the drop-in',
  revert: ['rm', '-f', '/home/u/.config/x.conf'],
  sudo: false,
}

describe('post', () => {
  it('does nothing when main stopped before saving any state', async () => {
    await post({ run, cache, procs })
    expect([ran, saved]).toEqual([[], []])
    expect(log.text()).toContain('Nothing to clean up')
  })

  it('saves the verified archives after a successful main, then reverts newest first with sudo -n', async () => {
    withState({ cacheSaves: [{ key: 'k1', paths: ['/a'] }], changes: [tun, dropin] })
    await post({ run, cache, procs })
    expect(saved).toEqual(['k1'])
    expect(ran).toEqual(['rm -f /home/u/.config/x.conf', 'sudo -n chmod 0600 /dev/net/tun'])
    expect(log.text()).toContain('Reverted: chmod 0666 /dev/net/tun (was 0600)')
  })

  it('saves nothing after a failed main, but still reverts', async () => {
    withState({ succeeded: false, cacheSaves: [{ key: 'k1', paths: ['/a'] }], changes: [tun] })
    await post({ run, cache, procs })
    expect(saved).toEqual([])
    expect(ran).toEqual(['sudo -n chmod 0600 /dev/net/tun'])
  })

  it('keeps the changes without cleanup, and says which', async () => {
    withState({ cleanup: false, changes: [tun] })
    await post({ run, cache, procs })
    expect(ran).toEqual([])
    expect(log.text()).toContain('Keeping 1 system change(s) (cleanup: false): chmod 0666 /dev/net/tun (was 0600)')
  })

  it('a revert that fails is a warning naming the command, and the others still run', async () => {
    const bad = { ...tun, description: 'bad', revert: ['fail'] }
    withState({ changes: [tun, bad] })
    await post({ run, cache, procs })
    expect(ran).toEqual(['sudo -n fail', 'sudo -n chmod 0600 /dev/net/tun'])
    expect(log.text()).toMatch(/::warning::Could not revert 'bad' \(sudo -n fail\): refused/)
  })

  it('a change whose command never completed: its revert is tried, and a failed one is no warning', async () => {
    const pending = { ...tun, description: 'never made', revert: ['fail'], pending: true as const }
    withState({ succeeded: false, changes: [tun, pending] })
    await post({ run, cache, procs })
    expect(ran).toEqual(['sudo -n fail', 'sudo -n chmod 0600 /dev/net/tun'])
    expect(log.text()).toContain("Nothing to revert for 'never made' (never completed): refused")
    expect(log.text()).not.toContain('::warning::')
  })

  describe('a cancelled smoke suite', () => {
    const events: string[] = []
    const left: Procs = {
      list: async () => [
        { pid: 900, ppid: 1, cmdline: '/usr/bin/conmon --api-version 1 -c abc -n ssp-a1b2c3-exec-repeat-target' },
        { pid: 901, ppid: 900, cmdline: 'sleep 3175' },
        { pid: 950, ppid: 1, cmdline: '/usr/bin/conmon --api-version 1 -c def -n ssp-ffffff-exec-repeat-target' },
        { pid: 951, ppid: 950, cmdline: 'sleep 3175' },
      ],
      kill: (pid) => void events.push(`kill ${pid}`),
    }
    const logged: Run = async (cmd, args) => {
      events.push([cmd, ...args].join(' '))
      return { exitCode: 0, stdout: '', stderr: '' }
    }
    // what main records before the suite starts, and forgets once the suite has ended
    const recorded = smokeLeftovers('podman', 'a1b2c3')
    beforeEach(() => void events.splice(0))

    it('once its containers are removed, what still names one is killed with what runs under it', async () => {
      withState({ succeeded: false, id: 'a1b2c3', changes: recorded })
      await post({ run: logged, cache, procs: left })
      // another run's (pid 950) is not this step's
      expect(events).toEqual([
        expect.stringMatching(/^podman rm -f -t 0 /),
        expect.stringMatching(/^podman network prune /),
        expect.stringMatching(/^podman image prune /),
        'kill 900',
        'kill 901',
      ])
      expect(log.text()).toContain('Stopped 2 process(es) the cancelled smoke suite left: 900, 901')
    })

    it('a suite that ended (its leftovers forgotten) leaves nothing to stop', async () => {
      withState({ succeeded: false, id: 'a1b2c3', changes: [] })
      await post({ run: logged, cache, procs: left })
      expect(events).toEqual([])
    })

    it('without cleanup, neither its containers nor its processes are touched', async () => {
      withState({ cleanup: false, id: 'a1b2c3', changes: recorded })
      await post({ run: logged, cache, procs: left })
      expect(events).toEqual([])
    })
  })

  it('docker-socket: stops the API service main started (its process group), even when main failed', async () => {
    withState({ succeeded: false, dockerService: { pid: 777, socket: SOCK } })
    await post({ run, cache, procs })
    expect(killed).toEqual([-777, 777])
    expect(log.text()).toContain(`Stopped the podman API service on ${SOCK} (pid 777)`)
  })
})
