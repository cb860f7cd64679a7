// A cancelled step: the exec port stops every child's whole process group (real processes),
// and a signal saves the state and ends the step as failed with the signal's exit code.
import { EventEmitter } from 'node:events'
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { unpackAudited } from '../../src/install/unpack.js'
import { run, stopChildren } from '../../src/ports/exec.js'
import { type CancelPorts, stopOnCancel } from '../../src/step/cancel.js'
import { smokeLeftovers } from '../../src/step/smoke.js'
import { forget, type SavedState } from '../../src/step/state.js'
import {
  actionsEnv,
  type ActionsEnv,
  captureStdout,
  parseFileCommands,
  type StdoutCapture,
} from '../helpers/actions-env.js'

/** pids whose command line contains `marker` */
function running(marker: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ').includes(marker)
      } catch {
        return false
      }
    })
    .map(Number)
}

async function until(ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
}

const settled = (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(() => true), new Promise((r) => setTimeout(() => r(false), ms))])

// One test: stopping is once per process (the step ends after it).
describe('stopChildren', () => {
  it("stops each child with its whole group, the unpack's too; what it broke never reaches the caller", async () => {
    // durations nothing else uses: what the /proc scan looks for
    const pending = run('sh', ['-c', 'sleep 3171 & exec sleep 3172'])
    // an unpack in flight: a "decoder" that never ends (the unpack spawns it itself); tar
    // starts only once the decoded file is judged, so it never does here
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ssp-cancel-'))
    const decoder = path.join(dir, 'zstd')
    writeFileSync(decoder, '#!/bin/sh\nexec sleep 3173\n')
    chmodSync(decoder, 0o755)
    const savedPath = process.env.PATH
    let unpacking: Promise<unknown>
    try {
      process.env.PATH = `${dir}:${savedPath}` // the unpack finds its decoder on PATH
      unpacking = unpackAudited(path.join(dir, 'a.tar.zst'), dir, 'top').catch(() => undefined)
      await until(() => running('sleep 317').length === 3)
    } finally {
      process.env.PATH = savedPath
    }
    const tarIn = () => running(`-C ${dir} -f`)
    expect(running('sleep 317')).toHaveLength(3)
    expect(tarIn()).toEqual([])
    expect(await stopChildren(1000)).toBe(2)
    await until(() => running('sleep 317').length === 0)
    expect(running('sleep 317')).toEqual([])
    expect(tarIn()).toEqual([])
    expect(await settled(unpacking, 2000)).toBe(true)
    rmSync(dir, { recursive: true, force: true })
    // the killed child's exit would look like a failure: the caller never sees it
    expect(await settled(pending, 300)).toBe(false)
    // and nothing new starts while the step saves its state and exits
    const later = run('sh', ['-c', 'exec sleep 3174'])
    expect(await settled(later, 300)).toBe(false)
    expect(running('sleep 3174')).toEqual([])
  })
})

describe('stopOnCancel', () => {
  let env: ActionsEnv
  let out: StdoutCapture
  beforeEach(() => {
    env = actionsEnv()
    out = captureStdout()
  })
  afterEach(() => {
    out.restore()
    env.restore()
    process.exitCode = undefined
  })

  const tun = { kind: 'tun-mode', description: 'chmod 0666 /dev/net/tun', revert: ['chmod', '0600', '/dev/net/tun'] }
  const state = (): SavedState => ({
    id: 'a1b2c3',
    started: true,
    succeeded: false,
    changes: [{ ...tun, sudo: true, pending: true }],
    cacheSaves: [],
    cleanup: true,
  })

  function ports() {
    const proc = new EventEmitter()
    const exits: number[] = []
    const stops: number[] = []
    const p: CancelPorts = {
      proc: Object.assign(proc, {
        exit: (code?: number) => void exits.push(code ?? 0),
      }) as unknown as CancelPorts['proc'],
      stop: async () => {
        stops.push(Date.now())
        return 2
      },
    }
    return { proc, exits, stops, p }
  }

  it('SIGTERM: stops the children, saves the state, fails the step and exits 143', async () => {
    const s = state()
    const { proc, exits, stops, p } = ports()
    stopOnCancel(s, p)
    s.changes.push({ kind: 'dropin', description: 'removed x', revert: ['rm', '-f', 'x'], sudo: false })
    proc.emit('SIGTERM')
    proc.emit('SIGINT') // the runner's next signal while stopping: ignored
    await until(() => exits.length > 0)
    expect(stops).toHaveLength(1)
    expect(exits).toEqual([143])
    const saved = JSON.parse(parseFileCommands(env.read('state'))['setup-static-podman']) as SavedState
    expect(saved.changes.map((c) => c.kind)).toEqual(['tun-mode', 'dropin'])
    expect(out.text()).toContain('::error::Cancelled (SIGTERM): stopped 2 running command(s)')
  })

  it("the smoke suite's leftovers: recorded before it runs, by label, forgotten once it removed its own", () => {
    const s = state()
    const left = smokeLeftovers('/tc/podman', 'a1b2c3')
    expect(left.map((c) => c.revert.join(' '))).toEqual([
      '/tc/podman image prune -a -f --filter label=io.github.setup-static-podman.smoke=a1b2c3',
      '/tc/podman network prune -f --filter label=io.github.setup-static-podman.smoke=a1b2c3',
      '/tc/podman rm -f -t 0 --filter label=io.github.setup-static-podman.smoke=a1b2c3',
    ])
    expect(left.every((c) => c.pending && !c.sudo)).toBe(true)
    s.changes.push(...left)
    forget(s, left)
    expect(s.changes.map((c) => c.kind)).toEqual(['tun-mode'])
    const saved = JSON.parse(parseFileCommands(env.read('state'))['setup-static-podman']) as SavedState
    expect(saved.changes.map((c) => c.kind)).toEqual(['tun-mode'])
  })

  it('after release a signal is not handled here', () => {
    const { proc, p } = ports()
    const release = stopOnCancel(state(), p)
    expect(proc.listenerCount('SIGINT')).toBe(1)
    release()
    expect([proc.listenerCount('SIGINT'), proc.listenerCount('SIGTERM')]).toEqual([0, 0])
  })
})
