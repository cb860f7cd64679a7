// Issue 14, item 3 end to end: the Debian 13 tree with an empty directory over
// /etc/containers (a minimal self-hosted host). Its own podman cannot import, save or load
// images there; after `node dist/main.cjs` (the release's etc/containers files provided at
// user level) the installed podman can, and after `dist/post.cjs` nothing is left.
import { describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { runAction, runAsRunner, type Workspace } from '../../test-support/runner.js'
import { useFixture } from './releases.js'

const fixture = useFixture(['trixie'])

/** An empty dir to hide /etc/containers, and a one-file image tarball to import. */
async function prepare(work: Workspace): Promise<{ mounts: string[]; tarball: string }> {
  const empty = path.join(work.dir, 'empty-etc-containers')
  await mkdir(empty, { mode: 0o755 })
  const src = path.join(work.dir, 'image-src')
  await mkdir(src, { mode: 0o755 })
  await writeFile(path.join(src, 'hello.txt'), 'hello\n', { mode: 0o644 })
  const tarball = path.join(work.dir, 'image.tar')
  execFileSync('tar', ['-C', src, '-cf', tarball, 'hello.txt'])
  await chmod(tarball, 0o644)
  return { mounts: [`${empty}:/etc/containers`], tarball }
}

describe('a host without /etc/containers', () => {
  it("gets the release's policy.json and registries.conf per user: load and save work; post removes them", async () => {
    const work = await fixture.workspace()
    const { mounts, tarball } = await prepare(work)
    const podman = (args: string[], bin = 'podman') => runAsRunner(work, bin, args, { tree: 'trixie', mounts })

    const before = await podman(['import', tarball, 'localhost/ssp-etc:1'], '/usr/bin/podman')
    expect(before.exitCode).not.toBe(0)
    // podman 4 says `open /etc/containers/policy.json: no such file`, podman 5 `no policy.json file found at ...`
    expect(before.stderr).toMatch(/policy\.json.*(no such file|"\/etc\/containers\/policy\.json")/)

    const inputs = { ...fixture.inputs(work, 'trixie'), 'github-token': 'ghs_testtoken123', 'smoke-tests': 'none' }
    const r = await runAction({ entry: 'main', work, tree: 'trixie', mounts, inputs })
    expect(r.errors).toEqual([])
    expect(r.exitCode).toBe(0)
    const userDir = path.join(work.home, '.config/containers')
    for (const f of ['policy.json', 'registries.conf']) {
      expect(r.log).toContain(`The host has no /etc/containers/${f}: using the release's copy as ${userDir}/${f}`)
      expect(existsSync(path.join(userDir, f))).toBe(true)
    }
    expect(existsSync(path.join(userDir, 'storage.conf'))).toBe(false)

    const archive = path.join(work.dir, 'saved.tar')
    for (const args of [
      ['import', tarball, 'localhost/ssp-etc:1'],
      ['save', '-o', archive, 'localhost/ssp-etc:1'],
      ['rmi', 'localhost/ssp-etc:1'],
      ['load', '-i', archive],
      ['image', 'exists', 'localhost/ssp-etc:1'],
    ]) {
      const step = await podman(args)
      // import and save print their progress on stderr: only an error line counts.
      expect({ args, exitCode: step.exitCode, error: /^Error/m.exec(step.stderr)?.input }).toEqual({
        args,
        exitCode: 0,
      })
    }

    const post = await runAction({ entry: 'post', work, tree: 'trixie', mounts, inputs })
    expect(post.exitCode).toBe(0)
    expect(post.warnings).toEqual([])
    for (const f of ['policy.json', 'registries.conf']) expect(existsSync(path.join(userDir, f))).toBe(false)
    const dropins = path.join(userDir, 'containers.conf.d')
    expect(existsSync(dropins) ? readdirSync(dropins).filter((f) => f.includes('setup-static-podman')) : []).toEqual([])
    // the files' holds (two jobs of one user share them) are released: only their lock file stays
    expect(readdirSync(path.join(work.home, '.cache/setup-static-podman/user-config-holds'))).toEqual([])
  })
})
