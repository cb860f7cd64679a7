// Output names and state keys, declared once. Post reads what main saved, typed.
import * as core from '@actions/core'

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
} as const

export interface SavedState {
  /** main got far enough for post to have work (cache save, reverts) */
  started: boolean
  succeeded: boolean
  /** @actions/cache entries to save in post: archives main downloaded and verified */
  cacheSaves: { key: string; paths: string[] }[]
  /** revert `changes` in post (input `cleanup`) */
  cleanup: boolean
  /** system changes, newest last, for post to revert */
  changes: SystemChange[]
}

export interface SystemChange {
  kind: string
  description: string
  /** argv that reverts it; run with sudo -n when `sudo` is set */
  revert: string[]
  sudo: boolean
}

const KEY = 'setup-static-podman'

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
