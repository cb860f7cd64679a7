// A change the action made to the machine, recorded before it is made so that the post
// step can revert it (newest first) even after a later failure.
export interface SystemChange {
  kind: string
  description: string
  /** argv that reverts it; run with sudo -n when `sudo` is set */
  revert: string[]
  sudo: boolean
  /**
   * recorded (and saved) before its command ran, and not yet seen to succeed: a cancel or a
   * failure may have stopped it before anything changed, so its revert may find nothing to undo
   */
  pending?: true
}

/**
 * Record, then do: `change` is recorded pending before `act` runs (the recorder saves it at
 * once, so a cancel half-way still leaves post its revert), and recorded again without the
 * mark once `act` says it succeeded. A failed act leaves it pending: it may have changed
 * something before failing. No change: there is nothing to record, `act` just runs.
 */
export async function recordThenDo(
  record: (c: SystemChange) => void,
  change: SystemChange | undefined,
  act: () => Promise<boolean>,
): Promise<boolean> {
  if (!change) return act()
  change.pending = true
  record(change)
  if (!(await act())) return false
  delete change.pending
  record(change)
  return true
}
