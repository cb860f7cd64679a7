// `npm run bench`: the whole step as the user waits for it, on the host and in a Debian
// tree, as ratios to baselines measured in the same run (medians). Prints; asserts nothing.
// Uses real podman: run it under the integration lock. BENCH_MAIN=FILE measures another
// bundle of main (e.g. main's before a change), BENCH_RUNS and BENCH_STACKS choose the runs,
// BENCH_SMOKE=none leaves the smoke suite out.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startMirror } from '../test-support/mirror/server.js'
import { createTestSigstore, TEST_SAN } from '../test-support/sigstore.js'
import { CACHE_DIR, type TreeName, treeRoot } from '../test-support/workspace.js'
import { accounted } from './acct.js'
import { type BenchArchive, benchArchive } from './archive.js'
import { type AutoRun, printFigures, printTrace, type StackFigures } from './report.js'
import { type BenchStack, bareRuns, benchWorkspace, nodeStart, runStep, sweepRuntimeDirs, tracedStep } from './step.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 3)
/** `bookworm` is the host; the others are trees */
const STACKS = (process.env.BENCH_STACKS ?? 'bookworm,trixie').split(',')
/** BENCH_SMOKE=none: cold and warm only (a quick A/B of the install), no smoke suite */
const SMOKE = process.env.BENCH_SMOKE !== 'none'

/** The README recipe users would otherwise write. */
function rawPipeline(url: string): Promise<number> {
  const dest = mkdtempSync(path.join(os.tmpdir(), 'ssp-raw-'))
  const t = performance.now()
  const child = spawn(
    'bash',
    ['-o', 'pipefail', '-c', 'curl -fsSL "$1" | zstd -d -q | tar x -C "$2"', 'bash', url, dest],
    { stdio: 'inherit' },
  )
  return new Promise<number>((resolve, reject) =>
    child.on('close', (code) =>
      code === 0 ? resolve(performance.now() - t) : reject(new Error(`baseline failed with exit ${code}`)),
    ),
  ).finally(() => rmSync(dest, { recursive: true, force: true }))
}

/**
 * Interleaved, so a burst of load from elsewhere on the machine hits every figure alike:
 * raw pipeline, bare node, cold step, warm step, warm step with smoke-tests auto, bare podman runs.
 */
async function measure(b: BenchStack, url: string): Promise<StackFigures> {
  const f: StackFigures = { raw: [], node: [], cold: [], warm: [], auto: [], podmanRun: [] }
  for (let i = 0; i < RUNS; i++) {
    f.raw.push(await rawPipeline(url))
    const work = await benchWorkspace(b)
    try {
      f.node.push(await nodeStart(b, work))
      f.cold.push(await runStep(b, work, 'none'))
      f.warm.push(await runStep(b, work, 'none'))
      if (!SMOKE) continue
      const run = await accounted(() => runStep(b, work, 'auto'))
      const auto: AutoRun = { ...run.value, cpu: 'cpu' in run ? run.cpu : run.why }
      f.auto.push(auto)
      f.podmanRun.push(...(await bareRuns(b, work, auto.binDir, 3)))
    } finally {
      await work.remove()
    }
  }
  return f
}

async function main(): Promise<void> {
  const sigstore = await createTestSigstore()
  const archives: [string, BenchArchive][] = []
  for (const name of STACKS) {
    const a = await benchArchive(CACHE_DIR, name, name === 'bookworm' ? '/' : treeRoot(name as TreeName))
    const bundle = JSON.stringify(await sigstore.signBlob(readFileSync(path.join(a.dir, 'checksums.txt'))))
    writeFileSync(path.join(a.dir, 'checksums.txt.bundle'), bundle)
    archives.push([name, a])
  }
  // The archives take minutes to build once; build them outside the integration lock.
  if (process.env.BENCH_PREPARE_ONLY) return
  const files = (a: BenchArchive) =>
    [a.name, 'checksums.txt', 'checksums.txt.bundle'].map((n) => ({ name: n, path: path.join(a.dir, n) }))
  const repos = Object.fromEntries(
    archives.map(([name, a]) => [`bench/${name}`, [{ tag: `podman-v${a.version}`, files: files(a) }]]),
  )
  const mirror = await startMirror({ repos })
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown'
  const load = os.loadavg()[0].toFixed(1)
  const gib = Math.round(os.totalmem() / 2 ** 30)
  console.log(`machine: ${os.cpus().length} cores, ${cpu}, ${gib} GiB, node ${process.version}, load ${load}`)
  console.log(`each figure: median of ${RUNS} runs (bare podman run: of ${RUNS * 3}), interleaved, one process`)
  try {
    for (const [name, a] of archives) {
      const b: BenchStack = {
        name,
        tree: name === 'bookworm' ? undefined : (name as TreeName),
        repo: `bench/${name}`,
        version: a.version,
        mirror,
        trustedRoot: JSON.stringify(sigstore.trustedRoot),
        signerIdentity: TEST_SAN.replace(/[.]/g, '\\.'),
      }
      // One stack's failure is printed; the other stacks are still measured.
      await measure(b, mirror.downloadUrl(b.repo, `podman-v${a.version}`, a.name))
        .then(async (f) => {
          printFigures(b, a, f)
          printTrace(await tracedStep(b))
        })
        .catch((err: unknown) => console.log(`  ${name}: ${err instanceof Error ? err.message : String(err)}`))
    }
  } finally {
    await mirror.close()
    await sweepRuntimeDirs()
  }
}

void main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
