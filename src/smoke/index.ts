// The smoke suite: network and runtime checks on real containers, no registry, every outcome explained.
// runSmokeSuite never throws for a failing check; it throws only when it cannot write the report.
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { errorText, lastLine } from '../ports/exec.js'
import type { PodmanInfo } from '../host/info.js'
import type { Run } from '../ports/types.js'
import { imageExistsArgv, isFullyQualified, type ProbeRuntime, pullArgv } from './argv.js'
import type { Selection } from '../inputs.js'
import { capabilities, type Forced, plan, SMOKE_CHECKS } from './plan.js'
import { type Facts, PROBE_SCRIPT } from './probe.js'
import { type CheckReport, type SmokeReport, suiteResult } from './report.js'
import { jsonLine } from './output.js'
import type { Runnable, Suite } from './runner.js'
import { reportBase, runAll } from './schedule.js'
import { RUNTIME_CHECKS } from './runtime/index.js'
import { type InjectedPorts, runtimePorts } from './runtime/suite.js'
import { makeWorkspace, type Workspace } from './workspace.js'

export type { CheckReport, SmokeReport } from './report.js'

export interface SmokeOptions {
  /** absolute path of the podman to test */
  podman: string
  /** environment for podman (PATH etc.) */
  env: NodeJS.ProcessEnv
  info: PodmanInfo
  podmanVersion: string
  select: Selection
  /** `host` (empty rootfs over the host's /usr) or a fully qualified image with `node` on its PATH */
  image: string
  timeoutSec: number
  reportPath: string
  /** the probe's Node inside host-mode containers; default: the action's own (process.execPath) */
  nodePath?: string
  /** `skip` turns the internet checks off; `auto` decides from local configuration */
  internet?: 'auto' | 'skip'
  /** the default-network input, when the drop-in set one: what the default check expects */
  defaultNetwork?: string
  /** scratch space (RUNNER_TEMP on a runner); default os.tmpdir() */
  workDir?: string
  /** checks running at once; default CONCURRENCY */
  concurrency?: number
  /** other podman binaries (the host gate found them on the job's PATH), for podman-coexist */
  otherPodmans?: readonly string[]
  /** docker-socket: true: the job's API socket; docker-api uses it and blocks */
  dockerSocket?: string
  /** unit tests: runtime ports scripted as data */
  inject?: InjectedPorts
  /** labels and names everything the suite creates; the step passes its state id so post can find leftovers */
  runId?: string
}

class SmokeSetupError extends Error {}

/**
 * Checks at once. Most of a check's time is podman's own CPU (about 0.3 s a call here), the rest
 * waits (container start-up, transfers): on 2 cores, 4 keeps both busy; more only queues.
 */
const CONCURRENCY = 4

const EMPTY_FACTS: Facts = { interfaces: [], gw4: [], gw6: [], hosts: [], nameservers: [] }

/** The host's own network view, read by the same probe under the same Node (no container). */
async function hostFacts(run: Run, node: string, env: NodeJS.ProcessEnv): Promise<Facts> {
  const r = await run(node, ['-e', PROBE_SCRIPT, JSON.stringify({ mode: 'facts' })], { env, timeoutMs: 30_000 })
  return jsonLine<Facts>(r.stdout) ?? EMPTY_FACTS
}

async function prepareImage(run: Run, opts: SmokeOptions): Promise<string | undefined> {
  if (opts.image === 'host') return undefined
  if (!isFullyQualified(opts.image))
    return `smoke-image ${opts.image} is not fully qualified (e.g. docker.io/library/node:22-alpine)`
  // Already in local storage (built or pulled by an earlier step): no registry round trip.
  if ((await run(opts.podman, imageExistsArgv(opts.image), { env: opts.env, timeoutMs: 30_000 })).exitCode === 0)
    return undefined
  const r = await run(opts.podman, pullArgv(opts.image), {
    env: opts.env,
    timeoutMs: Math.max(120, opts.timeoutSec * 5) * 1000,
  })
  return r.exitCode === 0 ? undefined : `pulling ${opts.image} failed: ${r.timedOut ? 'timed out' : lastLine(r)}`
}

function runtimeFor(opts: SmokeOptions, ws: Workspace): (id: string) => Promise<ProbeRuntime> {
  const roots = new Map<string, Promise<string>>()
  return async (id) => {
    if (opts.image !== 'host') return { kind: 'image', image: opts.image }
    const rootfs = roots.get(id) ?? ws.rootfs(id)
    roots.set(id, rootfs)
    return { kind: 'host', rootfs: await rootfs, nodePath: opts.nodePath ?? process.execPath }
  }
}

/** The image could not be pulled: every check that would have run fails with that reason. */
const failAll = (runnables: Runnable[], reason: string): CheckReport[] =>
  runnables.map((r) => {
    const { fix: _tableFix, ...base } = reportBase(r)
    return { ...base, status: r.skip ? 'skipped' : 'failed', reason: r.skip ?? reason, durationMs: 0, details: {} }
  })

/** The reports in the plan's order. */
const order = (plan: Runnable[], reports: CheckReport[]): CheckReport[] =>
  plan.map((r) => reports.find((c) => c.id === r.id) as CheckReport)

type Caps = ReturnType<typeof capabilities>

/** What every check gets, less what the host's facts decide; `dispose` removes the base image and scratch dirs. */
function suiteFor(run: Run, opts: SmokeOptions, ws: Workspace) {
  const runId = opts.runId ?? randomBytes(3).toString('hex')
  const node = opts.nodePath ?? process.execPath
  const cgroup = { version: opts.info.cgroupVersion, rootless: opts.info.rootless }
  const rt = runtimePorts({ ...opts, run, runId, node, dir: ws.dir, store: opts.info.store, cgroup })
  const suite: Omit<Suite, 'caps' | 'hostFacts' | 'planned'> = {
    run,
    podman: opts.podman,
    env: opts.env,
    runId,
    timeoutMs: opts.timeoutSec * 1000,
    runtime: runtimeFor(opts, ws),
    write: (rel, content) => ws.write(rel, content),
    rt: rt.ports,
    memo: new Map(),
  }
  return { suite, takeBase: rt.takeBase, dispose: rt.dispose }
}

/** Whether the selection can include a runtime check (they all run in the base image). */
const runtimeWanted = (select: Selection): boolean =>
  Array.isArray(select) ? RUNTIME_CHECKS.some((c) => select.includes(c.id)) : select !== 'none'

/** A failed pull fails what needed that image; the runtime checks use their own base image. */
async function runPlanned(
  suite: Suite,
  runnables: Runnable[],
  pullError: string | undefined,
  concurrency: number,
  base: () => string[],
) {
  if (!pullError) return runAll(suite, runnables, concurrency, base)
  const [own, probed] = [runnables.filter((r) => r.baseImage), runnables.filter((r) => !r.baseImage)]
  return order(runnables, [...failAll(probed, pullError), ...(await runAll(suite, own, concurrency, base))])
}

const smokeReport = (opts: SmokeOptions, caps: Caps, checks: CheckReport[], started: number): SmokeReport => ({
  version: 1,
  result: suiteResult(checks),
  podmanVersion: opts.podmanVersion,
  image: opts.image,
  defaultNetwork: {
    expected: caps.defaultKind.kind,
    why: caps.defaultKind.why,
    observed: checks.find((c) => c.id === 'default-network')?.details.kind as string | undefined,
  },
  internet: { ipv4: caps.internet4.reason, ipv6: caps.internet6.reason },
  startedAt: new Date(started).toISOString(),
  wallMs: Date.now() - started,
  checksMs: checks.reduce((n, c) => n + c.durationMs, 0),
  checks,
})

export async function runSmokeSuite(run: Run, opts: SmokeOptions): Promise<SmokeReport> {
  const started = Date.now()
  const ws = await makeWorkspace(opts.workDir ?? tmpdir())
  let checks: CheckReport[]
  let caps: Caps
  let dispose: (() => Promise<void>) | undefined
  try {
    const prepared = suiteFor(run, opts, ws)
    dispose = prepared.dispose
    // The base image is imported while the host's facts are read: the runtime checks start at once.
    if (runtimeWanted(opts.select)) prepared.suite.rt.baseImage().catch(() => undefined)
    const facts = await hostFacts(run, opts.nodePath ?? process.execPath, opts.env)
    caps = capabilities({ ...opts, hostFacts: facts, internet: opts.internet ?? 'auto' })
    const forced: Forced = opts.dockerSocket ? { 'docker-api': 'docker-socket: true' } : {}
    const runnables = plan(SMOKE_CHECKS, caps, opts.select, forced)
    const pullError = runnables.some((r) => !r.skip) ? await prepareImage(run, opts) : undefined
    const planned = new Set(runnables.filter((r) => !r.skip && !(pullError && !r.baseImage)).map((r) => r.id))
    const suite: Suite = { ...prepared.suite, caps, hostFacts: facts, planned }
    checks = await runPlanned(suite, runnables, pullError, opts.concurrency ?? CONCURRENCY, prepared.takeBase)
  } finally {
    await dispose?.().catch(() => undefined)
    await ws.remove().catch(() => undefined)
  }
  const report = smokeReport(opts, caps, checks, started)
  await writeFile(opts.reportPath, `${JSON.stringify(report, null, 2)}\n`).catch((err) => {
    throw new SmokeSetupError(`Could not write the smoke report to ${opts.reportPath}: ${errorText(err)}`)
  })
  return report
}
