// The default source, pigfoot/static-rootless-container-tools: podman-v* tags, one asset per
// variant, libc and arch, verified through checksums.txt and its Sigstore bundle.
import * as core from '@actions/core'
import { readFile } from 'node:fs/promises'
import * as host from '../host/index.js'
import { DEFAULT_REPOSITORY, type Libc, parseVersionSpec, type Variant, type VersionSpec } from '../inputs.js'
import { acquire, resolveVersion as resolveOf } from '../install/acquire.js'
import type { Cache } from '../install/archive-cache.js'
import { LAYOUTS, resolveLayout } from '../install/layout.js'
import { releaseOrigin } from '../install/release-origin.js'
import type { InstallResult, Recipe, Resolved, VerifyPlan } from '../install/types.js'
import type { Http, ToolCache } from '../ports/types.js'
import { type Arch, assetName, CHECKSUMS, tagFor } from '../release/assets.js'
import type { ReleaseSource } from '../release/releases.js'
import { expectedSha, parseChecksums } from '../verify/checksums.js'
import {
  checkSignature,
  planSignature,
  type SignatureMode,
  type SignatureOutcome,
} from '../verify/release-signature.js'
import { installForLibc } from './libc.js'
import type { Installation, Source, SourceContext } from './types.js'
import type { Clock } from '../ports/timings.js'

export interface InstallRequest extends ReleaseSource {
  /** the step's phase clock */
  clock?: Pick<Clock, 'time'>
  spec: VersionSpec
  checkLatest: boolean
  variant: Variant
  libc: Libc
  arch: Arch
  temp: string
  verifySignature: SignatureMode
  signerIdentity: RegExp
  signerIssuer: string
  /** parsed trusted_root.json; undefined: the Sigstore root @sigstore/tuf embeds */
  trustedRoot?: unknown
  /** the @actions/cache tier; undefined when `cache: false` */
  cache?: Cache
}

const TAG_PREFIX = 'podman-v'

const toolName = (variant: Variant, libc: Libc): string => `podman-${variant}-${libc}`

export const pigfootRecipe = (req: InstallRequest): Recipe => ({
  tool: toolName(req.variant, req.libc),
  arch: req.arch,
  asset: (version) => assetName({ version, variant: req.variant, libc: req.libc, arch: req.arch }),
  top: tagFor,
  verifiedDefault: 'sha256',
  verify: (resolved, asset) => signedChecksums(req, resolved, asset),
})

/**
 * The Sigstore bundle over checksums.txt (or over the asset itself) is checked first, then the
 * asset against the signed checksums; `verify-signature` decides what a missing bundle means.
 */
function signedChecksums(req: InstallRequest, resolved: Resolved, asset: string): VerifyPlan {
  const repo = `${req.owner}/${req.repo}`
  const plan = planSignature(
    resolved,
    asset,
    req.verifySignature,
    repo === DEFAULT_REPOSITORY.pigfoot ? repo : undefined,
  )
  const policy = { identity: req.signerIdentity, issuer: req.signerIssuer }
  return {
    files: plan.bundle ? [CHECKSUMS, plan.bundle] : [CHECKSUMS],
    // a bundle that is there is verified or the check throws, whatever verify-signature says
    signed: Boolean(plan.bundle),
    async check(d) {
      const signedFile = plan.signs === 'asset' ? d.archive.path : d.files[CHECKSUMS]
      const signature = plan.bundle
        ? await checkSignature(req.verifySignature, d.files[plan.bundle], signedFile, policy, req.trustedRoot)
        : skippedSignature(req.verifySignature, plan.missing)
      const checksums = parseChecksums(await readFile(d.files[CHECKSUMS], 'utf8'))
      const checks = d.transfer(expectedSha(checksums, d.name))
      if (signature.result) checks.unshift(`signature (${plan.signs === 'asset' ? d.name : CHECKSUMS})`)
      return { verified: signature.result ? 'signature+sha256' : 'sha256', checks, signature }
    },
  }
}

function skippedSignature(mode: SignatureMode, missing?: string): SignatureOutcome {
  if (mode === 'auto') core.warning(`No signature to verify: ${missing}. Verifying with sha256 only.`)
  return { skipped: missing }
}

const origin = (http: Http, req: InstallRequest) => releaseOrigin(http, req, req.temp, TAG_PREFIX)

export function installPigfoot(http: Http, tc: ToolCache, req: InstallRequest): Promise<InstallResult> {
  const cache = req.cache && { service: req.cache, owner: req.owner, repo: req.repo }
  return acquire(pigfootRecipe(req), origin(http, req), { ...req, tc, cache })
}

/** The version `spec` resolves to: no request for an exact version unless check-latest. */
const resolveVersion = (http: Http, req: InstallRequest): Promise<string> => resolveOf(origin(http, req), req)

export const pigfoot: Source = {
  async install(s: SourceContext): Promise<Installation> {
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
      installPigfoot(s.http, deps.tc, { ...base, libc, variant: v, spec: sp, clock: deps.clock })
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
  },
}

/** `variant: auto` needs the version first: the smallest variant this host can run it with. */
async function chooseVariant(s: SourceContext, req: InstallRequest): Promise<{ variant: Variant; spec: VersionSpec }> {
  if (s.inputs.variant !== 'auto') return { variant: s.inputs.variant, spec: req.spec }
  const version = await resolveVersion(s.http, req)
  const probe = await host.probeHost({ run: s.deps.run, fs: s.deps.fs }, { env: s.env, user: s.deps.user })
  const choice = host.chooseVariant(probe, version)
  core.info(`variant: auto -> ${choice.reason}`)
  return { variant: choice.variant, spec: parseVersionSpec(version) }
}
