// Issue 15: the job summary as a person sees it. Four real runs through dist/main.cjs as the
// runner user (a green `full` install, a host gate failure, a smoke failure, `source:
// system`), each summary rendered the way GitHub renders it (cmark-gfm, GitHub's sanitizer
// allowlist and stylesheet) in headless Chromium at 1012 px. Screenshots stay in
// .cache/summary-shots/ as artifacts.
import { beforeAll, describe, expect, it } from '@jest/globals'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { SMOKE_CHECK_IDS } from '../../src/inputs.js'
import { type ActionResult, BASE_PATH, runAction, type Workspace } from '../../test-support/runner.js'
import { type Rendered, SummaryBrowser } from '../../test-support/summary-render.js'
import { expectReadable } from '../render/expect.js'
import { useFixture } from './releases.js'

let browser: SummaryBrowser
const fixture = useFixture(['trixie'], async () => browser?.close())
beforeAll(async () => {
  browser = await SummaryBrowser.launch()
}, 900_000)

/**
 * The green runs name every local check but the two this VM cannot pass, cgroup-limits (cgroup
 * v1 here) and healthcheck (no user systemd): they would warn, and the verdict would rightly be
 * ⚠️. The internet checks are left out (no internet here).
 */
const GREEN = SMOKE_CHECK_IDS.filter(
  (id) => !['cgroup-limits', 'healthcheck'].includes(id) && !id.startsWith('internet-'),
).join(',')

/** Debian 12's crun 1.8.1 as the Debian 13 tree's crun: too old for podman 5. */
const OLD_CRUN = ['/usr/bin/crun:/usr/bin/crun']

interface Seen {
  r: ActionResult
  page: Rendered
}

async function seen(
  name: string,
  inputs: Record<string, string>,
  opts: { env?: Record<string, string>; mounts?: string[]; work?: Workspace } = {},
): Promise<Seen> {
  const work = opts.work ?? (await fixture.workspace())
  const r = await runAction({
    entry: 'main',
    work,
    tree: 'trixie',
    mounts: opts.mounts,
    env: opts.env,
    inputs: { ...fixture.inputs(work, 'trixie'), 'smoke-timeout': '90', ...inputs },
  })
  expect(r.summary).not.toBe('')
  return { r, page: await browser.render(r.summary, `step-${name}`) }
}

/** What the summary shows before anything is clicked: open phases, and the summaries of closed ones. */
const topDetails = (p: Rendered) => p.view.details.filter((d) => d.depth === 0)

async function brokenPasta(work: Workspace): Promise<string> {
  const dir = path.join(work.dir, 'broken-bin')
  await mkdir(dir, { recursive: true })
  await writeFile(
    path.join(dir, 'pasta'),
    '#!/bin/sh\necho "pasta: deliberately broken by the summary test" >&2\nexit 1\n',
  )
  await chmod(path.join(dir, 'pasta'), 0o755)
  await chmod(dir, 0o755)
  return dir
}

describe('the job summary in a browser at 1012 px', () => {
  it('green full install: one ✅ verdict line first, every phase collapsed to its one-line result', async () => {
    const work = await fixture.workspace()
    const inputs = { variant: 'full', 'smoke-tests': GREEN }
    const { r, page } = await seen('green-full', inputs, { work })
    expect(r.exitCode).toBe(0)
    // a healthy run is quiet: no annotation at all, in main nor in post (the runner gets the same inputs)
    expect([...r.errors, ...r.warnings]).toEqual([])
    const post = await runAction({ entry: 'post', work, inputs: { ...fixture.inputs(work, 'trixie'), ...inputs } })
    expect([post.exitCode, post.errors, post.warnings]).toEqual([0, [], []])
    expectReadable(page)
    expect(page.view.firstText).toMatch(
      /^✅ podman 5\.4\.2 ready .*full.*static.*signature\+sha256.*cache miss.*(\d+)\/\1 checks passed.*\d+(\.\d)? s/,
    )
    const phases = topDetails(page)
    expect(phases.map((d) => d.summary.split(':')[0])).toEqual(['✅ Install', '✅ Host gate', '✅ Smoke tests'])
    expect(phases.every((d) => !d.open)).toBe(true)
    // where the time went: each phase line ends with its duration, the install's split in its Time row
    expect(phases.map((d) => d.summary)).toEqual(phases.map(() => expect.stringMatching(/ · \d+\.\d s$/)))
    expect(page.expanded.text).toMatch(
      /^Time\t(resolve \d+\.\d s · )?download \d+\.\d s · verify \d+\.\d s · unpack \d+\.\d s$/m,
    )
    // collapsed: the tables are not on screen, only the verdict and the phase lines
    expect(page.view.text).not.toContain('/usr/local/bin/crun')
    // the gate of a full install names what the host gave as the host's, not as bundled
    expect(page.expanded.text).not.toMatch(/\/usr\/bin\/[\w-]+[^\n]*bundled/)
    expect(page.expanded.text).not.toContain('Components podman uses')
  })

  it('host gate failure: ❌ verdict first with the piece, why and the fix on screen; the gate table open', async () => {
    const { r, page } = await seen(
      'gate-failure',
      { variant: 'standalone', 'install-missing': 'false', 'smoke-tests': 'auto' },
      { mounts: OLD_CRUN },
    )
    expect(r.exitCode).toBe(1)
    // one ::error:: for what failed the step, nothing else
    expect(r.errors).toEqual([
      expect.stringMatching(/^This host cannot run podman as set up \(1 unmet\):\n- crun: 1\.8\.1/),
    ])
    expect(r.warnings).toEqual([])
    expectReadable(page)
    expect(page.view.firstText).toMatch(/^❌ podman 5\.4\.2 not ready: host gate failed · /)
    // no smoke results: the verdict says they did not run, and why
    expect(page.view.firstText).toContain(' · smoke tests did not run: the host gate failed · ')
    const visible = page.view.text
    expect(visible).toMatch(/crun.*1\.8\.1.*>= 1\.14\.3/)
    expect(visible).toContain('unknown version specified') // why
    expect(visible).toContain('install-missing: true') // the fix
    const phases = topDetails(page)
    expect(phases.find((d) => d.summary.startsWith('✅ Install'))?.open).toBe(false)
    expect(phases.find((d) => d.summary.startsWith('❌ Host gate'))?.open).toBe(true)
  })

  it('smoke failure: ❌ verdict names the failed checks with causes; stderr only in a nested <details>', async () => {
    const work = await fixture.workspace()
    const bin = await brokenPasta(work)
    const { r, page } = await seen(
      'smoke-failure',
      { 'install-missing': 'false' },
      { work, env: { PATH: `${bin}:${BASE_PATH}` } },
    )
    expect(r.exitCode).toBe(1)
    expect(r.outputs['smoke-result']).toBe('failed')
    // one ::error:: naming the blocking checks that failed; the advisory one is a row, not an annotation
    expect(r.errors).toEqual([expect.stringMatching(/^Smoke tests failed: .*default-network \(/)])
    expect(r.warnings).toEqual([])
    expectReadable(page)
    expect(page.view.firstText).toMatch(/^❌ .*smoke/)
    expect(page.view.firstText).toMatch(/\d+\/\d+ checks passed/)
    const visible = page.view.text
    expect(visible).toContain('default-network')
    expect(visible).toContain('pasta: deliberately broken by the summary test')
    expect(topDetails(page).find((d) => d.summary.startsWith('❌ Smoke tests'))?.open).toBe(true)
    // stderr tails sit in nested, closed <details>, never in a table cell
    const nested = page.view.details.filter((d) => d.depth > 0)
    expect(nested.length).toBeGreaterThan(0)
    expect(nested.every((d) => !d.open)).toBe(true)
    expect(page.html).not.toMatch(/<td>[^<]*deliberately broken[^<]*\n/)
  })

  it("source: system: ✅ verdict names the runner's own podman; nothing is called bundled", async () => {
    const { r, page } = await seen('system', { source: 'system', 'smoke-tests': GREEN })
    expect(r.exitCode).toBe(0)
    expect([...r.errors, ...r.warnings]).toEqual([])
    expectReadable(page)
    expect(page.view.firstText).toMatch(/^✅ podman 5\.4\.2 ready .*runner's own/)
    expect(page.expanded.text).not.toContain('bundled')
    expect(topDetails(page).every((d) => !d.open)).toBe(true)
  })
})
