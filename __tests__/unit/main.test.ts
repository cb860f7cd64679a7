// The whole main step, main(deps), with every port scripted as data: Http answers a release
// listing and serves a real archive, Run answers podman/crun/conmon/pasta as a healthy host
// would, the host's files are a simulated machine (the install and the drop-in are real files
// on a temp dir), and the REAL @actions/core and tool-cache write GITHUB_OUTPUT, GITHUB_STATE,
// GITHUB_PATH and GITHUB_STEP_SUMMARY files.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import * as tc from '@actions/tool-cache'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { HostFs } from '../../src/host/fs.js'
import { realHostFs } from '../../src/host/fs.js'
import type { Cache } from '../../src/install/archive-cache.js'
import { jobDropinName } from '../../src/install/dropin.js'
import type { ExecResult, Http, Run } from '../../src/ports/types.js'
import { SMOKE_CHECK_IDS } from '../../src/inputs.js'
import type { Deps } from '../../src/step/deps.js'
import { main } from '../../src/step/run.js'
import { healthyHost } from '../fixtures/host/fake-host.js'
import {
  actionsEnv,
  type ActionsEnv,
  captureStdout,
  parseFileCommands,
  type StdoutCapture,
} from '../helpers/actions-env.js'

const VERSION = '5.7.1'
const TOP = `podman-v${VERSION}`
const ASSET = `${TOP}-linux-amd64-static.tar.zst`
const API = 'https://api.test'

let env: ActionsEnv
let out: StdoutCapture
let files: Record<string, Buffer>
let requests: string[]
let calls: string[]

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

/** The default variant's layout: podman and crun in usr/local/bin, conmon in usr/local/lib/podman. */
function archive(dir: string): Buffer {
  const top = path.join(dir, 'src', TOP)
  for (const [rel, text] of [
    ['usr/local/bin/podman', 'podman'],
    ['usr/local/bin/crun', 'crun'],
    ['usr/local/lib/podman/conmon', 'conmon'],
  ]) {
    mkdirSync(path.dirname(path.join(top, rel)), { recursive: true })
    writeFileSync(path.join(top, rel), `#!/bin/sh\necho ${text}\n`, { mode: 0o755 })
  }
  const file = path.join(dir, ASSET)
  execFileSync('tar', ['--zstd', '-C', path.join(dir, 'src'), '-cf', file, TOP])
  return readFileSync(file)
}

const http: Http = {
  getJson: async (url) => {
    requests.push(url)
    const assets = Object.keys(files).map((name) => ({
      name,
      size: files[name].length,
      url: `${API}/assets/${name}`,
      browser_download_url: '',
    }))
    return { body: [{ tag_name: TOP, draft: false, prerelease: false, assets }], headers: new Headers() }
  },
  download: async (url, dest) => {
    requests.push(url)
    const body = files[url.split('/').pop() as string]
    writeFileSync(dest, body)
    return { path: dest, bytes: body.length, sha256: sha(body) }
  },
}

/** Never reached with cache: false; a call would show up in `requests`. */
const noCache: Cache = {
  isFeatureAvailable: () => {
    requests.push('actions-cache')
    return false
  },
  restoreCache: async () => undefined,
  saveCache: async () => 0,
}

/** What `podman info` reports for the installed tree: its own crun and conmon, the host's pasta. */
function podmanInfo(root: string, crunVersion: string): string {
  return JSON.stringify({
    version: { Version: VERSION },
    host: {
      ociRuntime: {
        name: 'crun',
        path: `${root}/usr/local/bin/crun`,
        version: `crun version ${crunVersion}\ncommit: c`,
      },
      conmon: { path: `${root}/usr/local/lib/podman/conmon`, version: 'conmon version 2.1.13, commit: d' },
      pasta: { executable: '/usr/bin/pasta', version: 'pasta 2025_05_03.587980c\n' },
      networkBackend: 'netavark',
      networkBackendInfo: {
        backend: 'netavark',
        path: '/usr/lib/podman/netavark',
        version: 'netavark 1.14.0',
        dns: { path: '/usr/lib/podman/aardvark-dns', version: 'aardvark-dns 1.14.0' },
      },
      security: { rootless: true },
    },
  })
}

/** Commands as data: the first pattern that matches the argv line answers; anything else is not installed. */
function scriptedRun(crunVersion: string): Run {
  const script: [RegExp, (line: string) => Partial<ExecResult>][] = [
    [/\/podman --version$/, () => ({ exitCode: 0, stdout: `podman version ${VERSION}\n` })],
    [
      /^(.*)\/usr\/local\/bin\/podman info --format json$/,
      (l) => ({ exitCode: 0, stdout: podmanInfo(root(l), crunVersion) }),
    ],
    [/^ldd --version$/, () => ({ exitCode: 0, stdout: 'ldd (Debian GLIBC 2.36-9+deb12u10) 2.36\n' })],
    [/\/slirp4netns --version$/, () => ({ exitCode: 0, stdout: 'slirp4netns version 1.2.0\n' })],
    [/\/catatonit --version$/, () => ({ exitCode: 0, stdout: 'catatonit version 0.1.7\n' })],
    [/\/fuse-overlayfs --version$/, () => ({ exitCode: 0, stdout: 'fuse-overlayfs: version 1.10\n' })],
  ]
  const root = (line: string) => /^(.*)\/usr\/local\/bin\/podman /.exec(line)?.[1] as string
  return async (cmd, args) => {
    const line = [cmd, ...args].join(' ')
    calls.push(line)
    const hit = script.find(([re]) => re.test(line))
    return { exitCode: 127, stdout: '', stderr: `${cmd}: not found`, ...hit?.[1](line) }
  }
}

/** The simulated machine, except under the test's temp dir: the install and the drop-in are real. */
function hostFs(dir: string): HostFs {
  const fake = healthyHost()
    .file('/usr/bin/pasta', { mode: 0o755 })
    .file('/usr/bin/slirp4netns', { mode: 0o755 })
    .file('/usr/bin/fuse-overlayfs', { mode: 0o755 })
    .file('/usr/libexec/podman/catatonit', { mode: 0o755 })
    .file('/usr/lib/podman/netavark', { mode: 0o755 })
    .file('/usr/lib/podman/aardvark-dns', { mode: 0o755 })
  const real = realHostFs()
  const pick = (p: string): HostFs => (p.startsWith(`${dir}/`) ? real : fake.fs)
  return {
    readFile: (p) => pick(p).readFile(p),
    stat: (p) => pick(p).stat(p),
    realpath: (p) => pick(p).realpath(p),
    readdir: (p) => pick(p).readdir(p),
    access: (p, m) => pick(p).access(p, m),
  }
}

function deps(crunVersion = '1.21'): Deps {
  return {
    run: scriptedRun(crunVersion),
    tc,
    cache: noCache,
    makeHttp: () => http,
    env: {
      ...process.env,
      PATH: '/usr/bin:/bin',
      HOME: path.join(env.dir, 'home'),
      RUNNER_ARCH: 'X64',
      XDG_CONFIG_HOME: '',
    },
    fs: hostFs(env.dir),
    user: healthyHost().user,
    services: { startService: refuse, unixHttp: refuse, procs: { list: async () => [], kill: () => undefined } },
  }
}

// main starts no service unless docker-socket: true
const refuse = () => Promise.reject(new Error('docker-socket is off: no service expected'))

const INPUTS = {
  repository: 'o/r',
  'api-url': API,
  variant: 'default',
  libc: 'static',
  'podman-version': 'latest',
  cache: 'false',
  'verify-signature': 'false',
  'allow-sudo': 'false',
  cleanup: 'true',
  'smoke-tests': 'none',
}

const outputs = () => parseFileCommands(env.read('output'))
const state = () => JSON.parse(parseFileCommands(env.read('state'))['setup-static-podman'])
/** cleanup: true: the drop-in is the step run's own, named by its state id */
const dropin = () => path.join(env.dir, 'home/.config/containers/containers.conf.d', jobDropinName(state().id))
const annotations = () => out.text().match(/^::(error|warning)[^\n]*/gm) ?? []

beforeEach(() => {
  requests = []
  calls = []
})
afterEach(() => {
  out.restore()
  env.restore()
  process.exitCode = undefined
})

function start(inputs: Record<string, string>): void {
  env = actionsEnv(inputs)
  mkdirSync(process.env.RUNNER_TEMP as string, { recursive: true })
  const body = archive(env.dir)
  files = { [ASSET]: body, 'checksums.txt': Buffer.from(`${sha(body)}  ${ASSET}\n`) }
  out = captureStdout()
}

describe('main(deps)', () => {
  it('smoke-tests: none: installs, gates, wires PATH and the drop-in, sets every output, saves state', async () => {
    start(INPUTS)
    await main(deps())
    expect(annotations()).toEqual([])
    expect(process.exitCode).toBeUndefined()
    const root = path.join(process.env.RUNNER_TOOL_CACHE as string, 'podman-default-static', VERSION, 'amd64')
    expect(outputs()).toEqual({
      'crun-version': '1.21.0',
      'pasta-version': '2025_05_03',
      'podman-version': VERSION,
      variant: 'default',
      libc: 'static',
      'install-dir': root,
      'bin-dir': `${root}/usr/local/bin`,
      'cache-hit': 'false',
      verified: 'sha256',
      'smoke-result': 'skipped',
    })
    expect(env.read('path').trim()).toBe(`${root}/usr/local/bin`)
    const conf = readFileSync(dropin(), 'utf8')
    expect(conf).toContain(`\n[engine.runtimes]\ncrun = ["${root}/usr/local/bin/crun"]\n`)
    expect(conf).toContain(`\nconmon_path = ["${root}/usr/local/lib/podman/conmon"]\n`)
    expect(state()).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{12}$/),
      started: true,
      succeeded: true,
      changes: [{ kind: 'dropin', description: `removed ${dropin()}`, revert: ['rm', '-f', dropin()], sudo: false }],
      cacheSaves: [],
      cleanup: true,
    })
    // The listing first; the two downloads in either order (they may run at once).
    expect(requests[0]).toBe(`${API}/repos/o/r/releases?per_page=100`)
    expect(requests.slice(1).sort()).toEqual([`${API}/assets/${ASSET}`, `${API}/assets/checksums.txt`].sort())
    expect(calls.some((c) => c.includes(' run '))).toBe(false)
    const summary = env.read('summary')
    expect(summary).toMatch(
      new RegExp(
        `^<p><strong>✅ podman ${VERSION} ready</strong> · default, static, ` +
          `amd64 · verified sha256 · cache miss · smoke tests off \\(smoke-tests: none\\) · \\d+\\.\\d s</p>`,
      ),
    )
    // all green: each phase folded to its one line; the gate names the bundled crun by its path in the install
    expect(summary).toContain(`<details><summary><strong>✅ Install: podman ${VERSION} default, static, amd64 from o/r`)
    expect(summary).toMatch(/<details><summary><strong>✅ Host gate: \d+\/\d+ met/)
    expect(summary).toContain('<tr><td>crun</td><td>1.21.0 <code>usr/local/bin/crun</code> (bundled)</td>')
    expect(summary).toMatch(/<tr><td>pasta<\/td><td>2025_05_03 <code>[^<]+<\/code> \(host\)<\/td>/)
    expect(summary).not.toContain('Components podman uses')
  })

  it('docker-socket: true: the API service kept, DOCKER_HOST exported, docker-host output, post told', async () => {
    start({ ...INPUTS, 'docker-socket': 'true' })
    const started: { args: string[]; keep?: boolean; env?: NodeJS.ProcessEnv }[] = []
    const d = deps()
    d.env.XDG_RUNTIME_DIR = path.join(env.dir, 'xdg')
    d.services = {
      startService: async (_cmd, args, o) => {
        started.push({ args, keep: o?.keep, env: o?.env })
        return { pid: 9999, stop: () => undefined, running: () => true }
      },
      unixHttp: async () => ({ status: 200, body: 'OK' }),
      procs: d.services.procs,
    }
    await main(d)
    expect(annotations()).toEqual([])
    const sock = path.join(env.dir, 'xdg/setup-static-podman/docker.sock')
    expect(started).toEqual([
      { args: ['system', 'service', '--time', '0', `unix://${sock}`], keep: true, env: expect.any(Object) },
    ])
    // the installed podman's PATH
    expect(started[0].env?.PATH).toMatch(/podman-default-static\/[^:]+\/usr\/local\/bin:/)
    expect(outputs()['docker-host']).toBe(`unix://${sock}`)
    expect(parseFileCommands(env.read('env')).DOCKER_HOST).toBe(`unix://${sock}`)
    expect(state().dockerService).toEqual({ pid: 9999, socket: sock })
  })

  it('a bad input: one ::error:: naming the input, the value and what is allowed; nothing run or fetched', async () => {
    start({ ...INPUTS, 'smoke-tests': 'publish,pubilsh' })
    await main(deps())
    expect(annotations()).toEqual([
      `::error::Invalid input 'smoke-tests': 'publish,pubilsh'. Allowed: ` +
        `auto | none | all | a comma list of ${SMOKE_CHECK_IDS.join(', ')}.`,
    ])
    expect(process.exitCode).toBe(1)
    expect(calls).toEqual([])
    expect(requests).toEqual([])
    expect(env.read('output')).toBe('')
    expect(env.read('state')).toBe('')
    expect(env.read('path')).toBe('')
  })

  it('a gate failure: the step fails naming the unmet line, the drop-in is removed, PATH is not touched', async () => {
    start(INPUTS)
    await main(deps('1.8.1'))
    const errors = annotations()
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/^::error::This host cannot run podman as set up \(1 unmet\):%0A- crun: /)
    expect(errors[0]).toContain('1.8.1')
    expect(process.exitCode).toBe(1)
    expect(existsSync(dropin())).toBe(false)
    expect(env.read('path')).toBe('')
    expect(Object.keys(outputs())).toEqual([])
    expect(state()).toMatchObject({ started: true, succeeded: false, cleanup: true })
    // the verdict (its log line) says why there are no smoke results: the gate stopped the step before them
    expect(out.text()).toMatch(
      /^❌ podman [\d.]+ not ready: host gate failed · .* · smoke tests did not run: the host gate failed · /m,
    )
  })
})
