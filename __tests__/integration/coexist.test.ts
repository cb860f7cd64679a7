// Issue 11, lock clash and storage DB mismatch (actions/runner-images #14611): two podmans of
// different versions on one machine. The testing tree keeps its own podman 5.8.6 in /usr/bin
// (the runner image's podman); the action installs Debian 13's 5.4.2 from the mirror. The
// podman-coexist check drives both on the user's storage and locks, and so do the next steps.
import { expect, it } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import type { SmokeReport } from '../../src/smoke/index.js'
import { runAction, runAsRunner } from '../../test-support/runner.js'
import { useFixture } from './releases.js'

const fixture = useFixture(['trixie'])

const TREE_PODMAN = '/usr/bin/podman'
const IMAGE = 'localhost/ssp-coexist'
const IMPORT = `podman import - ${IMAGE} >/dev/null`

it("installed podman 5.4.2 and the tree's own 5.8.6 take turns on one storage, in the step and after", async () => {
  const work = await fixture.workspace()
  const inputs = { ...fixture.inputs(work, 'trixie'), 'smoke-tests': 'podman-coexist', 'smoke-timeout': '180' }
  const r = await runAction({ entry: 'main', work, tree: 'forky', inputs })
  expect([r.exitCode, r.errors, r.warnings]).toEqual([0, [], []]) // nothing clashes: no annotation
  expect(r.outputs['podman-version']).toBe('5.4.2')
  const report = JSON.parse(await readFile(r.outputs['smoke-report'], 'utf8')) as SmokeReport
  const check = report.checks.find((c) => c.id === 'podman-coexist')
  expect(check).toMatchObject({ status: 'passed', severity: 'blocking' })
  const versions = Object.values(check?.details.podmans ?? {}).sort()
  expect(versions).toEqual(['5.4.2', '5.8.6'])
  expect(check?.details.podmans).toMatchObject({ [TREE_PODMAN]: '5.8.6' })

  // A later step: a container made by each podman is seen, run and removed by the other.
  const step = async (podman: string, args: string[]): Promise<string> => {
    const p = await runAsRunner(work, podman, args, { tree: 'forky', timeoutMs: 120_000 })
    if (p.exitCode !== 0) throw new Error(`${podman} ${args.join(' ')}: exit ${p.exitCode}: ${p.stderr.slice(-800)}`)
    return p.stdout.trim()
  }
  expect(await step('podman', ['--version'])).toBe('podman version 5.4.2') // the installed one is first on PATH
  // The suite removed its base image; the tree's busybox and its libraries make another.
  const files = ['usr/bin/busybox', 'lib64/ld-linux-x86-64.so.2', 'usr/lib/x86_64-linux-gnu/libc.so.6']
  await step('sh', ['-c', `tar -C / -chf - ${files.join(' ')} usr/lib/x86_64-linux-gnu/libresolv.so.2 | ${IMPORT}`])
  await step('podman', ['create', '--name', 'by-installed', IMAGE, '/usr/bin/busybox', 'true'])
  await step(TREE_PODMAN, ['create', '--name', 'by-tree', IMAGE, '/usr/bin/busybox', 'true'])
  expect((await step(TREE_PODMAN, ['ps', '-a', '--format', '{{.Names}}'])).split('\n').sort()).toEqual([
    'by-installed',
    'by-tree',
  ])
  await step(TREE_PODMAN, ['start', '--attach', 'by-installed'])
  await step('podman', ['start', '--attach', 'by-tree'])
  await step(TREE_PODMAN, ['rm', 'by-installed'])
  await step('podman', ['rm', 'by-tree'])
  expect(await step('podman', ['ps', '-a', '--format', '{{.Names}}'])).toBe('')
  await step(TREE_PODMAN, ['rmi', IMAGE])
}, 900_000)
