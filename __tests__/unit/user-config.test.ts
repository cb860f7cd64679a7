// The release's etc/containers files the host lacks, planned and copied at user level on
// real temp dirs: never over the host's own, never over the user's own.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { SystemChange } from '../../src/host/change.js'
import type { Inputs } from '../../src/inputs.js'
import { planUserConfigs, provideUserConfig, userConfigDir } from '../../src/install/user-config.js'
import { run } from '../../src/ports/exec.js'
import type { Installation } from '../../src/sources/index.js'
import type { RunnerContext } from '../../src/step/context.js'
import { revertChanges } from '../../src/step/post.js'
import { provideConfigs } from '../../src/step/user-configs.js'
import { rejection } from '../helpers/rejection.js'

let dir: string
let release: string
let system: string
let home: string
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ssp-userconf-'))
  release = path.join(dir, 'podman-v5.7.1/etc/containers')
  system = path.join(dir, 'etc-containers')
  home = path.join(dir, 'home')
  for (const d of [release, system, home]) mkdirSync(d, { recursive: true })
  for (const f of ['policy.json', 'registries.conf', 'storage.conf', 'containers.conf', 'seccomp.json'])
    writeFileSync(path.join(release, f), `release ${f}\n`)
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const names = async () => (await planUserConfigs(release, home, system)).files.map((f) => path.basename(f.to))

describe('planUserConfigs', () => {
  it('a host without /etc/containers gets policy.json and registries.conf in ~/.config/containers only', async () => {
    const plan = await planUserConfigs(release, home, path.join(dir, 'absent'))
    expect(plan.files.map((f) => [f.from, f.to])).toEqual([
      [path.join(release, 'policy.json'), path.join(home, '.config/containers/policy.json')],
      [path.join(release, 'registries.conf'), path.join(home, '.config/containers/registries.conf')],
    ])
    for (const f of plan.files) await provideUserConfig(f)
    expect(readFileSync(path.join(userConfigDir(home), 'policy.json'), 'utf8')).toBe('release policy.json\n')
  })

  it("never shadows the host's own file, nor the user's own", async () => {
    writeFileSync(path.join(system, 'policy.json'), '{}')
    expect(await names()).toEqual(['registries.conf'])
    mkdirSync(userConfigDir(home), { recursive: true })
    writeFileSync(path.join(userConfigDir(home), 'registries.conf'), 'mine')
    expect(await names()).toEqual([])
  })

  it('provides nothing the release lacks (standalone has no etc/containers)', async () => {
    rmSync(release, { recursive: true })
    expect(await names()).toEqual([])
  })

  it('a file that appeared between plan and copy is left alone', async () => {
    const [first] = (await planUserConfigs(release, home, system)).files
    mkdirSync(userConfigDir(home), { recursive: true })
    writeFileSync(first.to, 'appeared')
    expect(await rejection(provideUserConfig(first))).toMatchObject({ code: 'EEXIST' })
    expect(readFileSync(first.to, 'utf8')).toBe('appeared')
  })
})

describe('two jobs of one user share what one provided (issue 12 item 6)', () => {
  const job = (id: string) => {
    const changes: SystemChange[] = []
    const record = (c: SystemChange) => {
      if (!changes.includes(c)) changes.push(c)
    }
    const provide = () =>
      provideConfigs(
        { result: { root: path.dirname(path.dirname(release)) } } as Installation,
        { source: 'pigfoot' } as Inputs,
        { home } as RunnerContext,
        { run, record, id, systemDir: path.join(dir, 'absent') },
      )
    return { changes, provide, post: () => revertChanges(run, changes) }
  }
  const present = () => ['policy.json', 'registries.conf'].filter((f) => existsSync(path.join(userConfigDir(home), f)))

  it("the first job's post keeps the files the second still holds; the last post removes them", async () => {
    const [a, b] = [job('job-a'), job('job-b')]
    await a.provide()
    expect(a.changes.map((c) => [c.description, c.pending])).toEqual([
      [`removed ${path.join(userConfigDir(home), 'policy.json')}`, undefined],
      [`removed ${path.join(userConfigDir(home), 'registries.conf')}`, undefined],
    ])
    await b.provide()
    expect(b.changes.map((c) => c.description)).toEqual([
      `removed ${path.join(userConfigDir(home), 'policy.json')} (another job's copy, held while this job runs)`,
      `removed ${path.join(userConfigDir(home), 'registries.conf')} (another job's copy, held while this job runs)`,
    ])
    await a.post()
    expect(present()).toEqual(['policy.json', 'registries.conf'])
    await b.post()
    expect(present()).toEqual([])
    // nothing held any more: a third job provides them again, as its own
    const c = job('job-c')
    await c.provide()
    expect(c.changes.map((x) => x.description)).toEqual(a.changes.map((x) => x.description))
    await c.post()
    expect(present()).toEqual([])
  })

  it('a user file nobody holds is the user’s own: not joined, not removed', async () => {
    mkdirSync(userConfigDir(home), { recursive: true })
    writeFileSync(path.join(userConfigDir(home), 'policy.json'), 'mine')
    const a = job('job-a')
    await a.provide()
    expect(a.changes.map((c) => path.basename(c.description))).toEqual(['registries.conf'])
    await a.post()
    expect(present()).toEqual(['policy.json'])
  })
})
