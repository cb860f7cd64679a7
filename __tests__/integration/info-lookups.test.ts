// podman info without its package lookups (issue 13): with no dpkg database, each stack's
// own podman reports exactly the same facts, only the owning packages become `Unknown`.
// The stacks' pieces are all dpkg-installed, so the plain run does look every one up.
import { afterAll, describe, expect, it } from '@jest/globals'
import { NO_PACKAGE_DB, type PodmanInfo, parseInfo } from '../../src/host/info.js'
import { createWorkspace, runAsRunner, type TreeName, type Workspace } from '../../test-support/runner.js'

const made: Workspace[] = []
afterAll(async () => {
  for (const w of made) await w.remove()
})

type Tool = keyof Pick<PodmanInfo, 'ociRuntime' | 'conmon' | 'pasta' | 'slirp4netns' | 'netavark' | 'aardvarkDns'>
const TOOLS: Tool[] = ['ociRuntime', 'conmon', 'pasta', 'slirp4netns', 'netavark', 'aardvarkDns']

async function info(work: Workspace, tree: TreeName | undefined, env: Record<string, string>): Promise<PodmanInfo> {
  const r = await runAsRunner(work, 'podman', ['info', '--format', 'json'], { tree, env })
  expect(r.stderr).not.toMatch(/^Error/m)
  expect(r.exitCode).toBe(0)
  return parseInfo(r.stdout)
}

const withoutPackages = (i: PodmanInfo): PodmanInfo =>
  Object.fromEntries(
    Object.entries(i).map(([k, v]) => [k, TOOLS.includes(k as Tool) ? { ...v, package: undefined } : v]),
  ) as unknown as PodmanInfo

describe.each([
  ['bookworm (host)', undefined, ['ociRuntime', 'conmon', 'slirp4netns']],
  ['trixie', 'trixie', ['ociRuntime', 'conmon', 'pasta']],
  ['forky', 'forky', ['ociRuntime', 'conmon', 'pasta']],
] as const)('%s', (_name, tree, owned) => {
  it('reports the same paths, versions, network and cgroup facts with the package lookups failing fast', async () => {
    const work = await createWorkspace()
    made.push(work)
    const plain = await info(work, tree, {})
    const fast = await info(work, tree, NO_PACKAGE_DB)
    for (const t of owned) {
      expect(plain[t].package).toMatch(/^[a-z0-9.+-]+_\S+_amd64$/) // looked up: package_version_arch
      expect(fast[t].package).toBe('Unknown')
      expect(fast[t].path).toBeTruthy()
    }
    expect(withoutPackages(fast)).toEqual(withoutPackages(plain))
  })
})
