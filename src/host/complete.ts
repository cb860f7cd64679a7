// Completion: once the main step (src/step/gate.ts) installed the release's `full` asset
// beside the main install, take from it exactly the pieces the plan asked for, and only where
// the asset's piece does better than the host's. The result is wiring for the drop-in.
import path from 'node:path'
import type { Wiring } from '../install/dropin.js'
import type { Installed } from '../install/layout.js'
import { better, evaluateLines, type LineVerdict, worst } from './evaluate.js'
import { actionable, type GatePlan, lineText, type PieceVerdict } from './gate.js'
import type { PodmanInfo } from './info.js'
import { pastaLabel } from './parse.js'
import type { Found } from './found.js'
import { type HostPorts, probePiece } from './probe.js'
import { locate } from './which.js'
import type { Piece } from './search.js'

export interface AssetPieces {
  installed: Installed
  pieces: Partial<Record<Piece, Found>>
}

/** Where the full asset keeps each completable piece. */
function assetPaths(i: Installed): Partial<Record<Piece, string>> {
  const lib = i.conmon ? path.dirname(i.conmon) : path.join(i.root, 'usr/local/lib/podman')
  return {
    crun: i.crun,
    conmon: i.conmon,
    catatonit: i.catatonit,
    netavark: path.join(lib, 'netavark'),
    'aardvark-dns': path.join(lib, 'aardvark-dns'),
    pasta: path.join(i.bin, 'pasta'),
  }
}

/**
 * Versions of the full asset's pieces (the ones the plan wants), read by running them; a piece
 * the host probe already read at the same path (podman was wired to the asset) is not run again.
 */
export async function probeAsset(
  ports: HostPorts,
  installed: Installed,
  wanted: readonly Piece[],
  probed: Partial<Record<Piece, Found>> = {},
): Promise<AssetPieces> {
  const paths = assetPaths(installed)
  // The action unpacked this tree: no package owns anything in it.
  const roots = [installed.root]
  const found = await Promise.all(
    wanted.map(async (p) => {
      const at = paths[p] && (await locate(ports.fs, [paths[p]]))
      if (at && probed[p]?.path === at) return [p, probed[p]] as const
      return [p, at ? await probePiece(ports, p, at, { roots }) : {}] as const
    }),
  )
  return { installed, pieces: Object.fromEntries(found) }
}

type WiringAdditions = Pick<Wiring, 'runtimePath' | 'conmonPath' | 'initPath' | 'helperDirs'>

function wire(add: WiringAdditions, piece: Piece, f: Found): void {
  const dir = path.dirname(f.path as string)
  if (piece === 'crun') add.runtimePath = f.path
  else if (piece === 'conmon') add.conmonPath = f.path
  else if (piece === 'catatonit') add.initPath = f.path
  // netavark, aardvark-dns and pasta are found only through helper_binaries_dir.
  else if (!add.helperDirs.includes(dir)) add.helperDirs.push(dir)
}

export interface Completion {
  pieces: PieceVerdict[]
  wiring: WiringAdditions
  failures: string[]
  warnings: string[]
  notes: string[]
}

function take(p: PieceVerdict, f: Found | undefined, unavailable: string | undefined): PieceVerdict {
  if (!f?.path)
    return {
      ...p,
      action: p.status === 'fail' ? 'fail' : 'warn',
      actionText: `not completed: ${unavailable ?? `the full asset has no ${p.piece}`}`,
    }
  const lines = evaluateLines(
    p.lines.map((l) => l.req),
    f,
  )
  const status = worst(lines.map((l) => l.status))
  if (better(status, p.status)) {
    const was = p.found.path ? `${p.found.version ?? 'version unknown'} at ${p.found.path}` : 'missing'
    return {
      ...p,
      found: f,
      lines,
      status,
      action: 'completed',
      actionText: `completed from the full asset (host: ${was})`,
    }
  }
  const theirs = f.version ? (p.piece === 'pasta' ? pastaLabel(f.version) : f.version) : 'version unknown'
  return {
    ...p,
    action: p.status === 'fail' ? 'fail' : 'warn',
    actionText: `kept: the full asset's ${p.piece} (${theirs}) does no better`,
  }
}

/**
 * The final verdicts and the wiring to add. `asset` is undefined when the full asset could
 * not be installed (`unavailable` says why): planned completions then fail or warn.
 */
export function applyCompletion(plan: GatePlan, asset: AssetPieces | undefined, unavailable?: string): Completion {
  const wiring: WiringAdditions = { helperDirs: [] }
  const pieces = plan.pieces.map((p) =>
    p.action === 'complete'
      ? take(p, asset?.pieces[p.piece], asset ? undefined : (unavailable ?? 'the full asset was not installed'))
      : p,
  )
  for (const p of pieces) if (p.action === 'completed') wire(wiring, p.piece, p.found)
  const redone = pieces.filter((_, n) => plan.pieces[n].action === 'complete')
  const bad = (keep: (l: LineVerdict) => boolean) =>
    redone.flatMap((p) => p.lines.filter(keep).map((l) => lineText(p.piece, l)))
  return {
    pieces,
    wiring,
    failures: [...plan.failures, ...bad((l) => l.status === 'fail')],
    warnings: [...plan.warnings, ...bad((l) => l.status === 'warn' && actionable(l))],
    notes: [...plan.notes, ...bad((l) => l.status === 'warn' && !actionable(l))],
  }
}

/** The drop-in's wiring: the main install's, then completion and remedy additions. */
export function mergeWiring(base: Wiring, ...adds: Partial<Wiring>[]): Wiring {
  const out: Wiring = { ...base, helperDirs: [...base.helperDirs] }
  for (const a of adds) {
    for (const k of ['runtimePath', 'conmonPath', 'initPath', 'defaultNetwork'] as const) if (a[k]) out[k] = a[k]
    for (const d of a.helperDirs ?? []) if (!out.helperDirs.includes(d)) out.helperDirs.push(d)
    if (a.noSystemd) out.noSystemd = true
  }
  return out
}

/** What podman will use after the gate: the `crun-version` and `pasta-version` outputs. */
export function gateOutputs(pieces: readonly PieceVerdict[]): { crunVersion: string; pastaVersion: string } {
  const f = (p: Piece) => pieces.find((x) => x.piece === p)?.found ?? {}
  const crun = f('crun')
  const pasta = f('pasta')
  return {
    crunVersion: crun.version ?? (crun.path ? 'unknown' : ''),
    pastaVersion: pasta.version ? pastaLabel(pasta.version) : pasta.path ? 'unknown' : '',
  }
}

/** After the final drop-in: does `podman info` report the pieces the gate decided on? */
export function verifyUsed(info: PodmanInfo, pieces: readonly PieceVerdict[]): string[] {
  const used: Partial<Record<Piece, string | undefined>> = {
    crun: info.ociRuntime.path,
    conmon: info.conmon.path,
    pasta: info.pasta.path,
    netavark: info.netavark.path,
    'aardvark-dns': info.aardvarkDns.path,
  }
  return pieces
    .filter((p) => p.action === 'completed' && used[p.piece] && used[p.piece] !== p.found.path)
    .map(
      (p) =>
        `${p.piece}: podman uses ${used[p.piece]}, not the completed ${p.found.path} (a containers.conf override?)`,
    )
}
