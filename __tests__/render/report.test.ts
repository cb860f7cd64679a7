// The report action's table as people see it: rendered from the committed real smoke reports
// (__tests__/fixtures/report) the way GitHub shows a job summary, in Chromium at 1012 px.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { collectReports } from '../../src/report/collect.js'
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

async function rendered(dir: string, title: string): Promise<Rendered> {
  const { reports } = await collectReports(dir)
  return browser.render(renderMarkdown(buildMatrix(reports, title)), `report-${title.replace(/\W+/g, '-')}`)
}

describe('the compatibility report in a browser', () => {
  it('eight real configurations on two runners: fits 1012 px, title and total first, no literal Markdown', async () => {
    const r = await rendered(`${DIR}/reports`, 'Podman compatibility')
    expectReadable(r)
    const lines = r.view.text.split('\n').filter((l) => l.trim())
    expect(lines.slice(0, 2)).toEqual(['Podman compatibility', '✅ 88/88 passed (40 skipped) across 8 configurations.'])
  })
})
