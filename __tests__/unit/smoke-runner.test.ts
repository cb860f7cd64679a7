// The suite end to end with podman scripted as data (substring of the argv -> result):
// selection per host, timeouts, cleanup of everything, isolation of failures, the report
// file and the job summary through the real @actions/core.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import type { ExecResult } from '../../src/ports/types.js'
import { runSmokeSuite, type SmokeOptions } from '../../src/smoke/index.js'
import { BASE, containersRun, facts, json, options, scripted, SLIRP, status } from '../helpers/scripted-podman.js'
import { Summary } from '../../src/report/summary.js'
import { regex } from '../helpers/regex.js'

describe('runSmokeSuite with scripted podman', () => {
  it('on podman 4.3.1: pasta never runs, failures stay per check, everything created is removed', async () => {
    const p = scripted({
      ...BASE,
      'default-network-probe': json(SLIRP),
      'host-containers-internal-probe': json(SLIRP),
      // one container: its interfaces and whether it reached the host
      'network-none-probe': json({ connected: false, error: 'ECONNREFUSED', facts: facts({}) }),
      'network create': { exitCode: 1, stderr: 'Error: netavark: nftables error\nline two' },
      // claims success without ever reaching the host server: must not pass
      'slirp4netns-loopback-client': json({
        ok: true,
        requests: 1,
        failed: 0,
        bytes: 4194304,
        ms: 5,
        peers: [],
        failures: [],
      }),
    })
    const opts = options()
    const report = await runSmokeSuite(p.run, opts)
    const s = status(report)
    expect(s['default-network']).toBe('passed')
    expect(s['network-none']).toBe('passed')
    expect(s['host-containers-internal']).toBe('passed')
    expect(s['pasta-loopback']).toBe('skipped: pasta needs podman >= 4.4 (have 4.3.1)')
    expect(s['custom-network']).toBe('failed: podman network create failed (exit 1): line two')
    expect(s['slirp4netns-loopback']).toMatch(/^failed: host server saw nothing, expected 127\.0\.0\.1/)
    expect(s.publish).toMatch(/^failed: starting srv failed \(exit 126\): Error: not scripted/)
    expect(s['internet-https']).toMatch(/^skipped: no internet: IPv4 default route via 192\.0\.2\.1/)
    expect(p.calls.some((c) => c.includes('pasta'))).toBe(false)
    // every container it started (or tried to) is gone after its run: a `run --rm` that exited 0 was removed
    // by podman (no rm to pay for), every other one is removed by rm; the network too
    const run = containersRun(p.calls)
    for (const name of run) {
      const started = p.calls.findIndex((c) => c.includes(`--name ${name} `))
      const removedByRun = p.calls[started].includes(' --rm ') && p.exits[started] === 0
      const rmAfter = p.calls
        .slice(started)
        .some((c) => c.startsWith('/usr/bin/podman rm -f -i -t 0') && c.includes(name))
      expect([name, rmAfter]).toEqual([name, !removedByRun])
    }
    expect(run.filter((n) => n.endsWith('-probe'))).toEqual([
      expect.stringMatching(/-default-network-probe$/), // host-containers-internal reads the same container
      expect.stringMatching(/-network-none-probe$/),
    ])
    expect(p.calls.some((c) => /podman network rm -f ssp-\w+-custom-network-net$/.test(c))).toBe(true)
    // transfer sizes (checks.ts says why they still prove the path): 2 MiB, and 100 x 4 KiB + 8 x 1 MiB over TLS
    type Req = { jobs: { size: number; count?: number }[] }
    const req = (id: string) =>
      JSON.parse(
        p.calls
          .find((c) => c.includes(`-${id}-client `))
          ?.split(' ')
          .at(-1) ?? '{}',
      ) as Req
    expect(req('tls-volume').jobs.map((j) => [j.size, j.count])).toEqual([
      [4096, 100],
      [1048576, 8],
    ])
    expect(req('slirp4netns-loopback').jobs.map((j) => j.size)).toEqual([2097152])
    expect(report.result).toBe('failed')
    expect(report.defaultNetwork).toEqual({
      expected: 'slirp4netns',
      why: 'podman 4.3.1 default',
      observed: 'slirp4netns',
    })
    expect(JSON.parse(readFileSync(opts.reportPath, 'utf8'))).toEqual(report)
    expect(readdirSync(opts.workDir)).toEqual([]) // scratch rootfs and CA files gone
    expect(report.checks.find((c) => c.id === 'custom-network')?.stderrTail).toBe(
      'Error: netavark: nftables error\nline two',
    )
  })

  it('a check past smoke-timeout is failed as timed out and its container still removed', async () => {
    const p = scripted({ ...BASE, 'default-network-probe': 'hang' })
    const started = Date.now()
    const report = await runSmokeSuite(p.run, options({ select: ['default-network'], timeoutSec: 1 }))
    expect(Date.now() - started).toBeLessThan(5000)
    expect(status(report)['default-network']).toBe('failed: probe probe timed out (smoke-timeout 1 s)')
    const [name] = containersRun(p.calls)
    expect(p.calls.at(-1)).toBe(`/usr/bin/podman rm -f -i -t 0 ${name}`)
  })

  it('a network create that times out is still removed; cleanup failures are reported', async () => {
    const p = scripted({
      ...BASE,
      'network create': 'hang',
      'network rm -f': { exitCode: 2, stderr: 'Error: network is busy' },
    })
    const report = await runSmokeSuite(p.run, options({ select: ['custom-network'], timeoutSec: 1 }))
    expect(status(report)['custom-network']).toMatch(
      regex(
        /^failed: podman network create timed out \(smoke-timeout 1 s\); cleanup failed: podman network rm /,
        /ssp-\w+-custom-network-net: Error: network is busy$/,
      ),
    )
  })

  it('what checks leave is swept after the last: one podman call per kind, a failure charged per check', async () => {
    const ok = (n: number) =>
      json({ ok: true, requests: n, failed: 0, bytes: n, ms: 5, peers: ['10.89.0.3'], failures: [] })
    const listening = (line: string) => {
      writeFileSync(join(/-v (\S+):\/ssp-ready /.exec(line)?.[1] as string, 'listening'), '{"listening":8080}')
      return { stdout: 'abc\n' }
    }
    const base = {
      ...BASE,
      'network create': {},
      '-srv ': listening,
      'custom-network-client': ok(4),
      'network-none-probe': json({ connected: false, error: 'ECONNREFUSED', facts: facts({}) }),
    }
    const select = ['custom-network', 'publish', 'network-none'] as SmokeOptions['select']
    const p = scripted(base)
    // one at a time: nothing to sweep before the last check ends
    const report = await runSmokeSuite(p.run, options({ select, concurrency: 1 }))
    expect(status(report)['custom-network']).toBe('passed')
    const removals = p.calls.filter((c) => / (rm|network rm|rmi) -f /.test(c))
    expect(removals).toEqual([
      expect.stringMatching(/^\/usr\/bin\/podman rm -f -i -t 0 ssp-\w+-custom-network-srv ssp-\w+-publish-srv$/),
      expect.stringMatching(/^\/usr\/bin\/podman network rm -f ssp-\w+-custom-network-net$/),
    ])
    expect(p.calls.indexOf(removals[0])).toBe(p.calls.length - 2) // after every check
    // a batch that fails is redone per check: only the check whose container stays fails for it
    const busy = { exitCode: 2, stderr: 'Error: container is busy' }
    const q = scripted({ ...base, 'rm -f -i -t 0': (line) => (line.includes('publish-srv') ? busy : {}) })
    const r = await runSmokeSuite(q.run, options({ select, concurrency: 1 }))
    expect(status(r)['custom-network']).toBe('passed')
    expect(status(r).publish).toMatch(/cleanup failed: podman rm: Error: container is busy$/)
    expect(q.calls.filter((c) => c.includes(' rm -f -i -t 0 '))).toHaveLength(3)
  })

  it('a slot with nothing left to start sweeps what finished checks left while the last one runs', async () => {
    let sweptWhileRunning = false
    const slow = async () => {
      await new Promise((r) => setTimeout(r, 300))
      sweptWhileRunning = p.calls.some((c) => / rm -f -i -t 0 .*custom-network-srv/.test(c))
      return json({ connected: false, error: 'ECONNREFUSED', facts: facts({}) }) as Partial<ExecResult>
    }
    const writes = (line: string) => {
      writeFileSync(join(/-v (\S+):\/ssp-ready /.exec(line)?.[1] as string, 'listening'), '{"listening":8080}')
      return { stdout: 'abc\n' }
    }
    const ok = json({ ok: true, requests: 4, failed: 0, bytes: 4, ms: 5, peers: ['10.89.0.3'], failures: [] })
    const p = scripted({
      ...BASE,
      'network create': {},
      '-srv ': writes,
      'custom-network-client': ok,
      'network-none-probe': slow,
    })
    const report = await runSmokeSuite(p.run, options({ select: ['custom-network', 'network-none'], concurrency: 2 }))
    expect(status(report)).toMatchObject({ 'custom-network': 'passed', 'network-none': 'passed' })
    expect(sweptWhileRunning).toBe(true)
    // its network went with that early batch; nothing of it is removed twice
    expect(p.calls.filter((c) => c.includes('custom-network-srv') && c.includes(' rm -f '))).toHaveLength(1)
    expect(p.calls.filter((c) => c.includes(' network rm -f '))).toHaveLength(1)
  })

  it('the long chains start first (custom-network before build); reports keep the table order', async () => {
    const p = scripted({ ...BASE, ' import ': {}, 'network create': {}, ' build ': {} })
    const select = ['network-none', 'custom-network', 'build'] as SmokeOptions['select']
    const report = await runSmokeSuite(p.run, options({ select, concurrency: 1 }))
    const first = (what: string) => p.calls.findIndex((c) => c.includes(what))
    expect(first('network create')).toBeGreaterThan(-1)
    expect(first('network create')).toBeLessThan(first(' build '))
    expect(first(' build ')).toBeLessThan(first('network-none-probe'))
    expect(report.checks.filter((c) => c.status !== 'skipped').map((c) => c.id)).toEqual([
      'build',
      'custom-network',
      'network-none',
    ])
  })

  it('publish, default-network and host-containers-internal share one container: it says its facts', async () => {
    const serves = (line: string) => {
      expect(line).toMatch(/ -p 127\.0\.0\.1:\d+:8080 /)
      expect(line).toContain('"facts":true')
      const said = { listening: 8080, facts: SLIRP }
      writeFileSync(join(/-v (\S+):\/ssp-ready /.exec(line)?.[1] as string, 'listening'), JSON.stringify(said))
      return { stdout: 'abc\n' }
    }
    const select = ['default-network', 'publish', 'host-containers-internal'] as SmokeOptions['select']
    const p = scripted({ ...BASE, '-srv ': serves })
    const report = await runSmokeSuite(p.run, options({ select }))
    expect(containersRun(p.calls)).toEqual([expect.stringMatching(/-srv$/)])
    const s = status(report)
    expect([s['default-network'], s['host-containers-internal']]).toEqual(['passed', 'passed'])
    // publish got as far as fetching from it (nothing listens on that port here)
    expect(s.publish).toMatch(/^failed: GET 127\.0\.0\.1:\d+ from the host: ECONNREFUSED/)
    // without publish, default-network reads a plain probe's facts
    const q = scripted({ ...BASE, 'default-network-probe': json(SLIRP) })
    const r = await runSmokeSuite(q.run, options({ select: ['default-network'] }))
    expect(status(r)['default-network']).toBe('passed')
    expect(containersRun(q.calls)).toEqual([expect.stringMatching(/-default-network-probe$/)])
  })

  it('a known podman message gets its hint', async () => {
    const p = scripted({
      ...BASE,
      'network create': {},
      'custom-network-srv': {
        exitCode: 127,
        stderr: 'Error: failed to mount runtime directory for rootless netns: no such file or directory',
      },
    })
    const report = await runSmokeSuite(p.run, options({ select: ['custom-network'] }))
    expect(status(report)['custom-network']).toMatch(
      regex(
        /^failed: starting srv failed \(exit 127\): .* \(hint: podman < 5 leaves a stale /,
        /\$XDG_RUNTIME_DIR\/netns\/rootless-netns-\* /,
      ),
    )
  })

  it('a probe server says it listens in a file on a volume: no podman logs to poll; its log otherwise', async () => {
    const ok = (n: number) =>
      json({ ok: true, requests: n, failed: 0, bytes: n, ms: 5, peers: ['10.89.0.3'], failures: [] })
    const base = { ...BASE, 'network create': {}, 'custom-network-client': ok(4) }
    // what the server does in the container: listen, then write the ready file into its volume
    const writes = (line: string) => {
      const dir = /-v (\S+):\/ssp-ready /.exec(line)?.[1]
      expect(line).toContain('"readyFile":"/ssp-ready/listening"')
      writeFileSync(join(dir as string, 'listening'), '{"listening":8080}')
      return { stdout: 'abc\n' }
    }
    const p = scripted({ ...base, 'custom-network-srv': writes })
    const report = await runSmokeSuite(p.run, options({ select: ['custom-network'] }))
    expect(status(report)['custom-network']).toBe('passed')
    expect(p.calls.filter((c) => / (logs|inspect) /.test(c))).toEqual([])
    // no file (a volume it cannot write): podman logs, once a second, still sees it listen
    const q = scripted({ ...base, ' logs ': json({ listening: 8080 }), 'custom-network-srv': { stdout: 'abc\n' } })
    const r = await runSmokeSuite(q.run, options({ select: ['custom-network'] }))
    expect(status(r)['custom-network']).toBe('passed')
    expect(q.calls.filter((c) => c.includes(' logs '))).toHaveLength(1)
  })

  it('runs checks concurrently up to the limit', async () => {
    const p = scripted({ ...BASE, '-probe ': json(SLIRP) }, 150)
    const report = await runSmokeSuite(p.run, options({ concurrency: 3 }))
    expect(p.maxInFlight()).toBe(3)
    expect(report.wallMs).toBeLessThan(report.checksMs)
  })

  it(
    'smoke-image: pulled once up front unless local, containers never pull; ' +
      'a failed pull fails what would have run',
    async () => {
      const image = 'docker.io/library/node:22-alpine'
      const ok = scripted({
        ...BASE,
        'image exists': { exitCode: 1 },
        'pull --quiet': {},
        'default-network-probe': json(SLIRP),
      })
      await runSmokeSuite(ok.run, options({ image, select: ['default-network', 'pasta-loopback'] }))
      expect(ok.calls.filter((c) => c.includes(' pull '))).toEqual([`/usr/bin/podman pull --quiet ${image}`])
      expect(ok.calls.find((c) => c.includes('default-network-probe'))).toContain(
        `--pull=never --entrypoint node ${image} -e <probe>`,
      )
      const local = scripted({ ...BASE, 'image exists': {}, 'default-network-probe': json(SLIRP) })
      await runSmokeSuite(local.run, options({ image, select: ['default-network'] }))
      expect(local.calls.filter((c) => c.includes(' pull '))).toEqual([]) // already in local storage
      const bad = scripted({
        ...BASE,
        'image exists': { exitCode: 1 },
        'pull --quiet': { exitCode: 125, stderr: 'Error: initializing source: no route to host' },
      })
      const r = await runSmokeSuite(
        bad.run,
        options({ image, select: ['default-network', 'pasta-loopback', 'exec-repeat'] }),
      )
      // the runtime checks use the suite's own base image: the pull does not concern them
      expect(status(r)['exec-repeat']).not.toMatch(/pulling/)
      expect(bad.calls.some((c) => c.includes(' import '))).toBe(true)
      expect(status(r)['default-network']).toBe(
        `failed: pulling ${image} failed: Error: initializing source: no route to host`,
      )
      expect(status(r)['pasta-loopback']).toBe('skipped: pasta needs podman >= 4.4 (have 4.3.1)')
      const short = await runSmokeSuite(scripted(BASE).run, options({ image: 'node:22', select: ['default-network'] }))
      expect(status(short)['default-network']).toMatch(/^failed: smoke-image node:22 is not fully qualified/)
    },
  )

  it('job summary: the ❌ verdict and cause first, a row per check, stderr escaped in a folded <details>', async () => {
    const p = scripted({
      ...BASE,
      'default-network-probe': { exitCode: 126, stderr: 'Error: pasta failed with exit code 1:\n<b>broken</b>' },
    })
    const report = await runSmokeSuite(p.run, options({ select: ['default-network'] }))
    const file = join(mkdtempSync(join(tmpdir(), 'smoke-summary-')), 'summary.md')
    writeFileSync(file, '')
    process.env.GITHUB_STEP_SUMMARY = file
    try {
      const summary = new Summary()
      summary.smoke = report
      await summary.write({}, 3000)
    } finally {
      delete process.env.GITHUB_STEP_SUMMARY
    }
    const html = readFileSync(file, 'utf8')
    expect(
      html.startsWith('<p><strong>❌ podman not ready: smoke tests failed</strong> · 0/1 checks passed · 3.0 s</p>'),
    ).toBe(true)
    expect(html).toContain('<li>❌ <strong>default-network</strong> (smoke tests): ')
    expect(html).toContain('<details open><summary><strong>❌ Smoke tests: 0/1 passed, 1 failed')
    expect(html).toContain(
      '<td>Default network <code>default-network</code></td><td>default (slirp4netns)</td><td>❌ failed</td>',
    )
    expect(html).toContain(
      '<td>⏭️ skipped</td><td>blocking</td><td>—</td><td>not selected (smoke-tests: default-network)</td>',
    )
    expect(html).toContain('<details><summary>Output of default-network</summary>')
    expect(html).toContain('&#60;b&#62;broken&#60;/b&#62;')
    expect(html).not.toContain('<b>broken')
  })
})
