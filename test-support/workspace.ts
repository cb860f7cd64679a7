// A runner job's directories for one test, owned by the unprivileged runner user, under
// /var/tmp (enter-tree puts a fresh tmpfs on a tree's /tmp, hiding the host's).
import { chmod, chown, mkdir, mkdtemp, readFile, rm, rmdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { stopProcessesIn } from './runtime-dir.js'

const RUNNER_USER = 'tester'
export const WORKSPACES_ROOT = process.env.SSP_IT_DIR ?? '/var/tmp/ssp-it'
export const CACHE_DIR = process.env.SSP_CACHE ?? '/var/cache/setup-static-podman'

export type TreeName = 'trixie' | 'forky'
export const treeRoot = (tree: TreeName): string => join(CACHE_DIR, 'trees', tree)

interface CommandFiles {
  output: string
  state: string
  env: string
  path: string
  summary: string
}

export interface Workspace {
  dir: string
  files: CommandFiles
  toolCache: string
  temp: string
  /** HOME: each workspace has its own ~/.config/containers and podman storage */
  home: string
  /** GITHUB_WORKSPACE, the steps' working directory */
  githubWorkspace: string
  /** what earlier steps exported through GITHUB_ENV / GITHUB_PATH; later steps get it, as on the runner */
  exported: { env: Record<string, string>; path: string[] }
  /** the state the last `main` step saved (post gets it as STATE_*) */
  state: Record<string, string>
  remove(): Promise<void>
}

export interface UserIds {
  uid: number
  gid: number
}

let ids: UserIds | undefined

/** The runner user's ids, from /etc/passwd (the trees give it the same uid). */
export async function runnerIds(): Promise<UserIds> {
  if (ids) return ids
  const line = (await readFile('/etc/passwd', 'utf8')).split('\n').find((l) => l.startsWith(`${RUNNER_USER}:`))
  if (!line) throw new Error(`no user ${RUNNER_USER}: run scripts/setup-test-host.sh first`)
  const [, , uid, gid] = line.split(':')
  ids = { uid: Number(uid), gid: Number(gid) }
  return ids
}

export async function createWorkspace(): Promise<Workspace> {
  const { uid, gid } = await runnerIds()
  await mkdir(WORKSPACES_ROOT, { recursive: true, mode: 0o755 })
  const dir = await mkdtemp(join(WORKSPACES_ROOT, 'ws-'))
  const sub = (name: string) => join(dir, name)
  const files: CommandFiles = {
    output: sub('files/output'),
    state: sub('files/state'),
    env: sub('files/env'),
    path: sub('files/path'),
    summary: sub('files/step-summary'),
  }
  const work: Workspace = {
    dir,
    files,
    toolCache: sub('tool-cache'),
    temp: sub('temp'),
    home: sub('home'),
    githubWorkspace: sub('workspace'),
    exported: { env: {}, path: [] },
    state: {},
    remove: () => removeWorkspace(dir),
  }
  for (const d of [dir, sub('files'), work.toolCache, work.temp, work.home, work.githubWorkspace]) {
    await mkdir(d, { recursive: true })
    await chmod(d, 0o755)
    await chown(d, uid, gid)
  }
  await resetCommandFiles(work)
  return work
}

/** Each step gets empty command files, as the runner creates new ones per step. */
export async function resetCommandFiles(work: Workspace): Promise<void> {
  const { uid, gid } = await runnerIds()
  for (const f of Object.values(work.files)) {
    await writeFile(f, '', { mode: 0o644 })
    await chown(f, uid, gid)
  }
}

/** The host's XDG_RUNTIME_DIR for the runner user, made the way logind would if missing. */
export async function hostRuntimeDir(): Promise<string> {
  const { uid, gid } = await runnerIds()
  const dir = `/run/user/${uid}`
  await mkdir(dir, { recursive: true, mode: 0o700 })
  await chown(dir, uid, gid)
  await chmod(dir, 0o700)
  return dir
}

/**
 * A fresh runtime dir for one host step, the runner user's. Short (under /run by default):
 * slirp4netns refuses an API socket path (XDG_RUNTIME_DIR/libpod/tmp/<id>.net) of 108 bytes or more.
 */
export async function freshRuntimeDir(parent = '/run'): Promise<string> {
  const { uid, gid } = await runnerIds()
  const dir = await mkdtemp(join(parent, 'ssp-xdg-'))
  await chown(dir, uid, gid)
  await chmod(dir, 0o700)
  return dir
}

async function removeWorkspace(dir: string): Promise<void> {
  // A runtime dir a test made inside the workspace: what podman left running with it goes too.
  await stopProcessesIn([dir])
  await rm(dir, { recursive: true, force: true, maxRetries: 3 })
  // enter-tree leaves an empty mount point for the workspace in each tree it was bound into.
  for (const tree of ['trixie', 'forky'] as const) await rmdir(join(treeRoot(tree), dir)).catch(() => undefined)
}
