// What the step reports once podman is installed: the install outputs' values and the
// install summary tables (src/step/outputs.ts sets the outputs).
import type { PodmanInfo } from '../host/info.js'
import { originOf, type PieceFacts } from '../host/origin.js'
import { type Parser, parseConmon, parseCrun } from '../host/parse.js'
import type { Installed } from '../install/layout.js'
import type { InstallResult } from '../sources/types.js'
import type { WireResult } from '../install/wire.js'
import { type Component, componentRows, installRows, type Summary } from '../report/summary.js'
import type { InstallOutputs } from './outputs.js'

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
  /** the host gate's verdict per piece: what it found and what it completed from the full asset */
  pieces: readonly PieceFacts[]
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

export function components(o: Pick<Outcome, 'info' | 'installed' | 'bundledRoot' | 'pieces'>): Component[] {
  const { info } = o
  const origin = (piece: string, file?: string): Component['origin'] =>
    originOf(
      file,
      o.pieces.find((p) => p.piece === piece),
      o.bundledRoot,
    )
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
