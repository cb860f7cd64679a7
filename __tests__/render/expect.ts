// What every summary must be in the browser, whatever it says: nothing GitHub would strip,
// nothing wider than the pane, no Markdown left unrendered.
import { expect } from '@jest/globals'
import type { Rendered, View } from '../../test-support/summary-render.js'

export function expectFits(v: View): void {
  expect(v.documentOverflowPx).toBe(0)
  expect(v.overflow).toEqual([])
}

/**
 * Backticks and `**` only appear as text when Markdown went unrendered (e.g. inside an HTML
 * cell); tool output in <pre> is verbatim and may hold them.
 */
export function expectNoLiteralMarkdown(v: View): void {
  expect(v.proseText).not.toMatch(/`|\*\*/)
}

export function expectReadable(r: Rendered): void {
  expect(r.removed).toEqual({ elements: [], attributes: [] })
  expectFits(r.view)
  expectFits(r.expanded)
  expectNoLiteralMarkdown(r.expanded)
}
