// Where a piece podman uses came from. The install summary, the smoke report's identity and
// the compatibility matrix all say it; they ask this one function so they cannot disagree.
export type Origin = 'bundled' | 'completed' | 'system' | 'missing'

/** The gate's verdict for one piece, as far as origin needs it (a PieceVerdict, structurally). */
export interface PieceFacts {
  piece: string
  action: string
  found: { path?: string; version?: string }
}

const under = (file: string, root?: string): boolean => Boolean(root && (file === root || file.startsWith(`${root}/`)))

/**
 * `file` is the path podman uses; `piece` the gate's verdict for it; `installRoot` the
 * release's tree (undefined for the runner's own podman). A piece is `completed` only when
 * podman uses the very file the gate completed it with.
 */
export function originOf(file: string | undefined, piece: PieceFacts | undefined, installRoot?: string): Origin {
  if (!file) return 'missing'
  if (piece?.action === 'completed' && piece.found.path === file) return 'completed'
  return under(file, installRoot) ? 'bundled' : 'system'
}
