// source: system: nothing is installed; the podman a bare `podman` resolves to on the job's
// PATH is gated and smoke-tested as it is (on an Ubuntu runner: the distribution's own podman).
import path from 'node:path'
import { type HostFs, realHostFs } from '../host/fs.js'
import { parsePodman } from '../host/parse.js'
import { pathDirs } from '../host/search.js'
import { onPath } from '../host/which.js'
import type { Installed } from '../install/layout.js'
import { lastLine } from '../ports/exec.js'
import type { Run } from '../ports/types.js'
import type { Installation, InstallResult, Source, SourceContext } from './types.js'

export interface SystemPodman {
  /** what a bare `podman` runs: the first executable podman on PATH */
  path: string
  /** with symlinks resolved */
  realPath: string
  version: string
}

class SystemPodmanError extends Error {}

export async function findSystemPodman(
  run: Run,
  env: NodeJS.ProcessEnv,
  fs: HostFs = realHostFs(),
): Promise<SystemPodman> {
  const [bare] = await onPath(fs, 'podman', env.PATH)
  if (!bare)
    throw new SystemPodmanError(
      `source: system but no podman on PATH (searched ${pathDirs(env.PATH).join(':') || 'an empty PATH'}). ` +
        'Install podman first, or use source: pigfoot.',
    )
  const r = await run(bare.path, ['--version'], { env, timeoutMs: 30_000 })
  const version = r.exitCode === 0 ? parsePodman(r.stdout).version : undefined
  if (!version)
    throw new SystemPodmanError(
      `source: system but ${bare.path} does not run: \`podman --version\` ` +
        `${r.exitCode === 0 ? `printed ${JSON.stringify(r.stdout.trim())}` : `failed: ${lastLine(r)}`}.`,
    )
  return { ...bare, version }
}

/** The host's podman as the gate and smoke suite see an install: nothing bundled. */
export function systemInstalled(p: SystemPodman): Installed {
  const bin = path.dirname(p.path)
  return { root: bin, bin, podman: p.path, helperDirs: [] }
}

export const system: Source = {
  async install(s: SourceContext): Promise<Installation> {
    const sys = await findSystemPodman(s.deps.run, s.env)
    const installed = systemInstalled(sys)
    const result: InstallResult = {
      version: sys.version,
      root: installed.root,
      cacheHit: false,
      verified: 'none (system podman)',
      checks: [],
    }
    return { result, installed, variant: '', libc: '', gateVariant: 'standalone', exportPath: false, cacheSaves: [] }
  },
}
