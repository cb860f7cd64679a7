// The main step: inputs -> install -> wire -> host gate -> smoke -> outputs and summary.
// Only the entry file calls it; every I/O goes through Deps.
import * as cache from '@actions/cache'
import * as core from '@actions/core'
import * as tc from '@actions/tool-cache'
import { readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { type SavedState, saveState } from './constants.js'
import { runnerContext, type RunnerContext } from './context.js'
import { errorText, run as realRun } from './exec.js'
import { gateStep } from './gate-step.js'
import * as host from './host/index.js'
import { podmanInfo } from './host/info.js'
import { detectLibc } from './host/libc.js'
import { createHttp, type HttpOptions, tokenOriginsFor } from './http.js'
import { getInputs, InputError, type Inputs, parseVersionSpec, type Variant } from './inputs.js'
import type { Cache } from './install/archive-cache.js'
import { buildDropin, type Wiring, writeDropin } from './install/dropin.js'
import { type Installed, LAYOUTS, resolveLayout } from './install/layout.js'
import { installPigfoot, type InstallRequest, resolveVersion } from './install/pigfoot.js'
import { handOver, wireUp } from './install/wire.js'
import { addInstallSummary, setInstallOutputs } from './outcome.js'
import type { Http, Run, ToolCache } from './ports.js'
import type { SmokeReport } from './smoke/index.js'
import { SMOKE_CHECK_IDS, unknownCheckIds } from './smoke/index.js'
import { applySmokeVerdict, runSmokeStep } from './smoke/step.js'
import { Summary } from './summary.js'

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
    if (unknown.length) throw new InputError('smoke-tests', unknown.join(','), `auto | none | all | a comma list of ${SMOKE_CHECK_IDS.join(', ')}`)
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

async function setup(deps: Deps, inputs: Inputs, ctx: RunnerContext, summary: Summary, state: SavedState): Promise<SmokeReport | undefined> {
  // The job's own environment, before our PATH entry: the gate reports other podmans from it.
  const env = { ...deps.env }
  const http = deps.makeHttp({ token: inputs.token, tokenOrigins: tokenOriginsFor(inputs.apiUrl), deadlineMs: inputs.downloadTimeoutSec * 1000 })
  const libc = inputs.libc === 'auto' ? await detectLibc(deps.run) : { libc: inputs.libc, reason: 'requested' }
  if (inputs.libc === 'auto') core.info(`libc: ${libc.libc} (${libc.reason})`)
  const trustedRoot = inputs.trustedRoot ? await readTrustedRoot(inputs.trustedRoot) : undefined
  const base = { ...inputs, libc: libc.libc, arch: ctx.arch, temp: ctx.temp, trustedRoot, cache: inputs.cache ? deps.cache : undefined }
  const { variant, spec } = await chooseTarget(deps, http, { ...base, variant: 'full', spec: inputs.podmanVersion }, inputs.variant, env)
  const install = async (v: Variant, s = spec) => {
    const r = await installPigfoot(http, deps.tc, { ...base, variant: v, spec: s })
    if (r.cacheSave) state.cacheSaves.push(r.cacheSave)
    return r
  }
  const result = await core.group('Install podman', () => install(variant))
  const installed = resolveLayout(result.root, LAYOUTS[variant])
  const baseWiring = wiringFor(installed, inputs)
  const wired = await wireUp(installed.bin, baseWiring, env, ctx.home, ctx.temp)
  if (inputs.cleanup) state.changes.push({ kind: 'dropin', description: `removed ${wired.dropin}`, revert: ['rm', '-f', wired.dropin], sudo: false })
  const gate = await core
    .group('Host gate', () =>
      gateStep({ run: deps.run, inputs, installed, variant, version: result.version, env, baseWiring, state, installFull: async () => (await install('full', parseVersionSpec(result.version))).root }),
    )
    .catch(async (err: unknown) => {
      // Half-wired is worse than not wired: the drop-in would steer every later podman.
      await rm(wired.dropin, { force: true })
      throw err
    })
  await rewire(wired.dropin, gate.wiring)
  const podmanEnv = { ...env, PATH: `${wired.binDir}:${env.PATH ?? ''}` }
  const info = await core.group('podman info', () => podmanInfo(deps.run, installed.podman, podmanEnv))
  handOver(wired)
  for (const w of host.verifyUsed(info, gate.pieces)) core.warning(w)
  const outcome = { source: `${inputs.owner}/${inputs.repo}`, variant, libc: libc.libc, arch: ctx.arch, result, installed, wired, info }
  setInstallOutputs(outcome)
  addInstallSummary(summary, outcome)
  summary.table('Host gate: what podman uses', gate.gateRows).table('Host gate: rootless checks', gate.checkRows)
  core.info(`podman ${result.version} (${variant}, ${libc.libc}) ready in ${wired.binDir}; verified: ${result.verified}`)
  return runSmokeStep(deps.run, { podman: installed.podman, env: podmanEnv, info, podmanVersion: result.version }, inputs, ctx.temp, summary)
}

/** `variant: auto` needs the version first: the smallest variant this host can run it with. */
async function chooseTarget(deps: Deps, http: Http, req: InstallRequest, wanted: Inputs['variant'], env: NodeJS.ProcessEnv): Promise<{ variant: Variant; spec: InstallRequest['spec'] }> {
  if (wanted !== 'auto') return { variant: wanted, spec: req.spec }
  const version = await resolveVersion(http, req)
  const probe = await host.probeHost(host.hostPorts(deps.run), { env, user: host.currentUser() })
  const choice = host.chooseVariant(probe, version)
  core.info(`variant: auto -> ${choice.reason}`)
  return { variant: choice.variant, spec: parseVersionSpec(version) }
}

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
