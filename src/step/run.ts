// The main step: inputs -> install -> wire -> host gate -> smoke -> outputs and summary.
// Only the entry file calls it; every I/O goes through Deps.
import * as core from '@actions/core'
import { readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { SystemChange } from '../host/change.js'
import * as host from '../host/index.js'
import { podmanInfo, type PodmanInfo } from '../host/info.js'
import { getInputs, InputError, type Inputs } from '../inputs.js'
import type { Wiring } from '../install/dropin.js'
import { handOver, type WireResult, wireUp } from '../install/wire.js'
import { errorText } from '../ports/exec.js'
import { tokenPlan } from '../ports/token-origin.js'
import { Summary } from '../report/summary.js'
import { type IdentityInput, smokeIdentity } from '../smoke/identity.js'
import { type Installation, installSource } from '../sources/index.js'
import { runnerContext, type RunnerContext } from './context.js'
import { type Deps, realDeps } from './deps.js'
import { dropinFor, rewire, wiringFor } from './dropin.js'
import { type GateStepResult, gateStep } from './gate.js'
import { installFacts, installOutputs, type Outcome } from './outcome.js'
import { socketPath, startDockerSocket } from './docker-socket.js'
import { Outputs, setGateOutputs, setInstallOutputs, setSmokeOutputs } from './outputs.js'
import { applySmokeVerdict, runSmokeStep, smokeLeftovers, type SmokeStepResult } from './smoke.js'
import { forget, newStateId, type SavedState, saveState } from './state.js'
import { provideConfigs } from './user-configs.js'
import { stopOnCancel } from './cancel.js'
import { type Clock, startClock } from '../ports/timings.js'

export async function main(deps: Deps = realDeps()): Promise<void> {
  let inputs: Inputs
  let ctx: RunnerContext
  try {
    inputs = getInputs(deps.env)
    ctx = runnerContext(deps.env)
  } catch (err) {
    core.setFailed(errorText(err))
    return
  }
  const state: SavedState = {
    id: newStateId(),
    started: true,
    succeeded: false,
    changes: [],
    cacheSaves: [],
    cleanup: inputs.cleanup,
  }
  saveState(state)
  const release = stopOnCancel(state)
  const summary = new Summary()
  const clock = startClock()
  let smoke: SmokeStepResult | undefined
  try {
    smoke = await setup({ deps, inputs, ctx, summary, state, clock })
    state.succeeded = true
  } catch (err) {
    summary.error = errorText(err)
    core.setFailed(summary.error)
  } finally {
    saveState(state)
    // One line npm run bench reads; the job log shows it only with step debug logging.
    core.debug(`timings ${JSON.stringify(clock.times)}`)
    await summary
      .write(clock.times, clock.elapsed())
      .catch((err) => core.warning(`Could not write the job summary: ${errorText(err)}`))
  }
  release()
  applySmokeVerdict(smoke?.report, inputs.smokeFailure)
}

/** One run of the step: what every phase needs, and where it records what it learned. */
interface StepRun {
  deps: Deps
  inputs: Inputs
  ctx: RunnerContext
  summary: Summary
  state: SavedState
  clock: Clock
}

interface Prepared {
  inst: Installation
  wired: WireResult
  gate: GateStepResult
  info: PodmanInfo
  /** the environment podman runs with: the job's, with our bin first when we put it on PATH */
  podmanEnv: NodeJS.ProcessEnv
}

async function setup(s: StepRun): Promise<SmokeStepResult | undefined> {
  const { deps, inputs, ctx } = s
  const p = await prepare(s)
  setInstallOutputs(installOutputs({ ...outcomeOf(inputs, ctx, p.inst), wired: p.wired }))
  const { result, installed } = p.inst
  const build = p.inst.variant ? `, ${p.inst.variant}, ${p.inst.libc}` : ''
  core.info(
    `podman ${result.version} (${inputs.source}${build}) ready in ${installed.bin}; verified: ${result.verified}`,
  )
  const identity = await smokeIdentity(identityInput(inputs, ctx, p.inst, p.info, p.gate.pieces))
  const dockerSocket = inputs.dockerSocket
    ? await startApi(deps, installed.podman, p.podmanEnv, ctx, s.state)
    : undefined
  const podman = {
    podman: installed.podman,
    env: p.podmanEnv,
    info: p.info,
    podmanVersion: result.version,
    otherPodmans: p.gate.otherPodmans,
    dockerSocket,
    runId: s.state.id,
  }
  const leftovers = inputs.cleanup && inputs.smokeTests !== 'none' ? smokeLeftovers(installed.podman, s.state.id) : []
  for (const c of leftovers) recorder(s.state)(c)
  const smoke = await s.clock.time('smoke', () => runSmokeStep(deps.run, podman, inputs, ctx.temp, s.summary, identity))
  forget(s.state, leftovers)
  // The report file gets the step's phase times once the suite's own time is known.
  if (smoke)
    await writeFile(smoke.reportPath, `${JSON.stringify({ ...smoke.report, timings: s.clock.times }, null, 2)}\n`)
  setSmokeOutputs(smoke)
  return smoke
}

/** docker-socket: true: the service outlives this step; state tells post to stop it. */
async function startApi(
  deps: Deps,
  podman: string,
  env: NodeJS.ProcessEnv,
  ctx: RunnerContext,
  state: SavedState,
): Promise<string> {
  const socket = socketPath(env, deps.user.uid)
  const log = path.join(ctx.temp, 'setup-static-podman-api.log')
  const svc = await core.group('Docker-compatible API', () =>
    startDockerSocket(deps.services, podman, env, socket, log),
  )
  state.dockerService = { pid: svc.pid, socket: svc.socket }
  saveState(state)
  core.exportVariable('DOCKER_HOST', svc.host)
  core.setOutput(Outputs.DockerHost, svc.host)
  core.info(`podman system service (pid ${svc.pid}) serves ${svc.host} for the rest of the job; log: ${log}`)
  return socket
}

/** Install, wire, gate, and ask podman what it uses; PATH is handed over only when all that held. */
async function prepare(s: StepRun): Promise<Prepared> {
  const { deps, inputs, ctx } = s
  // The job's own environment, before our PATH entry: the gate reports other podmans from it.
  const env = { ...deps.env }
  const tokens = tokenPlan(inputs, deps.env)
  if (tokens.withheld) core.info(tokens.withheld)
  const http = deps.makeHttp({
    token: tokens.token,
    tokenOrigins: tokens.tokenOrigins,
    deadlineMs: inputs.downloadTimeoutSec * 1000,
  })
  const trustedRoot = inputs.trustedRoot ? await readTrustedRoot(inputs.trustedRoot) : undefined
  const inst = await core.group('Install podman', () =>
    installSource({ deps: { ...deps, clock: s.clock }, http, inputs, ctx, env, trustedRoot }),
  )
  s.state.cacheSaves.push(...inst.cacheSaves)
  s.summary.install = installFacts(outcomeOf(inputs, ctx, inst))
  const { wired, gate, podmanEnv, rewired } = await wireAndGate(s, env, inst)
  setGateOutputs(gate.versions)
  // podman is asked once: again only when the gate changed the drop-in it answered under.
  const info =
    gate.info && !rewired
      ? gate.info
      : await s.clock.time('info', () =>
          core.group('podman info', () => podmanInfo(deps.run, inst.installed.podman, podmanEnv)),
        )
  for (const w of host.verifyUsed(info, gate.pieces)) core.warning(w)
  if (inst.exportPath) handOver(wired)
  return { inst, wired, gate, info, podmanEnv }
}

function outcomeOf(inputs: Inputs, ctx: RunnerContext, inst: Installation): Omit<Outcome, 'wired'> {
  return {
    source: sourceLabel(inputs),
    system: inputs.source === 'system',
    variant: inst.variant,
    libc: inst.libc,
    arch: ctx.arch,
    result: inst.result,
    installed: inst.installed,
    home: ctx.home,
  }
}

/**
 * The drop-in first, with all that the facts alone decide (the gate's probe asks podman what
 * it uses), then the gate rewrites it only when completion or a remedy changed it.
 */
async function wireAndGate(s: StepRun, env: NodeJS.ProcessEnv, inst: Installation) {
  const { deps, inputs, ctx, state, summary } = s
  const session = host.sessionWiring(await host.readFacts(deps.fs, env, deps.user))
  const baseWiring = host.mergeWiring(wiringFor(inst.installed, inputs), session)
  const record = recorder(state)
  const dropin = dropinFor(inputs, ctx, env, record, state.id)
  const wired = await wireUp(inst.installed.bin, baseWiring, dropin, ctx.temp, inst.exportPath)
  const podmanEnv = { ...env, PATH: inst.exportPath ? `${wired.binDir}:${env.PATH ?? ''}` : env.PATH }
  if (summary.install) summary.install.dropin = wired.dropin
  await provideConfigs(inst, inputs, ctx, {
    run: deps.run,
    record: inputs.cleanup ? record : () => undefined,
    id: inputs.cleanup ? state.id : undefined,
  })
  const gateRun = { env, podmanEnv, baseWiring, record, holdId: inputs.cleanup ? state.id : undefined }
  try {
    const gate = await core.group('Host gate', () => s.clock.time('gate', () => runGate(s, inst, gateRun)))
    summary.gate = gate
    const rewired = await rewire(wired, gate.wiring)
    return { wired, gate, podmanEnv, rewired }
  } catch (err) {
    if (err instanceof host.GateError && err.found) summary.gate = err.found
    // Half-wired is worse than not wired: the drop-in would steer every later podman.
    await rm(wired.dropin, { force: true })
    throw err
  }
}

interface GateRun {
  env: NodeJS.ProcessEnv
  podmanEnv: NodeJS.ProcessEnv
  baseWiring: Wiring
  record: (c: SystemChange) => void
  holdId?: string
}

function runGate(s: StepRun, inst: Installation, g: GateRun): Promise<GateStepResult> {
  const { deps, inputs } = s
  const installFull =
    inst.installFull ?? (() => Promise.reject(new Error(`source ${inputs.source} has no full asset to complete from`)))
  return gateStep({
    ports: { run: deps.run, fs: deps.fs },
    user: deps.user,
    inputs: { ...inputs, installMissing: inputs.installMissing && Boolean(inst.installFull) },
    installed: inst.installed,
    variant: inst.gateVariant,
    version: inst.result.version,
    installRoot: inputs.source === 'system' ? undefined : inst.result.root,
    ...g,
    clock: s.clock,
    installFull,
  })
}

/** Each change goes into the state, saved at once (again when a pending change completes). */
const recorder =
  (state: SavedState) =>
  (c: SystemChange): void => {
    if (!state.changes.includes(c)) state.changes.push(c)
    saveState(state)
  }

function identityInput(
  inputs: Inputs,
  ctx: RunnerContext,
  inst: Installation,
  info: PodmanInfo,
  pieces: IdentityInput['pieces'],
): IdentityInput {
  const system = inputs.source === 'system'
  return {
    source: inputs.source,
    repository: inputs.owner ? `${inputs.owner}/${inputs.repo}` : undefined,
    variant: inst.variant || undefined,
    libc: inst.libc || undefined,
    arch: ctx.arch,
    runner: ctx.image,
    installRoot: system ? undefined : inst.result.root,
    podmanPath: inst.installed.podman,
    podmanVersion: inst.result.version,
    info,
    pieces,
  }
}

function sourceLabel(i: Inputs): string {
  if (i.source === 'system') return "the runner's own podman"
  if (i.source === 'archive') return `the local archive ${i.archive}`
  return `${i.owner}/${i.repo}`
}

async function readTrustedRoot(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown
  } catch (err) {
    throw new InputError('trusted-root', file, `a readable trusted_root.json (${errorText(err)})`)
  }
}
