// source: system: nothing is installed; the podman a bare `podman` resolves to on the job's
// PATH is gated and smoke-tested as it is (the seed's "Ubuntu native" row).
import path from 'node:path'
import { lastLine } from '../ports/exec.js'
import { type HostFs, realHostFs } from '../host/fs.js'
import { parsePodman } from '../host/parse.js'
import { pathDirs } from '../host/search.js'
import type { Run } from '../ports/types.js'
import type { Installed } from '../install/layout.js'

export interface SystemPodman {
  /** what a bare `podman` runs: the first executable podman on PATH */
  path: string
  /** with symlinks resolved */
  realPath: string
  version: string
}

export class SystemPodmanError extends Error {}

export async function findSystemPodman(
  run: Run,
  env: NodeJS.ProcessEnv,
  fs: HostFs = realHostFs(),
): Promise<SystemPodman> {
  const dirs = pathDirs(env.PATH)
  for (const dir of dirs) {
    const p = path.join(dir, 'podman')
    const st = await fs.stat(p)
    if (st?.kind !== 'file' || !(await fs.access(p, 'x'))) continue
    const r = await run(p, ['--version'], { env, timeoutMs: 30_000 })
    const version = r.exitCode === 0 ? parsePodman(r.stdout).version : undefined
    if (!version)
      throw new SystemPodmanError(
        `source: system but ${p} does not run: \`podman --version\` ` +
          `${r.exitCode === 0 ? `printed ${JSON.stringify(r.stdout.trim())}` : `failed: ${lastLine(r)}`}.`,
      )
    return { path: p, realPath: (await fs.realpath(p)) ?? p, version }
  }
  throw new SystemPodmanError(
    `source: system but no podman on PATH (searched ${dirs.join(':') || 'an empty PATH'}). Install podman first, ` +
      `or use source: pigfoot.`,
  )
}

/** The host's podman as the gate and smoke suite see an install: nothing bundled. */
export function systemInstalled(p: SystemPodman): Installed {
  const bin = path.dirname(p.path)
  return { root: bin, bin, podman: p.path, helperDirs: [] }
}
