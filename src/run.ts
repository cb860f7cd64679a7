// The main step: inputs -> install -> wire -> outputs and summary. Only entry files call it.
import * as core from '@actions/core'
import * as cache from '@actions/cache'
import * as tc from '@actions/tool-cache'
import { readFile } from 'node:fs/promises'
import { type SavedState, saveState } from './constants.js'
import { runnerContext, type RunnerContext } from './context.js'
import { errorText, run as realRun } from './exec.js'
import { podmanInfo } from './host/info.js'
import { detectLibc } from './host/libc.js'
import { createHttp, type HttpOptions, tokenOriginsFor } from './http.js'
import { getInputs, InputError, type Inputs } from './inputs.js'
import type { Wiring } from './install/dropin.js'
import { type Installed, LAYOUTS, resolveLayout } from './install/layout.js'
import type { Cache } from './install/archive-cache.js'
import { installPigfoot } from './install/pigfoot.js'
import { wireUp } from './install/wire.js'
import type { Http, Run, ToolCache } from './ports.js'
import { addInstallSummary, setInstallOutputs } from './outcome.js'
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
    ctx = runnerContext(deps.env)
  } catch (err) {
    core.setFailed(errorText(err))
    return
  }
  const state: SavedState = { started: true, succeeded: false, changes: [] }
  saveState(state)
  const summary = new Summary()
  try {
    await setup(deps, inputs, ctx, summary, state)
    state.succeeded = true
  } catch (err) {
    core.setFailed(errorText(err))
  } finally {
    saveState(state)
    await summary.write().catch((err) => core.warning(`Could not write the job summary: ${errorText(err)}`))
  }
}

async function setup(deps: Deps, inputs: Inputs, ctx: RunnerContext, summary: Summary, state: SavedState): Promise<void> {
  const http = deps.makeHttp({ token: inputs.token, tokenOrigins: tokenOriginsFor(inputs.apiUrl), deadlineMs: inputs.downloadTimeoutSec * 1000 })
  const libc = inputs.libc === 'auto' ? await detectLibc(deps.run) : { libc: inputs.libc, reason: 'requested' }
  if (inputs.libc === 'auto') core.info(`libc: ${libc.libc} (${libc.reason})`)
  const trustedRoot = inputs.trustedRoot ? await readTrustedRoot(inputs.trustedRoot) : undefined
  const result = await core.group('Install podman', () =>
    installPigfoot(http, deps.tc, { ...inputs, libc: libc.libc, arch: ctx.arch, temp: ctx.temp, spec: inputs.podmanVersion, trustedRoot, cache: inputs.cache ? deps.cache : undefined }),
  )
  state.cacheSave = result.cacheSave
  const installed = resolveLayout(result.root, LAYOUTS[inputs.variant])
  const wired = await wireUp(installed.bin, wiringFor(installed, inputs), deps.env, ctx.home, ctx.temp)
  const podmanEnv = { ...deps.env, PATH: process.env.PATH }
  const info = await core.group('podman info', () => podmanInfo(deps.run, installed.podman, podmanEnv))
  const outcome = { source: `${inputs.owner}/${inputs.repo}`, variant: inputs.variant, libc: libc.libc, arch: ctx.arch, result, installed, wired, info }
  setInstallOutputs(outcome)
  addInstallSummary(summary, outcome)
  core.info(`podman ${result.version} (${inputs.variant}, ${libc.libc}) ready in ${wired.binDir}; verified: ${result.verified}`)
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
