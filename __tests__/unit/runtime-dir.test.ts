// The test support's cleanup of a step's runtime dir: real processes whose environment names
// the dir (or a runtime dir below it) are killed, others are left alone, and the dir goes.
import { afterEach, describe, expect, test } from '@jest/globals'
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { once } from 'node:events'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { dropRuntimeDirs, stopProcessesIn } from '../../test-support/runtime-dir.js'

const children: ChildProcess[] = []
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL')
})

/** A process standing in for podman's pause process: it lives until killed. Resolves once it runs. */
async function livingWith(xdg: string): Promise<{ child: ChildProcess; ended: Promise<NodeJS.Signals | null> }> {
  const child = spawn('sleep', ['300'], { env: { PATH: process.env.PATH, XDG_RUNTIME_DIR: xdg }, stdio: 'ignore' })
  children.push(child)
  const ended = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)))
  await once(child, 'spawn')
  return { child, ended }
}

const running = (c: ChildProcess): boolean => c.exitCode === null && c.signalCode === null

describe('runtime dirs', () => {
  test('dropRuntimeDirs kills what lives with the dir or below it, keeps the rest, removes the dir', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'ssp-rd-'))
    const dir = path.join(root, 'ssp-xdg-a')
    await mkdir(path.join(dir, 'inner'), { recursive: true })
    const pause = await livingWith(dir)
    const nested = await livingWith(path.join(dir, 'inner'))
    const sibling = await livingWith(`${dir}b`) // a name that only starts like it
    await dropRuntimeDirs([dir])
    expect(await pause.ended).toBe('SIGKILL')
    expect(await nested.ended).toBe('SIGKILL')
    expect(running(sibling.child)).toBe(true)
    expect(existsSync(dir)).toBe(false)
    await rm(root, { recursive: true, force: true })
  })

  test('stopProcessesIn names the pids it stopped, none when nothing lives there', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ssp-rd-'))
    expect(await stopProcessesIn([dir])).toEqual([])
    const p = await livingWith(dir)
    expect(await stopProcessesIn([dir])).toEqual([p.child.pid])
    expect(await p.ended).toBe('SIGKILL')
    await rm(dir, { recursive: true, force: true })
  })
})
