// docker-socket: true with the service, the socket and /proc scripted as data: it starts
// detached and kept, is ready only when _ping answers, fails naming the log, and post stops
// only the process that is still that service.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from '@jest/globals'
import type { Proc, StartOptions } from '../../src/ports/service.js'
import { socketPath, startDockerSocket, stopDockerSocket } from '../../src/step/docker-socket.js'

function ports(opts: { pingsUntilOk?: number; dies?: boolean } = {}) {
  const started: { cmd: string; args: string[]; opts?: StartOptions }[] = []
  const stopped: number[] = []
  let pings = 0
  return {
    started,
    stopped,
    p: {
      startService: async (cmd: string, args: string[], o?: StartOptions) => {
        started.push({ cmd, args, opts: o })
        return { pid: 4242, stop: () => void stopped.push(4242), running: () => !opts.dies }
      },
      unixHttp: async () => {
        if (opts.dies || ++pings < (opts.pingsUntilOk ?? 2)) throw new Error('connect ENOENT')
        return { status: 200, body: 'OK' }
      },
      procs: { list: async (): Promise<Proc[]> => [], kill: () => undefined },
    },
  }
}

describe('docker-socket', () => {
  const dir = () => mkdtempSync(path.join(tmpdir(), 'ssp-dsock-'))

  it('socket in the user runtime dir', () => {
    expect(socketPath({ XDG_RUNTIME_DIR: '/run/user/1001' }, 1001)).toBe(
      '/run/user/1001/setup-static-podman/docker.sock',
    )
    expect(socketPath({}, 1002)).toBe('/run/user/1002/setup-static-podman/docker.sock')
  })

  it('starts podman system service detached and kept, ready once _ping answers OK', async () => {
    const d = dir()
    const x = ports({ pingsUntilOk: 3 })
    const sock = path.join(d, 'rt/docker.sock')
    const svc = await startDockerSocket(x.p, '/opt/podman', { A: '1' }, sock, path.join(d, 'svc.log'))
    expect(svc).toEqual({ pid: 4242, socket: sock, host: `unix://${sock}`, log: path.join(d, 'svc.log') })
    expect(x.started).toEqual([
      {
        cmd: '/opt/podman',
        args: ['system', 'service', '--time', '0', `unix://${sock}`],
        opts: { env: { A: '1' }, logFile: path.join(d, 'svc.log'), keep: true },
      },
    ])
    expect(x.stopped).toEqual([])
  })

  it('a service that exits fails naming its log, and nothing is left running', async () => {
    const d = dir()
    const x = ports({ dies: true })
    await expect(
      startDockerSocket(x.p, '/opt/podman', {}, path.join(d, 's.sock'), path.join(d, 'svc.log')),
    ).rejects.toThrow(`podman system service on ${path.join(d, 's.sock')}: it exited; see ${path.join(d, 'svc.log')}`)
    expect(x.stopped).toEqual([4242])
  })

  it('post stops the service only while that pid is still it', async () => {
    const killed: number[] = []
    const procs = (cmdline: string) => ({
      list: async () => [{ pid: 4242, ppid: 1, cmdline }],
      kill: (pid: number) => void killed.push(pid),
    })
    const s = { pid: 4242, socket: '/run/user/1001/setup-static-podman/docker.sock' }
    expect(await stopDockerSocket(procs(`podman system service --time 0 unix://${s.socket}`), s)).toBe(
      `Stopped the podman API service on ${s.socket} (pid 4242)`,
    )
    expect(killed).toEqual([-4242, 4242])
    killed.length = 0
    expect(await stopDockerSocket(procs('vim notes.txt'), s)).toBe('podman API service (pid 4242) had already stopped')
    expect(killed).toEqual([])
  })
})
