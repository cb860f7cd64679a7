// Hosts without /etc/containers (a minimal self-hosted machine, the case the `full` variant
// is for): podman refuses to pull, load or save without a signature policy ("open
// /etc/containers/policy.json: no such file"). The release carries etc/containers; each file
// the host lacks is provided at user level, never over the host's or the user's own, and
// recorded so post can remove it.
import { access, copyFile, constants, mkdir } from 'node:fs/promises'
import path from 'node:path'

interface UserConfig {
  name: string
  /** why podman needs it, for the log */
  why: string
}

/**
 * What is provided, as data. Not storage.conf: a user-level copy's graphroot and runroot are
 * taken literally (the release's name root's /var/lib/containers) and mgoltzsche's forces
 * fuse-overlayfs. Not containers.conf nor seccomp.json: podman has built-in defaults for both.
 */
const USER_CONFIGS: readonly UserConfig[] = [
  { name: 'policy.json', why: 'pull, load and save need a signature policy' },
  { name: 'registries.conf', why: 'short image names resolve through its search registries' },
]

export const SYSTEM_CONFIG_DIR = '/etc/containers'

/**
 * containers/image reads both files from $HOME/.config/containers whatever XDG_CONFIG_HOME
 * says (containers-policy.json(5), containers-registries.conf(5)).
 */
export const userConfigDir = (home: string): string => path.join(home, '.config', 'containers')

export interface ProvidePlan {
  /** user-level path -> the release's copy */
  files: { from: string; to: string; why: string }[]
}

const exists = (p: string) =>
  access(p, constants.F_OK).then(
    () => true,
    () => false,
  )

/** The release's files for what neither the host nor the user has; `systemDir` for tests. */
export async function planUserConfigs(
  releaseEtc: string,
  home: string,
  systemDir = SYSTEM_CONFIG_DIR,
): Promise<ProvidePlan> {
  const files: ProvidePlan['files'] = []
  for (const c of USER_CONFIGS) {
    const from = path.join(releaseEtc, c.name)
    const to = path.join(userConfigDir(home), c.name)
    if (await exists(path.join(systemDir, c.name))) continue
    if ((await exists(to)) || !(await exists(from))) continue
    files.push({ from, to, why: c.why })
  }
  return { files }
}

/** Copies one planned file; COPYFILE_EXCL: a file that appeared meanwhile is never replaced. */
export async function provideUserConfig(f: ProvidePlan['files'][number]): Promise<void> {
  await mkdir(path.dirname(f.to), { recursive: true })
  await copyFile(f.from, f.to, constants.COPYFILE_EXCL)
}
