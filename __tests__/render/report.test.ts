// The report action's table as people see it: rendered from the committed real smoke reports
// (__tests__/fixtures/report) the way GitHub shows a job summary, in Chromium at 1012 px.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { collectReports, type FoundReport } from '../../src/report/collect.js'
import { renderMarkdown } from '../../src/report/markdown.js'
import { buildMatrix } from '../../src/report/matrix.js'
import { type Rendered, SummaryBrowser } from '../../test-support/summary-render.js'
import { expectReadable } from './expect.js'

const DIR = '__tests__/fixtures/report'
let browser: SummaryBrowser
beforeAll(async () => {
  browser = await SummaryBrowser.launch()
})
afterAll(async () => {
  await browser?.close()
})

async function rendered(dir: string, title: string, edit = (r: FoundReport[]) => r): Promise<Rendered> {
  const { reports } = await collectReports(dir)
  return browser.render(renderMarkdown(buildMatrix(edit(reports), title)), `report-${title.replace(/\W+/g, '-')}`)
}

/**
 * pigfoot full on trixie with publish failed as the smoke integration test's broken pasta
 * fails it: a long reason with an unbroken path in it, as podman prints them.
 */
const REASON =
  'probe client failed (exit 126): Error: pasta failed with exit code 1: pasta: deliberately broken by the smoke ' +
  'integration test (/home/runner/work/_temp/setup-static-podman-ws/broken-bin/pasta-with-a-long-unbroken-name)'
function publishFailed(reports: FoundReport[]): FoundReport[] {
  return reports.map((f) =>
    f.file.startsWith('pigfoot-full-trixie/')
      ? {
          ...f,
          report: {
            ...f.report,
            result: 'failed',
            checks: f.report.checks.map((c) => (c.id === 'publish' ? { ...c, status: 'failed', reason: REASON } : c)),
          },
        }
      : f,
  )
}

describe('the compatibility report in a browser', () => {
  it('eight real configurations on two runners: fits 1012 px, title and total first, no literal Markdown', async () => {
    const r = await rendered(`${DIR}/reports`, 'Podman compatibility')
    expectReadable(r)
    const lines = r.view.text.split('\n').filter((l) => l.trim())
    expect(lines.slice(0, 2)).toEqual(['Podman compatibility', '✅ 88/88 passed (40 skipped) across 8 configurations.'])
  })

  it('a failed check: ❌ total first, the failure with its full cause on screen, still within 1012 px', async () => {
    const r = await rendered(`${DIR}/reports`, 'Podman compatibility (a failure)', publishFailed)
    expectReadable(r)
    const lines = r.view.text.split('\n').filter((l) => l.trim())
    expect(lines.slice(0, 2)).toEqual([
      'Podman compatibility (a failure)',
      '❌ 87/88 passed (40 skipped) across 8 configurations.',
    ])
    // the failure list under the total names the configuration, the runner, the check and its whole cause
    const trixie = 'self-hosted (Debian GNU/Linux 13 (trixie)) · amd64'
    expect(r.view.text).toContain(
      `❌ pigfoot full static on ${trixie}: Publish 127.0.0.1:P, host fetches (publish): ${REASON}`,
    )
    expect(r.view.text).toMatch(/^Passed\t12\/12\t12\/12\t12\/12\t11\/12$/m)
  })
})
