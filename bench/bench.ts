// `npm run bench`: medians of several runs against the loopback mirror, as ratios to a
// baseline measured in the same process run. Prints; asserts nothing.
import * as tc from '@actions/tool-cache'
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createHttp, tokenOriginsFor } from '../src/ports/http.js'
import { parseVersionSpec } from '../src/inputs.js'
import { buildDropin, writeDropin } from '../src/install/dropin.js'
import { LAYOUTS, resolveLayout } from '../src/install/layout.js'
import { installPigfoot, type InstallRequest } from '../src/sources/pigfoot.js'
import { wiringFor } from '../src/step/run.js'
import { type Mirror, startMirror } from '../test-support/mirror/server.js'
import { createTestSigstore, TEST_ISSUER, TEST_SAN } from '../test-support/sigstore.js'
import { benchArchive } from './archive.js'

const CACHE = process.env.SSP_CACHE ?? '/var/cache/setup-static-podman'
const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const REPO = 'bench/static-rootless-container-tools'

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const fmt = (ms: number) => `${(ms / 1000).toFixed(3)} s`

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now()
  await fn()
  return performance.now() - t
}

function freshRunnerDirs(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ssp-bench-'))
  for (const d of ['tool-cache', 'temp', 'home']) mkdirSync(path.join(dir, d))
  writeFileSync(path.join(dir, 'path'), '')
  process.env.RUNNER_TOOL_CACHE = path.join(dir, 'tool-cache')
  process.env.RUNNER_TEMP = path.join(dir, 'temp')
  process.env.GITHUB_PATH = path.join(dir, 'path')
  return dir
}

async function installOnce(mirror: Mirror, trustedRoot: unknown, version: string, dir: string): Promise<void> {
  const req: InstallRequest = {
    apiUrl: mirror.url,
    owner: 'bench',
    repo: 'static-rootless-container-tools',
    spec: parseVersionSpec(version),
    checkLatest: false,
    variant: 'full',
    libc: 'static',
    arch: 'amd64',
    temp: path.join(dir, 'temp'),
    verifySignature: 'true',
    signerIdentity: new RegExp(`^${TEST_SAN.replace(/[.]/g, '\\.')}$`),
    signerIssuer: TEST_ISSUER,
    trustedRoot,
  }
  const http = createHttp({ tokenOrigins: tokenOriginsFor(mirror.url) })
  const result = await installPigfoot(http, tc, req)
  const installed = resolveLayout(result.root, LAYOUTS.full)
  await writeDropin(
    path.join(dir, 'home/.config/containers/containers.conf.d'),
    buildDropin(wiringFor(installed, { defaultNetwork: '' })),
  )
}

/** The README recipe users would otherwise write. Async: the mirror serves from this process. */
function rawPipeline(url: string): Promise<number> {
  const dest = mkdtempSync(path.join(os.tmpdir(), 'ssp-raw-'))
  return time(async () => {
    const child = spawn(
      'bash',
      ['-o', 'pipefail', '-c', 'curl -fsSL "$1" | zstd -d -q | tar x -C "$2"', 'bash', url, dest],
      { stdio: 'inherit' },
    )
    const code = await new Promise((r) => child.on('close', r))
    if (code !== 0) throw new Error(`baseline failed with exit ${code}`)
  }).finally(() => rmSync(dest, { recursive: true, force: true }))
}

interface MainRun {
  /** the peak VmHWM of the action process */
  peakRss: number
  dir: string
  xdg: string
}

/** Runs `node dist/main.cjs` as the runner user, polling /proc for its peak RSS (VmHWM). */
async function runMain(mirror: Mirror, inputs: Record<string, string>): Promise<MainRun> {
  const dir = mkdtempSync('/var/tmp/ssp-bench-main-')
  for (const d of ['tc', 'temp', 'home']) mkdirSync(path.join(dir, d))
  for (const f of ['out', 'state', 'env', 'path', 'summary']) writeFileSync(path.join(dir, f), '')
  // A fresh runtime dir, as a new runner has (podman 4 keeps rootless-netns state there).
  const xdg = mkdtempSync('/tmp/ssp-bench-xdg-')
  spawnSync('chown', ['-R', 'tester:', dir, xdg])
  spawnSync('chmod', ['0700', xdg])
  const env = [
    `HOME=${dir}/home`,
    'PATH=/usr/bin:/bin',
    'RUNNER_ARCH=X64',
    `RUNNER_TEMP=${dir}/temp`,
    `RUNNER_TOOL_CACHE=${dir}/tc`,
    `XDG_RUNTIME_DIR=${xdg}`,
    'PODMAN_IGNORE_CGROUPSV1_WARNING=1',
    `GITHUB_OUTPUT=${dir}/out`,
    `GITHUB_STATE=${dir}/state`,
    `GITHUB_ENV=${dir}/env`,
    `GITHUB_PATH=${dir}/path`,
    `GITHUB_STEP_SUMMARY=${dir}/summary`,
    `INPUT_API-URL=${mirror.url}`,
    `INPUT_REPOSITORY=${REPO}`,
    ...Object.entries(inputs).map(([k, v]) => `INPUT_${k.toUpperCase()}=${v}`),
  ]
  const child = spawn(
    'runuser',
    ['-u', 'tester', '--', 'env', '-i', ...env, process.execPath, path.resolve('dist/main.cjs')],
    { stdio: 'ignore' },
  )
  let peak = 0
  const poll = setInterval(() => {
    try {
      const pid = spawnSync('pgrep', ['-f', '-n', path.resolve('dist/main.cjs')], { encoding: 'utf8' }).stdout.trim()
      const m = pid ? /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8')) : null
      if (m) peak = Math.max(peak, Number(m[1]) * 1024)
    } catch {
      // exited between listing and reading
    }
  }, 20)
  await new Promise((r) => child.on('close', r))
  clearInterval(poll)
  return { peakRss: peak, dir, xdg }
}

/** The whole suite on the host stack (warm install) against one trivial `podman run`. */
async function smokeRatio(
  mirror: Mirror,
  version: string,
): Promise<{ checks: number; wallMs: number; probeMs: number }> {
  const run = await runMain(mirror, { variant: 'full', 'podman-version': version, 'verify-signature': 'false' })
  const report = JSON.parse(readFileSync(path.join(run.dir, 'temp', 'setup-static-podman-smoke.json'), 'utf8')) as {
    wallMs: number
    checks: { status: string }[]
  }
  const rootfs = path.join(run.dir, 'rootfs')
  for (const d of ['usr', 'etc', 'proc', 'sys', 'dev', 'tmp']) mkdirSync(path.join(rootfs, d), { recursive: true })
  for (const d of ['bin', 'lib', 'lib64', 'sbin']) spawnSync('ln', ['-s', `usr/${d}`, path.join(rootfs, d)])
  spawnSync('chown', ['-R', 'tester:', rootfs])
  const probes: number[] = []
  for (let i = 0; i < RUNS; i++) {
    probes.push(
      await time(async () => {
        const args = [
          '-u',
          'tester',
          '--',
          'env',
          `HOME=${run.dir}/home`,
          'PODMAN_IGNORE_CGROUPSV1_WARNING=1',
          `XDG_RUNTIME_DIR=${run.xdg}`,
          'podman',
          'run',
          '--rm',
          '-v',
          '/usr:/usr:ro',
          '--rootfs',
          rootfs,
          'true',
        ]
        const child = spawn('runuser', args, { stdio: 'ignore' })
        await new Promise((r) => child.on('close', r))
      }),
    )
  }
  rmSync(run.dir, { recursive: true, force: true })
  const ran = report.checks.filter((c) => c.status !== 'skipped').length
  return { checks: ran, wallMs: report.wallMs, probeMs: median(probes) }
}

async function main(): Promise<void> {
  const archive = await benchArchive(CACHE)
  const sigstore = await createTestSigstore()
  const bundle = path.join(archive.dir, 'checksums.txt.bundle')
  writeFileSync(bundle, JSON.stringify(await sigstore.signBlob(readFileSync(path.join(archive.dir, 'checksums.txt')))))
  const version = /podman-v([\d.]+)-/.exec(archive.name)?.[1] as string
  const files = [archive.name, 'checksums.txt', 'checksums.txt.bundle'].map((name) => ({
    name,
    path: path.join(archive.dir, name),
  }))
  const mirror = await startMirror({ repos: { [REPO]: [{ tag: `podman-v${version}`, files }] } })
  const url = mirror.downloadUrl(REPO, `podman-v${version}`, archive.name)
  const raw: number[] = []
  const coldRuns: number[] = []
  const warm: number[] = []
  let warmRequests = 0
  for (let i = 0; i < RUNS; i++) {
    raw.push(await rawPipeline(url))
    const dir = freshRunnerDirs()
    coldRuns.push(await time(() => installOnce(mirror, sigstore.trustedRoot, 'latest', dir)))
    mirror.resetRequests()
    warm.push(await time(() => installOnce(mirror, sigstore.trustedRoot, version, dir)))
    warmRequests += mirror.requests.length
    rmSync(dir, { recursive: true, force: true })
  }
  const cold = await runMain(mirror, {
    variant: 'full',
    'podman-version': version,
    'smoke-tests': 'none',
    'verify-signature': 'false',
  })
  rmSync(cold.dir, { recursive: true, force: true })
  const smoke = await smokeRatio(mirror, version)
  await mirror.close()
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown'
  console.log(
    `machine: ${os.cpus().length} cores, ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
  )
  console.log(
    `archive: ${archive.name}, ${(archive.size / 2 ** 20).toFixed(1)} MiB (zstd -19), ${RUNS} runs each, medians`,
  )
  console.log(`raw curl | zstd -d | tar x        ${fmt(median(raw))}`)
  console.log(
    `cold install (verify+unpack+audit) ${fmt(median(coldRuns))}   ratio ` +
      `${(median(coldRuns) / median(raw)).toFixed(2)}  (target <= 1.3)`,
  )
  console.log(
    `warm install (tool-cache hit)      ${fmt(median(warm))}   requests ${warmRequests}  (target <= 0.5 s, 0 requests)`,
  )
  console.log(`peak RSS of dist/main.cjs, cold    ${(cold.peakRss / 2 ** 20).toFixed(0)} MiB  (target <= 150 MiB)`)
  console.log(
    `smoke suite: ${smoke.checks} checks ran, wall ${fmt(smoke.wallMs)}, one trivial podman run ${fmt(smoke.probeMs)}`,
  )
  console.log(
    `  wall / (checks x podman run)      ratio ${(smoke.wallMs / (smoke.checks * smoke.probeMs)).toFixed(2)}  ` +
      `(target <= 0.4)`,
  )
}

void main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
