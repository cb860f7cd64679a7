// What a later workflow step sees: the podman on PATH, what it reports, and a rootless
// container that needs no registry (an empty rootfs with the host's /usr mounted).
import { readdirSync } from 'node:fs'
import { chown, mkdir, symlink } from 'node:fs/promises'
import path from 'node:path'
import { type ProcResult, runAsRunner, type TreeName, type Workspace } from '../../test-support/runner.js'
import { runnerIds } from '../../test-support/workspace.js'

/** Owned by the runner user: podman writes /etc/mtab and friends into it. */
export async function emptyRootfs(work: Workspace): Promise<string> {
  const dir = path.join(work.dir, 'rootfs')
  const { uid, gid } = await runnerIds()
  for (const d of ['', 'usr', 'etc', 'proc', 'sys', 'dev', 'tmp']) {
    await mkdir(path.join(dir, d), { recursive: true })
    await chown(path.join(dir, d), uid, gid)
  }
  for (const d of ['bin', 'lib', 'lib64', 'sbin']) await symlink(`usr/${d}`, path.join(dir, d)).catch(() => undefined)
  return dir
}

export interface NextStep {
  info: { host: { ociRuntime: { path: string; version: string }; conmon: { path: string } } }
  which: string
  container: ProcResult
}

export async function nextStep(work: Workspace, tree?: TreeName, mounts?: string[]): Promise<NextStep> {
  const rootfs = await emptyRootfs(work)
  const info = await runAsRunner(work, 'podman', ['info', '--format', 'json'], { tree, mounts })
  if (info.exitCode !== 0) throw new Error(`podman info failed: ${info.stderr}`)
  const which = await runAsRunner(work, 'sh', ['-c', 'command -v podman'], { tree, mounts })
  const container = await runAsRunner(
    work,
    'podman',
    [
      'run',
      '--rm',
      '-v',
      '/usr:/usr:ro',
      '--rootfs',
      rootfs,
      'sh',
      '-c',
      'echo hello from $(cat /proc/1/comm 2>/dev/null || echo pid1)',
    ],
    { tree, mounts, timeoutMs: 120_000 },
  )
  return { info: JSON.parse(info.stdout) as NextStep['info'], which: which.stdout.trim(), container }
}

/** tool-cache entries marked complete: a failed run must leave none. */
export function completeEntries(work: Workspace): string[] {
  const out: string[] = []
  const walk = (dir: string, depth: number): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isFile() && e.name.endsWith('.complete')) out.push(`${dir}/${e.name}`)
      else if (e.isDirectory() && depth < 3) walk(`${dir}/${e.name}`, depth + 1)
    }
  }
  walk(work.toolCache, 0)
  return out
}
