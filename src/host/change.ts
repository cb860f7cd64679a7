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
