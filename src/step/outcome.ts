// What the step reports once podman is installed: the install outputs' values
// (src/step/outputs.ts sets them) and the install as the job summary shows it.
import type { Installed } from '../install/layout.js'
import type { InstallResult } from '../sources/types.js'
import type { WireResult } from '../install/wire.js'
import type { InstallFacts } from '../report/install-phase.js'
import type { InstallOutputs } from './outputs.js'

export interface Outcome {
  /** `owner/repo`, or `the runner's own podman` */
  source: string
  /** source: system installs nothing */
  system: boolean
  variant: string
  libc: string
  arch: string
  result: InstallResult
  installed: Installed
  wired: WireResult
  home: string
}

export const installOutputs = (o: Outcome): InstallOutputs => ({
  podmanVersion: o.result.version,
  variant: o.variant,
  libc: o.libc,
  installDir: o.result.root,
  binDir: o.wired.binDir,
  cacheHit: Boolean(o.result.cacheHit),
  verified: o.result.verified,
})

/** The install's facts for the summary (before the gate: a gate failure still shows them). */
export function installFacts(o: Omit<Outcome, 'wired'> & { wired?: WireResult }): Omit<InstallFacts, 'times'> {
  const r = o.result
  const sig = r.signature?.result
  return {
    source: o.source,
    system: o.system,
    version: r.version,
    variant: o.variant || undefined,
    libc: o.libc || undefined,
    arch: o.arch,
    asset: r.asset,
    verified: r.verified,
    checks: r.checks,
    signer: sig && `${sig.signer} (issuer ${sig.issuer})`,
    unsigned: r.signature?.skipped,
    cacheHit: r.cacheHit,
    installDir: o.system ? undefined : r.root,
    podman: o.installed.podman,
    dropin: o.wired?.dropin,
    home: o.home,
  }
}
