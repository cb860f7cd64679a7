// What the runner tells us about where we run: arch, OS, hosted or not, temp dirs.
import os from 'node:os'
import type { Arch } from '../release/assets.js'

export interface RunnerContext {
  arch: Arch
  hosted: boolean
  temp: string
  toolCache: string
  home: string
  /** runner image name and version when GitHub sets them (ImageOS / ImageVersion) */
  image: string
}

class PlatformError extends Error {}

const ARCHES: Record<string, Arch> = { X64: 'amd64', ARM64: 'arm64', x64: 'amd64', arm64: 'arm64' }

export function runnerContext(env: NodeJS.ProcessEnv = process.env, platform = process.platform): RunnerContext {
  if (platform !== 'linux') {
    throw new PlatformError(`setup-static-podman runs on Linux runners only; this runner is ${platform}.`)
  }
  const raw = env.RUNNER_ARCH || process.arch
  const arch = ARCHES[raw]
  if (!arch) throw new PlatformError(`Unsupported runner architecture '${raw}'. Supported: X64 (amd64), ARM64 (arm64).`)
  return {
    arch,
    hosted: env.RUNNER_ENVIRONMENT === 'github-hosted',
    temp: env.RUNNER_TEMP || os.tmpdir(),
    toolCache: env.RUNNER_TOOL_CACHE || os.tmpdir(),
    home: env.HOME || os.homedir(),
    image: [env.ImageOS, env.ImageVersion].filter(Boolean).join(' ') || 'self-hosted',
  }
}
