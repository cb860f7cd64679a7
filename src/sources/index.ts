// Where podman comes from: the static release (pigfoot, default), the mgoltzsche bundle,
// or the runner's own (system). Each yields an installed tree and what the gate may do.
import * as core from '@actions/core'
import * as host from '../host/index.js'
import type { Http } from '../ports/types.js'
import { type Inputs, type Libc, parseVersionSpec, type Variant } from '../inputs.js'
import { type Installed, LAYOUTS, resolveLayout } from '../install/layout.js'
import { ignoredInputsWarning, installMgoltzsche, MGOLTZSCHE_LAYOUT } from './mgoltzsche.js'
import { installPigfoot, type InstallRequest, type InstallResult, resolveVersion } from './pigfoot.js'
import { installForLibc } from './libc.js'
import { findSystemPodman, systemInstalled } from './system.js'
import type { RunnerContext } from '../step/context.js'
import type { Deps } from '../step/deps.js'

export interface Installation {
  result: InstallResult
  installed: Installed
  /** the `variant` and `libc` outputs ('' where they do not apply) */
  variant: string
  libc: string
  /** the requirement table the gate applies: what this install bundles */
  gateVariant: Variant
  /** completes missing pieces from the same release's full asset; undefined: nothing to offer */
  installFull?: () => Promise<string>
  /** put bin on PATH (not for the runner's own podman, already there) */
  exportPath: boolean
  cacheSaves: { key: string; paths: string[] }[]
}

export interface SourceContext {
  deps: Deps
  http: Http
  inputs: Inputs
  ctx: RunnerContext
  /** the job's environment before ours */
  env: NodeJS.ProcessEnv
  trustedRoot?: unknown
}

export async function installSource(s: SourceContext): Promise<Installation> {
  const warn = ignoredInputsWarning(s.inputs)
  if (warn) core.warning(warn)
  if (s.inputs.source === 'system') return system(s)
  if (s.inputs.source === 'mgoltzsche') return mgoltzsche(s)
  return pigfoot(s)
}

async function pigfoot(s: SourceContext): Promise<Installation> {
  const { inputs, ctx, deps } = s
  const base: InstallRequest = {
    ...inputs,
    libc: 'static',
    arch: ctx.arch,
    temp: ctx.temp,
    trustedRoot: s.trustedRoot,
    cache: inputs.cache ? deps.cache : undefined,
    variant: 'full',
    spec: inputs.podmanVersion,
  }
  const { variant, spec } = await chooseVariant(s, base)
  const cacheSaves: Installation['cacheSaves'] = []
  const install = (v: Variant, libc: Libc, sp = spec) =>
    installPigfoot(s.http, deps.tc, { ...base, libc, variant: v, spec: sp })
  // The binaries decide between glibc and static, before anything is wired; only the
  // archive kept is saved to the Actions cache.
  const { result, choice } = await installForLibc(deps.run, inputs.libc, (libc) => install(variant, libc))
  if (result.cacheSave) cacheSaves.push(result.cacheSave)
  const installFull = async () => {
    const full = await install('full', choice.libc, parseVersionSpec(result.version))
    if (full.cacheSave) cacheSaves.push(full.cacheSave)
    return full.root
  }
  const installed = resolveLayout(result.root, LAYOUTS[variant])
  return {
    result,
    installed,
    variant,
    libc: choice.libc,
    gateVariant: variant,
    installFull,
    exportPath: true,
    cacheSaves,
  }
}

/** `variant: auto` needs the version first: the smallest variant this host can run it with. */
async function chooseVariant(
  s: SourceContext,
  req: InstallRequest,
): Promise<{ variant: Variant; spec: InstallRequest['spec'] }> {
  if (s.inputs.variant !== 'auto') return { variant: s.inputs.variant, spec: req.spec }
  const version = await resolveVersion(s.http, req)
  const probe = await host.probeHost(host.hostPorts(s.deps.run), { env: s.env, user: host.currentUser() })
  const choice = host.chooseVariant(probe, version)
  core.info(`variant: auto -> ${choice.reason}`)
  return { variant: choice.variant, spec: parseVersionSpec(version) }
}

async function mgoltzsche(s: SourceContext): Promise<Installation> {
  const { inputs, ctx, deps } = s
  const result = await installMgoltzsche(s.http, deps.tc, {
    apiUrl: inputs.apiUrl,
    owner: inputs.owner,
    repo: inputs.repo,
    spec: inputs.podmanVersion,
    checkLatest: inputs.checkLatest,
    arch: ctx.arch,
    temp: ctx.temp,
    toolCache: ctx.toolCache,
    fingerprint: inputs.sourceKeyFingerprint,
    cache: inputs.cache ? deps.cache : undefined,
  })
  const installed = resolveLayout(result.root, MGOLTZSCHE_LAYOUT)
  // The bundle carries what pigfoot's full asset does, and there is no other asset to take from.
  return {
    result,
    installed,
    variant: '',
    libc: '',
    gateVariant: 'full',
    exportPath: true,
    cacheSaves: result.cacheSave ? [result.cacheSave] : [],
  }
}

async function system(s: SourceContext): Promise<Installation> {
  const sys = await findSystemPodman(s.deps.run, s.env)
  const installed = systemInstalled(sys)
  const result: InstallResult = {
    version: sys.version,
    root: installed.root,
    cacheHit: false,
    verified: 'none (system podman)',
    checks: [],
  }
  return { result, installed, variant: '', libc: '', gateVariant: 'standalone', exportPath: false, cacheSaves: [] }
}
