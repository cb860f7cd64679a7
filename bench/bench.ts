// `npm run bench`: medians of several runs against the loopback mirror, as ratios to a
// baseline measured in the same process run. Prints; asserts nothing.
import * as tc from '@actions/tool-cache'
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createHttp, tokenOriginsFor } from '../src/http.js'
import { parseVersionSpec } from '../src/inputs.js'
import { buildDropin, writeDropin } from '../src/install/dropin.js'
import { LAYOUTS, resolveLayout } from '../src/install/layout.js'
import { installPigfoot, type InstallRequest } from '../src/install/pigfoot.js'
import { wiringFor } from '../src/run.js'
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
    apiUrl: mirror.url, owner: 'bench', repo: 'static-rootless-container-tools', spec: parseVersionSpec(version),
    checkLatest: false, variant: 'full', libc: 'static', arch: 'amd64', temp: path.join(dir, 'temp'),
    verifySignature: 'true', signerIdentity: new RegExp(`^${TEST_SAN.replace(/[.]/g, '\\.')}$`), signerIssuer: TEST_ISSUER, trustedRoot,
  }
  const http = createHttp({ tokenOrigins: tokenOriginsFor(mirror.url) })
  const result = await installPigfoot(http, tc, req)
  const installed = resolveLayout(result.root, LAYOUTS.full)
  await writeDropin(path.join(dir, 'home/.config/containers/containers.conf.d'), buildDropin(wiringFor(installed, { defaultNetwork: '' })))
}

/** The README recipe users would otherwise write. Async: the mirror serves from this process. */
function rawPipeline(url: string): Promise<number> {
  const dest = mkdtempSync(path.join(os.tmpdir(), 'ssp-raw-'))
  return time(async () => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', 'curl -fsSL "$1" | zstd -d -q | tar x -C "$2"', 'bash', url, dest], { stdio: 'inherit' })
    const code = await new Promise((r) => child.on('close', r))
    if (code !== 0) throw new Error(`baseline failed with exit ${code}`)
  }).finally(() => rmSync(dest, { recursive: true, force: true }))
}

/** Peak RSS of `node dist/main.cjs` (a cold install) from /proc VmHWM, as the runner user. */
async function peakRss(mirror: Mirror, version: string): Promise<number> {
  const dir = mkdtempSync('/var/tmp/ssp-bench-rss-')
  for (const d of ['tc', 'temp', 'home']) mkdirSync(path.join(dir, d))
  for (const f of ['out', 'state', 'env', 'path', 'summary']) writeFileSync(path.join(dir, f), '')
  spawnSync('chown', ['-R', 'tester:', dir])
  const env = [
    `HOME=${dir}/home`, 'PATH=/usr/bin:/bin', 'RUNNER_ARCH=X64', `RUNNER_TEMP=${dir}/temp`, `RUNNER_TOOL_CACHE=${dir}/tc`,
    `GITHUB_OUTPUT=${dir}/out`, `GITHUB_STATE=${dir}/state`, `GITHUB_ENV=${dir}/env`, `GITHUB_PATH=${dir}/path`,
    `GITHUB_STEP_SUMMARY=${dir}/summary`, `INPUT_API-URL=${mirror.url}`, `INPUT_REPOSITORY=${REPO}`, 'INPUT_VARIANT=full',
    `INPUT_PODMAN-VERSION=${version}`, 'INPUT_SMOKE-TESTS=none', 'INPUT_VERIFY-SIGNATURE=false', 'INPUT_INSTALL-MISSING=false',
  ]
  const child = spawn('runuser', ['-u', 'tester', '--', 'env', '-i', ...env, process.execPath, 'dist/main.cjs'], { stdio: 'ignore' })
  let peak = 0
  const poll = setInterval(() => {
    const pids = spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)
    for (const pid of [String(child.pid), ...pids]) {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
        if (m && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('dist/main.cjs')) peak = Math.max(peak, Number(m[1]) * 1024)
      } catch {
        // exited between listing and reading
      }
    }
  }, 20)
  await new Promise((r) => child.on('close', r))
  clearInterval(poll)
  rmSync(dir, { recursive: true, force: true })
  return peak
}

async function main(): Promise<void> {
  const archive = await benchArchive(CACHE)
  const sigstore = await createTestSigstore()
  const bundle = path.join(archive.dir, 'checksums.txt.bundle')
  writeFileSync(bundle, JSON.stringify(await sigstore.signBlob(readFileSync(path.join(archive.dir, 'checksums.txt')))))
  const version = /podman-v([\d.]+)-/.exec(archive.name)?.[1] as string
  const files = [archive.name, 'checksums.txt', 'checksums.txt.bundle'].map((name) => ({ name, path: path.join(archive.dir, name) }))
  const mirror = await startMirror({ repos: { [REPO]: [{ tag: `podman-v${version}`, files }] } })
  const url = mirror.downloadUrl(REPO, `podman-v${version}`, archive.name)
  const raw: number[] = []
  const cold: number[] = []
  const warm: number[] = []
  let warmRequests = 0
  for (let i = 0; i < RUNS; i++) {
    raw.push(await rawPipeline(url))
    const dir = freshRunnerDirs()
    cold.push(await time(() => installOnce(mirror, sigstore.trustedRoot, 'latest', dir)))
    mirror.resetRequests()
    warm.push(await time(() => installOnce(mirror, sigstore.trustedRoot, version, dir)))
    warmRequests += mirror.requests.length
    rmSync(dir, { recursive: true, force: true })
  }
  const rss = await peakRss(mirror, version)
  await mirror.close()
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown'
  console.log(`machine: ${os.cpus().length} cores, ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`)
  console.log(`archive: ${archive.name}, ${(archive.size / 2 ** 20).toFixed(1)} MiB (zstd -19), ${RUNS} runs each, medians`)
  console.log(`raw curl | zstd -d | tar x        ${fmt(median(raw))}`)
  console.log(`cold install (verify+unpack+audit) ${fmt(median(cold))}   ratio ${(median(cold) / median(raw)).toFixed(2)}  (target <= 1.3)`)
  console.log(`warm install (tool-cache hit)      ${fmt(median(warm))}   requests ${warmRequests}  (target <= 0.5 s, 0 requests)`)
  console.log(`peak RSS of dist/main.cjs, cold    ${(rss / 2 ** 20).toFixed(0)} MiB  (target <= 150 MiB)`)
}

void main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
