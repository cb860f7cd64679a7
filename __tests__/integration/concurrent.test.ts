// Two jobs on one self-hosted machine, through dist/main.cjs and dist/post.cjs as the same
// runner user: installing one version into one tool cache at once (both succeed and the
// entry is committed once, never replaced under a job running from it), each with its own
// drop-in that only its own post removes; and a host-wide fix (/dev/net/tun) one job made
// and the other relies on, reverted only by the last of them.
import { describe, expect, it } from '@jest/globals'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { chmod } from 'node:fs/promises'
import path from 'node:path'
import { runAction, type Workspace } from '../../test-support/runner.js'
import { tunAsSetUp, useFixture } from './releases.js'

const fixture = useFixture(['bookworm'], tunAsSetUp)

const tunMode = () => statSync('/dev/net/tun').mode & 0o777
const dropinDir = (home: string) => path.join(home, '.config/containers/containers.conf.d')
const dropins = (home: string): string[] =>
  existsSync(dropinDir(home)) ? readdirSync(dropinDir(home)).filter((f) => f.includes('setup-static-podman')) : []

/** Job `w` on the machine of `host`: its tool cache and HOME (one runner user, one cache). */
function job(w: Workspace, host: Workspace, extra: Record<string, string> = {}) {
  const inputs = { ...fixture.inputs(w, 'bookworm'), cleanup: 'true', 'smoke-tests': 'none', ...extra }
  const env = { RUNNER_TOOL_CACHE: host.toolCache, HOME: host.home }
  return {
    main: () => runAction({ entry: 'main', work: w, inputs, env }),
    post: () => runAction({ entry: 'post', work: w, inputs: {}, env }),
  }
}

/** The inode the entry has from the moment it is marked complete: it must never change. */
async function watchEntry(root: string, until: Promise<unknown>): Promise<Set<number>> {
  const seen = new Set<number>()
  let running = true
  void until.finally(() => {
    running = false
  })
  while (running) {
    if (existsSync(`${root}.complete`) && existsSync(root)) seen.add(statSync(root).ino)
    await new Promise((r) => setTimeout(r, 20))
  }
  if (existsSync(root)) seen.add(statSync(root).ino)
  return seen
}

describe('two jobs at once on one tool cache', () => {
  it('both succeed, the entry is committed once and stays whole; one post leaves the other drop-in', async () => {
    const [a, b] = [await fixture.workspace(), await fixture.workspace()]
    const [ja, jb] = [job(a, a), job(b, a)]
    const both = Promise.all([ja.main(), jb.main()])
    const root = path.join(a.toolCache, 'podman-default-static')
    const inodes = watchEntry(path.join(root, fixture.fx.manifests.bookworm?.version ?? '', 'amd64'), both)
    const [ra, rb] = await both
    for (const r of [ra, rb]) {
      expect(r.errors).toEqual([])
      expect(r.exitCode).toBe(0)
      // both downloaded: neither found the entry when it started, so both committed at once
      expect(r.outputs['cache-hit']).toBe('false')
    }
    expect(ra.outputs['install-dir']).toBe(rb.outputs['install-dir'])
    expect((await inodes).size).toBe(1)
    const dir = ra.outputs['install-dir']
    expect(existsSync(`${dir}.complete`)).toBe(true)
    expect(existsSync(path.join(dir, 'usr/local/bin/podman'))).toBe(true)
    expect(readdirSync(path.dirname(dir)).filter((f) => f.startsWith('.partial-') || f.endsWith('.lock'))).toEqual([])
    expect(dropins(a.home)).toHaveLength(2)
    const pa = await ja.post()
    expect(pa.warnings).toEqual([])
    expect(dropins(a.home)).toHaveLength(1)
    const pb = await jb.post()
    expect(pb.warnings).toEqual([])
    expect(dropins(a.home)).toEqual([])
  })
})

describe('a host-wide fix one job made and another relies on', () => {
  it('/dev/net/tun: the first post keeps it while the other job holds it; the last post reverts it', async () => {
    await chmod('/dev/net/tun', 0o600)
    const [a, b] = [await fixture.workspace(), await fixture.workspace()]
    const sudo = { 'allow-sudo': 'true' }
    const [ja, jb] = [job(a, a, sudo), job(b, a, sudo)]
    const ma = await ja.main()
    expect(ma.errors).toEqual([])
    expect(tunMode()).toBe(0o666)
    const mb = await jb.main() // finds tun usable: another job's fix, which it now holds
    expect(mb.errors).toEqual([])
    const pa = await ja.post()
    expect(pa.warnings).toEqual([])
    expect(pa.stdout).toMatch(/Kept: chmod 0666 \/dev\/net\/tun \(was 0600\): another job on this machine/)
    expect(tunMode()).toBe(0o666)
    const pb = await jb.post()
    expect(pb.warnings).toEqual([])
    expect(pb.stdout).toMatch(/Reverted: chmod 0666 \/dev\/net\/tun \(was 0600\) \(another job's change/)
    expect(tunMode()).toBe(0o600)
    expect(existsSync('/run/setup-static-podman/holds') ? readdirSync('/run/setup-static-podman/holds') : []).toEqual(
      [],
    )
  })
})
