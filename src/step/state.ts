// What main saves for post, typed: post reads exactly what main wrote.
import { randomBytes } from 'node:crypto'
import * as core from '@actions/core'
import type { SystemChange } from '../host/change.js'

export interface SavedState {
  /** this step run's own id: names what is the job's alone (its drop-in) */
  id: string
  /** main got far enough for post to have work (cache save, reverts) */
  started: boolean
  succeeded: boolean
  /** @actions/cache entries to save in post: archives main downloaded and verified */
  cacheSaves: { key: string; paths: string[] }[]
  /** revert `changes` in post (input `cleanup`) */
  cleanup: boolean
  /** system changes, newest last, for post to revert */
  changes: SystemChange[]
  /** docker-socket: the API service main started, for post to stop */
  dockerService?: { pid: number; socket: string }
}

const KEY = 'setup-static-podman'

export const newStateId = (): string => randomBytes(6).toString('hex')

/** Written to GITHUB_STATE at once: post sees every change recorded up to a cancel or crash. */
export function saveState(s: SavedState): void {
  core.saveState(KEY, JSON.stringify(s))
}

export function loadState(): SavedState | undefined {
  const raw = core.getState(KEY)
  if (!raw) return undefined
  try {
    return JSON.parse(raw) as SavedState
  } catch {
    return undefined
  }
}

/** Changes undone by the step itself (the suite removed its own containers): post skips them. */
export function forget(s: SavedState, done: readonly SystemChange[]): void {
  if (done.length === 0) return
  s.changes.splice(0, s.changes.length, ...s.changes.filter((c) => !done.includes(c)))
  saveState(s)
}
