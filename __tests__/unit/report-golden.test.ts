// Golden file: the table the report action makes from REAL smoke reports, produced by
// __tests__/integration/sources.test.ts on this machine's Podman stacks (regenerate both with
// SSP_UPDATE_REPORT_FIXTURES=1 there). A change to the rendering shows here as a diff.
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { collectReports } from '../../src/report/collect.js'
import { renderMarkdown } from '../../src/report/markdown.js'
import { buildMatrix } from '../../src/report/matrix.js'

const DIR = '__tests__/fixtures/report'
// The title sources.test.ts gives the report action.
const TITLE = 'Podman compatibility (integration tests on Debian 12 and 13)'

describe('the report over real smoke reports', () => {
  it('renders exactly the committed Markdown', async () => {
    const { reports, skipped } = await collectReports(`${DIR}/reports`)
    expect(skipped).toEqual([])
    const sources = new Set(reports.map((r) => r.report.identity?.source))
    expect([...sources].sort()).toEqual(['mgoltzsche', 'pigfoot', 'system'])
    expect(renderMarkdown(buildMatrix(reports, TITLE))).toBe(readFileSync(`${DIR}/compatibility.md`, 'utf8'))
  })
})
