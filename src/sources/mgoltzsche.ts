// The mgoltzsche/podman-static source: tags vX.Y.Z, one asset per arch, a detached OpenPGP
// signature and no checksums file. The signature over the archive, by the pinned key, is the
// integrity check; the API's size (and digest, when it gives one) guard the transfer.
import type { VersionSpec } from '../inputs.js'
import { acquire, resolveVersion } from '../install/acquire.js'
import type { Cache } from '../install/archive-cache.js'
import { type Layout, resolveLayout } from '../install/layout.js'
import { releaseOrigin } from '../install/release-origin.js'
import type { InstallResult, Recipe } from '../install/types.js'
import type { Http, ToolCache } from '../ports/types.js'
import type { Arch } from '../release/assets.js'
import type { ReleaseSource } from '../release/releases.js'
import type { PinnedKey } from '../verify/pgp-key.js'
import type { Installation, Source, SourceContext } from './types.js'
import type { Clock } from '../ports/timings.js'

export interface MgoltzscheRequest extends ReleaseSource {
  /** the step's phase clock */
  clock?: Pick<Clock, 'time'>
  spec: VersionSpec
  checkLatest: boolean
  arch: Arch
  temp: string
  /** RUNNER_TOOL_CACHE, where the signing key is kept */
  toolCache: string
  /** the pinned signing key (source-key-fingerprint) */
  fingerprint: string
  cache?: Cache
  /** default keys.openpgp.org */
  keyserver?: string
}

const MGOLTZSCHE_TOOL = 'podman-mgoltzsche'
const TAG_PREFIX = 'v'
const mgoltzscheAsset = (arch: Arch): string => `podman-linux-${arch}.tar.gz`
const signatureName = (asset: string): string => `${asset}.asc`

const LIB = 'usr/local/lib/podman'
const BIN = 'usr/local/bin'

/**
 * Everything is bundled, like pigfoot's full asset. Its etc/containers is never installed
 * (its storage.conf forces fuse-overlayfs); wire.ts keeps its non-setuid fusermount3 off PATH.
 */
export const MGOLTZSCHE_LAYOUT: Layout = {
  bin: BIN,
  crun: `${BIN}/crun`,
  conmon: `${LIB}/conmon`,
  catatonit: `${LIB}/catatonit`,
  // pasta lives in usr/local/bin: podman looks for it in helper dirs first, then PATH.
  helperDirs: [LIB, BIN],
}

export const mgoltzscheRecipe = (http: Http, req: MgoltzscheRequest): Recipe<PinnedKey> => ({
  tool: MGOLTZSCHE_TOOL,
  arch: req.arch,
  asset: () => mgoltzscheAsset(req.arch),
  top: () => `podman-linux-${req.arch}`,
  // The asset name is the same for every version: the Actions cache key needs the version too.
  cacheName: (version) => `mgoltzsche-v${version}-${mgoltzscheAsset(req.arch)}`,
  verifiedDefault: 'openpgp-signature',
  // Archive, signature and key together; nothing is extracted unless the signature verifies.
  verify: (_resolved, asset) => ({
    files: [signatureName(asset)],
    signed: true,
    // OpenPGP (~0.15 s of CPU to load) only for this source, and only when it downloads.
    prepare: async (signal) => (await import('../verify/pgp-key.js')).pinnedKey(http, req, signal),
    async check(d, key) {
      const checks = d.transfer()
      const { verifyDetached } = await import('../verify/openpgp.js')
      const pgp = await verifyDetached(d.archive.path, d.files[signatureName(d.name)], key.key, req.fingerprint, d.name)
      return {
        verified: ['openpgp-signature', ...checks].join('+'),
        checks: [`openpgp signature by ${pgp.signingKey}`, ...checks],
      }
    },
  }),
})

// Upstream creates every release as a prerelease and promotes it by hand: the tag decides.
const origin = (http: Http, req: MgoltzscheRequest) => releaseOrigin(http, req, req.temp, TAG_PREFIX, 'tag')

export function installMgoltzsche(http: Http, tc: ToolCache, req: MgoltzscheRequest): Promise<InstallResult> {
  const cache = req.cache && { service: req.cache, owner: req.owner, repo: req.repo }
  return acquire(mgoltzscheRecipe(http, req), origin(http, req), { ...req, tc, cache })
}

/** The version `spec` resolves to: no request for an exact version unless check-latest. */
export const resolveMgoltzscheVersion = (http: Http, req: MgoltzscheRequest): Promise<string> =>
  resolveVersion(origin(http, req), req)

export const mgoltzsche: Source = {
  async install(s: SourceContext): Promise<Installation> {
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
      clock: deps.clock,
    })
    const installed = resolveLayout(result.root, MGOLTZSCHE_LAYOUT)
    // The bundle carries what pigfoot's full asset does, and there is no other asset to take from.
    const cacheSaves = result.cacheSave ? [result.cacheSave] : []
    return { result, installed, variant: '', libc: '', gateVariant: 'full', exportPath: true, cacheSaves }
  },
}
