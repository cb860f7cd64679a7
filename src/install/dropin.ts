// The containers.conf drop-in that makes every later `podman` of the job use exactly what
// was installed: PATH is never consulted for the OCI runtime, conmon or netavark.
import { mkdir, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'

export interface Wiring {
  runtimePath?: string
  conmonPath?: string
  initPath?: string
  /** our dirs first; the system defaults are appended */
  helperDirs: string[]
  /**
   * `netns` for every container (the default-network input): host, pasta:-4 or slirp4netns
   * sidestep pasta's known IPv6 and hang problems
   */
  defaultNetwork?: string
  /** no user D-Bus: cgroupfs and the file events logger */
  noSystemd?: boolean
}

/** The name a kept drop-in (cleanup: false) has: the next job's replaces it, none pile up. */
export const DROPIN_NAME = '99-setup-static-podman.conf'

/**
 * The name of a drop-in post removes: one per step run (`id` is the saved state's), so two
 * jobs of one user on one machine never share a file and one's post cannot remove the other's.
 */
export const jobDropinName = (id: string): string => `99-setup-static-podman-${id}.conf`

/** podman's built-in helper dirs: setting helper_binaries_dir replaces them, so keep them after ours. */
const SYSTEM_HELPER_DIRS = [
  '/usr/local/libexec/podman',
  '/usr/local/lib/podman',
  '/usr/libexec/podman',
  '/usr/lib/podman',
]

/** Where podman looks for helpers once the drop-in sets `dirs`: ours first, then its defaults. */
export const helperSearch = (dirs: readonly string[]): string[] => [...new Set([...dirs, ...SYSTEM_HELPER_DIRS])]

const q = (s: string): string => JSON.stringify(s) // TOML basic strings share JSON's escapes
const list = (xs: string[]): string => `[${xs.map(q).join(', ')}]`

export function buildDropin(w: Wiring): string {
  const engine: string[] = []
  const helpers = helperSearch(w.helperDirs)
  if (w.runtimePath) engine.push('runtime = "crun"')
  if (w.conmonPath) engine.push(`conmon_path = ${list([w.conmonPath])}`)
  engine.push(`helper_binaries_dir = ${list(helpers)}`)
  if (w.initPath) engine.push(`init_path = ${q(w.initPath)}`)
  if (w.noSystemd) engine.push('cgroup_manager = "cgroupfs"', 'events_logger = "file"')
  const out = ['# Written by setup-static-podman; later steps of this job use what it installed.']
  if (w.defaultNetwork) out.push('', '[containers]', `netns = ${q(w.defaultNetwork)}`)
  out.push('', '[engine]', ...engine)
  if (w.runtimePath) out.push('', '[engine.runtimes]', `crun = ${list([w.runtimePath])}`)
  return `${out.join('\n')}\n`
}

export function dropinDir(env: NodeJS.ProcessEnv, home: string): string {
  const base = env.XDG_CONFIG_HOME || path.join(home, '.config')
  return path.join(base, 'containers', 'containers.conf.d')
}

/** Written atomically: a half-written drop-in would break every podman call after it. */
export async function writeDropin(dir: string, text: string, name = DROPIN_NAME): Promise<string> {
  await mkdir(dir, { recursive: true })
  const file = path.join(dir, name)
  await writeFile(`${file}.tmp`, text, { mode: 0o644 })
  await rename(`${file}.tmp`, file)
  return file
}
