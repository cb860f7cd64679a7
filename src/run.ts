// The main step: inputs -> install -> wire -> outputs and summary. Only entry files call it.
import * as core from '@actions/core'
import * as tc from '@actions/tool-cache'
import { Outputs, type SavedState, saveState } from './constants.js'
import { runnerContext, type RunnerContext } from './context.js'
import { errorText, run as realRun } from './exec.js'
import { podmanInfo, type PodmanInfo } from './host/info.js'
import { detectLibc } from './host/libc.js'
import { createHttp, type HttpOptions, tokenOriginsFor } from './http.js'
import { getInputs, type Inputs } from './inputs.js'
import type { Wiring } from './install/dropin.js'
import { LAYOUTS, type Installed, resolveLayout } from './install/layout.js'
import { installPigfoot } from './install/pigfoot.js'
import { wireUp } from './install/wire.js'
import type { Http, Run, ToolCache } from './ports.js'
import { type Component, componentRows, installRows, originOf, Summary } from './summary.js'

export interface Deps {
  run: Run
  tc: ToolCache
  makeHttp: (o: HttpOptions) => Http
  env: NodeJS.ProcessEnv
}

export const realDeps = (): Deps => ({ run: realRun, tc, makeHttp: createHttp, env: process.env })

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
    await setup(deps, inputs, ctx, summary)
    state.succeeded = true
  } catch (err) {
    core.setFailed(errorText(err))
  } finally {
    saveState(state)
    await summary.write().catch((err) => core.warning(`Could not write the job summary: ${errorText(err)}`))
  }
}

async function setup(deps: Deps, inputs: Inputs, ctx: RunnerContext, summary: Summary): Promise<void> {
  const http = deps.makeHttp({ token: inputs.token, tokenOrigins: tokenOriginsFor(inputs.apiUrl) })
  const libc = inputs.libc === 'auto' ? await detectLibc(deps.run) : { libc: inputs.libc, reason: 'requested' }
  if (inputs.libc === 'auto') core.info(`libc: ${libc.libc} (${libc.reason})`)
  const result = await core.group('Install podman', () =>
    installPigfoot(http, deps.tc, { ...inputs, libc: libc.libc, arch: ctx.arch, temp: ctx.temp, spec: inputs.podmanVersion }),
  )
  const installed = resolveLayout(result.root, LAYOUTS[inputs.variant])
  const wired = await wireUp(installed.bin, wiringFor(installed, inputs), deps.env, ctx.home, ctx.temp)
  const info = await core.group('podman info', () => podmanInfo(deps.run, installed.podman, { ...deps.env, PATH: process.env.PATH }))
  const verified = result.cacheHit ? `${result.verified} when it was downloaded` : `${result.verified} (${result.checks.join(', ')})`
  core.setOutput(Outputs.PodmanVersion, result.version)
  core.setOutput(Outputs.Variant, inputs.variant)
  core.setOutput(Outputs.Libc, libc.libc)
  core.setOutput(Outputs.InstallDir, result.root)
  core.setOutput(Outputs.BinDir, wired.binDir)
  core.setOutput(Outputs.CacheHit, result.cacheHit ? 'true' : 'false')
  core.setOutput(Outputs.Verified, result.verified)
  core.info(`podman ${result.version} (${inputs.variant}, ${inputs.libc}) ready in ${wired.binDir}`)
  summary
    .table('Installed', installRows({ ...inputs, libc: libc.libc, source: `${inputs.owner}/${inputs.repo}`, version: result.version, arch: ctx.arch, installDir: result.root, cacheHit: String(result.cacheHit), verified, asset: result.asset, dropin: wired.dropin }))
    .table('Components podman uses', componentRows(components(installed, info)))
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

function components(installed: Installed, info: PodmanInfo): Component[] {
  const roots = [installed.root]
  return [
    { name: 'podman', version: info.version, path: installed.podman, origin: 'bundled' },
    { name: info.ociRuntime.name ?? 'crun', version: info.ociRuntime.version?.split('\n')[0], path: info.ociRuntime.path, origin: originOf(info.ociRuntime.path, roots) },
    { name: 'conmon', version: info.conmon.version, path: info.conmon.path, origin: originOf(info.conmon.path, roots) },
  ]
}
