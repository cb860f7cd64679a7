// The release's etc/containers files the host lacks, planned and copied at user level on
// real temp dirs: never over the host's own, never over the user's own.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { planUserConfigs, provideUserConfig, userConfigDir } from '../../src/install/user-config.js'
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
