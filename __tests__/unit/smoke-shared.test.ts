// A container several checks share (publish's probe server, whose facts default-network reads)
// belongs to the check that asked first. The suite sweeps what finished checks left while the
// last ones run: the shared server must outlive every check that uses it. Here the "container"
// is a real HTTP server on the published loopback port, and `podman rm` cuts its connections
// as podman killing the container does.
import { writeFileSync } from 'node:fs'
import http from 'node:http'
import type { Socket } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from '@jest/globals'
import { runSmokeSuite, type SmokeOptions } from '../../src/smoke/index.js'
import { parseBlobPath, payload } from '../../src/smoke/payload.js'
import { BASE, options, scripted, SLIRP, status } from '../helpers/scripted-podman.js'

/** The probe server behind `-p 127.0.0.1:P:8080`: half the payload, a pause, the rest. */
function container(line: string) {
  const port = Number(/ -p 127\.0\.0\.1:(\d+):8080 /.exec(line)?.[1])
  const sockets = new Set<Socket>()
  const server = http.createServer((q, r) => {
    const blob = parseBlobPath(q.url ?? '') ?? { seed: '', size: 0 }
    const body = payload(blob.seed, blob.size)
    r.setHeader('content-length', body.length)
    r.write(body.subarray(0, body.length / 2))
    setTimeout(() => r.end(body.subarray(body.length / 2)), 400)
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  const listening = new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    listening,
    /** what `podman rm -f` does to it: every connection cut */
    kill: () => {
      for (const s of sockets) s.destroy()
      server.close()
    },
  }
}

describe('a container checks share', () => {
  let started: ReturnType<typeof container>[] = []
  afterEach(() => {
    for (const c of started) c.kill()
    started = []
  })

  it('is removed only after the last check that uses it, not in the sweep while that check runs', async () => {
    const serves = async (line: string) => {
      const c = container(line)
      started.push(c)
      await c.listening
      const said = { listening: 8080, facts: SLIRP }
      writeFileSync(join(/-v (\S+):\/ssp-ready /.exec(line)?.[1] as string, 'listening'), JSON.stringify(said))
      return { stdout: 'abc\n' }
    }
    const removes = (line: string) => {
      if (line.includes('-srv')) for (const c of started) c.kill()
      return {}
    }
    const p = scripted({ ...BASE, '-srv ': serves, 'rm -f -i -t 0': removes })
    const select = ['default-network', 'publish'] as SmokeOptions['select']
    const report = await runSmokeSuite(p.run, options({ select, concurrency: 2 }))
    // default-network asked first (table order), so the server is its; it ends long before publish's GET
    expect(p.calls.find((c) => c.includes('-srv '))).toMatch(/--name ssp-\w+-default-network-srv /)
    expect(status(report)).toMatchObject({ 'default-network': 'passed', publish: 'passed' })
    const removals = p.calls.filter((c) => c.includes(' rm -f -i -t 0 '))
    expect(removals).toEqual([expect.stringMatching(/default-network-srv$/)])
    expect(p.calls.at(-1)).toBe(removals[0])
  })
})
