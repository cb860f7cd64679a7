// A node process as the runner starts a bundle: a fresh temp dir as its cwd, RUNNER_TEMP and
// HOME, and nothing of this test's environment but PATH (no INPUT_* or runner files leak in).
import { type SpawnSyncReturns, spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export function nodeInTemp(args: string[], env: Record<string, string> = {}): SpawnSyncReturns<string> {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'ssp-node-'))
  return spawnSync(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', RUNNER_TEMP: cwd, HOME: cwd, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  })
}
