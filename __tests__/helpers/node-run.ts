// A node process as the runner starts a bundle: a fresh temp dir as its cwd, RUNNER_TEMP and
// HOME, and nothing of this test's environment but PATH (no INPUT_* or runner files leak in).
import { execFile, type SpawnSyncReturns, spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

function inTemp(env: Record<string, string>) {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'ssp-node-'))
  return {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', RUNNER_TEMP: cwd, HOME: cwd, ...env },
    encoding: 'utf8' as const,
    timeout: 60_000,
  }
}

export function nodeInTemp(args: string[], env: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, args, inTemp(env))
}

/** The same, while this process goes on serving what the child talks to (a proxy). */
export function nodeInTempAsync(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, inTemp(env), (_err, stdout, stderr) => resolve({ stdout, stderr }))
  })
}
