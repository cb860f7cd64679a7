// Every output of the main step, named once and set here only: the install, the gate and the
// smoke step hand over data, and main sets each group when that part of the step is done.
import * as core from '@actions/core'
import type { SmokeReport } from '../smoke/report.js'

export const Outputs = {
  PodmanVersion: 'podman-version',
  Variant: 'variant',
  Libc: 'libc',
  InstallDir: 'install-dir',
  BinDir: 'bin-dir',
  CacheHit: 'cache-hit',
  Verified: 'verified',
  CrunVersion: 'crun-version',
  PastaVersion: 'pasta-version',
  SmokeResult: 'smoke-result',
  SmokeReport: 'smoke-report',
  DockerHost: 'docker-host',
} as const

export interface InstallOutputs {
  podmanVersion: string
  variant: string
  libc: string
  installDir: string
  binDir: string
  cacheHit: boolean
  verified: string
}

export function setInstallOutputs(o: InstallOutputs): void {
  core.setOutput(Outputs.PodmanVersion, o.podmanVersion)
  core.setOutput(Outputs.Variant, o.variant)
  core.setOutput(Outputs.Libc, o.libc)
  core.setOutput(Outputs.InstallDir, o.installDir)
  core.setOutput(Outputs.BinDir, o.binDir)
  core.setOutput(Outputs.CacheHit, o.cacheHit ? 'true' : 'false')
  core.setOutput(Outputs.Verified, o.verified)
}

/** What podman uses after the gate ('' when absent, `unknown` when its version could not be read). */
export function setGateOutputs(o: { crunVersion: string; pastaVersion: string }): void {
  core.setOutput(Outputs.CrunVersion, o.crunVersion)
  core.setOutput(Outputs.PastaVersion, o.pastaVersion)
}

/** undefined: the suite did not run (smoke-tests: none). */
export function setSmokeOutputs(smoke: { report: Pick<SmokeReport, 'result'>; reportPath: string } | undefined): void {
  core.setOutput(Outputs.SmokeResult, smoke?.report.result ?? 'skipped')
  if (smoke) core.setOutput(Outputs.SmokeReport, smoke.reportPath)
}
