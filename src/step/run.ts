// The main step: inputs -> install -> wire -> host gate -> smoke -> outputs and summary.
// Only the entry file calls it; every I/O goes through Deps.
import * as cache from '@actions/cache'
import * as core from '@actions/core'
import * as tc from '@actions/tool-cache'
import { readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { type SavedState, saveState } from './state.js'
import { runnerContext, type RunnerContext } from './context.js'
import { errorText, run as realRun } from '../ports/exec.js'
import { gateStep } from '../host/step.js'
import { type Installation, installSource } from '../sources/index.js'
import { type IdentityInput, smokeIdentity } from '../smoke/identity.js'
import * as host from '../host/index.js'
import { podmanInfo, type PodmanInfo } from '../host/info.js'
import { createHttp, type HttpOptions, tokenOriginsFor } from '../ports/http.js'
import { getInputs, InputError, type Inputs } from '../inputs.js'
import type { Cache } from '../install/archive-cache.js'
import { buildDropin, type Wiring, writeDropin } from '../install/dropin.js'
import { handOver, wireUp } from '../install/wire.js'
import { addInstallSummary, setInstallOutputs } from './outcome.js'
import type { Http, Run, ToolCache } from '../ports/types.js'
import type { Installed } from '../install/layout.js'
import type { SmokeReport } from '../smoke/index.js'
import { SMOKE_CHECK_IDS, unknownCheckIds } from '../smoke/index.js'
import { applySmokeVerdict, runSmokeStep } from '../smoke/step.js'
import { Summary } from '../report/summary.js'

export interface Deps {
  run: Run
  tc: ToolCache
  cache: Cache
  makeHttp: (o: HttpOptions) => Http
  env: NodeJS.ProcessEnv
}

export const realDeps = (): Deps => ({ run: realRun, tc, cache, makeHttp: createHttp, env: process.env })

export async function main(deps: Deps = realDeps()): Promise<void> {
  let inputs: Inputs
  let ctx: RunnerContext
  try {
    inputs = getInputs(deps.env)
    const unknown = Array.isArray(inputs.smokeTests) ? unknownCheckIds(inputs.smokeTests) : []
    if (unknown.length)
      throw new InputError(
        'smoke-tests',
        unknown.join(','),
        `auto | none | all | a comma list of ${SMOKE_CHECK_IDS.join(', ')}`,
      )
    ctx = runnerContext(deps.env)
  } catch (err) {
    core.setFailed(errorText(err))
    return
  }
  const state: SavedState = { started: true, succeeded: false, changes: [], cacheSaves: [], cleanup: inputs.cleanup }
  saveState(state)
  const summary = new Summary()
  let smoke: SmokeReport | undefined
  try {
    smoke = await setup(deps, inputs, ctx, summary, state)
    state.succeeded = true
  } catch (err) {
    core.setFailed(errorText(err))
  } finally {
    saveState(state)
    await summary.write().catch((err) => core.warning(`Could not write the job summary: ${errorText(err)}`))
  }
  applySmokeVerdict(smoke, inputs.smokeFailure)
}

async function setup(
  deps: Deps,
  inputs: Inputs,
  ctx: RunnerContext,
  summary: Summary,
  state: SavedState,
): Promise<SmokeReport | undefined> {
  // The job's own environment, before our PATH entry: the gate reports other podmans from it.
  const env = { ...deps.env }
  const http = deps.makeHttp({
    token: inputs.token,
    tokenOrigins: tokenOriginsFor(inputs.apiUrl),
    deadlineMs: inputs.downloadTimeoutSec * 1000,
  })
  const trustedRoot = inputs.trustedRoot ? await readTrustedRoot(inputs.trustedRoot) : undefined
  const inst = await core.group('Install podman', () => installSource({ deps, http, inputs, ctx, env, trustedRoot }))
  state.cacheSaves.push(...inst.cacheSaves)
  const { wired, gate } = await wireAndGate(deps, inputs, ctx, env, inst, state)
  const { result, installed } = inst
  const podmanEnv = { ...env, PATH: inst.exportPath ? `${wired.binDir}:${env.PATH ?? ''}` : env.PATH }
  const info = await core.group('podman info', () => podmanInfo(deps.run, installed.podman, podmanEnv))
  for (const w of host.verifyUsed(info, gate.pieces)) core.warning(w)
  if (inst.exportPath) handOver(wired)
  const outcome = {
    source: sourceLabel(inputs),
    variant: inst.variant,
    libc: inst.libc,
    arch: ctx.arch,
    result,
    installed,
    wired,
    info,
    bundledRoot: inputs.source === 'system' ? undefined : result.root,
    completed: gate.pieces.filter((p) => p.action === 'completed').map((p) => p.piece),
  }
  setInstallOutputs(outcome)
  addInstallSummary(summary, outcome)
  summary.table('Host gate: what podman uses', gate.gateRows).table('Host gate: rootless checks', gate.checkRows)
  core.info(
    `podman ${result.version} (${inputs.source}${inst.variant ? `, ${inst.variant}, ${inst.libc}` : ''}) ready in ${installed.bin}; verified: ${result.verified}`,
  )
  const identity = await smokeIdentity(identityInput(inputs, ctx, inst, info, gate.pieces))
  return runSmokeStep(
    deps.run,
    { podman: installed.podman, env: podmanEnv, info, podmanVersion: result.version },
    inputs,
    ctx.temp,
    summary,
    identity,
  )
}

/** The drop-in first (the gate's probe asks podman what it uses), then the gate rewrites it. */
async function wireAndGate(
  deps: Deps,
  inputs: Inputs,
  ctx: RunnerContext,
  env: NodeJS.ProcessEnv,
  inst: Installation,
  state: SavedState,
) {
  const baseWiring = wiringFor(inst.installed, inputs)
  const wired = await wireUp(inst.installed.bin, baseWiring, env, ctx.home, ctx.temp, inst.exportPath)
  if (inputs.cleanup)
    state.changes.push({
      kind: 'dropin',
      description: `removed ${wired.dropin}`,
      revert: ['rm', '-f', wired.dropin],
      sudo: false,
    })
  const installFull =
    inst.installFull ?? (() => Promise.reject(new Error(`source ${inputs.source} has no full asset to complete from`)))
  const gateInputs = { ...inputs, installMissing: inputs.installMissing && Boolean(inst.installFull) }
  try {
    const gate = await core.group('Host gate', () =>
      gateStep({
        run: deps.run,
        inputs: gateInputs,
        installed: inst.installed,
        variant: inst.gateVariant,
        version: inst.result.version,
        env,
        baseWiring,
        state,
        installFull,
      }),
    )
    await rewire(wired.dropin, gate.wiring)
    return { wired, gate }
  } catch (err) {
    // Half-wired is worse than not wired: the drop-in would steer every later podman.
    await rm(wired.dropin, { force: true })
    throw err
  }
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
    repository: system ? undefined : `${inputs.owner}/${inputs.repo}`,
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

const sourceLabel = (i: Inputs): string => (i.source === 'system' ? "the runner's own podman" : `${i.owner}/${i.repo}`)

async function rewire(dropin: string, wiring: Wiring): Promise<void> {
  await writeDropin(path.dirname(dropin), buildDropin(wiring))
}

async function readTrustedRoot(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown
  } catch (err) {
    throw new InputError('trusted-root', file, `a readable trusted_root.json (${errorText(err)})`)
  }
}

export function wiringFor(installed: Installed, inputs: Pick<Inputs, 'defaultNetwork'>): Wiring {
  return {
    runtimePath: installed.crun,
    conmonPath: installed.conmon,
    initPath: installed.catatonit,
    helperDirs: installed.helperDirs,
    defaultNetwork: inputs.defaultNetwork || undefined,
  }
}
