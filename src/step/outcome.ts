// What the step reports once podman is installed: outputs and the install summary tables.
import * as core from '@actions/core'
import { Outputs } from './state.js'
import type { PodmanInfo } from '../host/info.js'
import { type Parser, parseConmon, parseCrun } from '../host/parse.js'
import type { Installed } from '../install/layout.js'
import type { InstallResult } from '../sources/pigfoot.js'
import type { WireResult } from '../install/wire.js'
import { type Component, componentRows, installRows, originOf, type Summary } from '../report/summary.js'

export interface Outcome {
  source: string
  variant: string
  libc: string
  arch: string
  result: InstallResult
  installed: Installed
  wired: WireResult
  info: PodmanInfo
  /** where bundled pieces live; undefined for the runner's own podman */
  bundledRoot?: string
  /** pieces the host gate took from the full asset */
  completed: readonly string[]
}

export function setInstallOutputs(o: Outcome): void {
  core.setOutput(Outputs.PodmanVersion, o.result.version)
  core.setOutput(Outputs.Variant, o.variant)
  core.setOutput(Outputs.Libc, o.libc)
  core.setOutput(Outputs.InstallDir, o.result.root)
  core.setOutput(Outputs.BinDir, o.wired.binDir)
  core.setOutput(Outputs.CacheHit, o.result.cacheHit ? 'true' : 'false')
  core.setOutput(Outputs.Verified, o.result.verified)
}

export function verifiedText(r: InstallResult): string {
  if (r.cacheHit) return `${r.verified} when it was downloaded`
  const sig = r.signature?.result
  const signer = sig ? `; signer ${sig.signer}, issuer ${sig.issuer}` : ''
  const skipped = r.signature?.skipped ? `; no signature checked: ${r.signature.skipped}` : ''
  return `${r.verified} (${r.checks.join(', ')}${signer})${skipped}`
}

export function addInstallSummary(summary: Summary, o: Outcome): void {
  const { result } = o
  summary
    .table(
      'Installed',
      installRows({
        ...o,
        version: result.version,
        installDir: result.root,
        cacheHit: String(result.cacheHit),
        verified: verifiedText(result),
        asset: result.asset,
        dropin: o.wired.dropin,
      }),
    )
    .table('Components podman uses', componentRows(components(o)))
}

/** podman info repeats the tool's own --version text; show the version, or the text. */
const versionOf = (parse: Parser, text?: string): string | undefined =>
  text ? (parse(text).version ?? text.split('\n')[0]) : undefined

export function components(o: Pick<Outcome, 'info' | 'installed' | 'bundledRoot' | 'completed'>): Component[] {
  const { info } = o
  const roots = o.bundledRoot ? [o.bundledRoot] : []
  const origin = (piece: string, file?: string): Component['origin'] =>
    file && o.completed.includes(piece) ? 'completed' : originOf(file, roots)
  return [
    { name: 'podman', version: info.version, path: o.installed.podman, origin: origin('podman', o.installed.podman) },
    {
      name: info.ociRuntime.name ?? 'crun',
      version: versionOf(parseCrun, info.ociRuntime.version),
      path: info.ociRuntime.path,
      origin: origin('crun', info.ociRuntime.path),
    },
    {
      name: 'conmon',
      version: versionOf(parseConmon, info.conmon.version),
      path: info.conmon.path,
      origin: origin('conmon', info.conmon.path),
    },
  ]
}
