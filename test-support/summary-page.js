// Runs inside the browser page (test-support/summary-render.ts injects it): a plain script,
// because the project's TypeScript has no DOM types and must not get them globally.
// Defines window.sspSanitize(allow) and window.sspMeasure().

/**
 * Does what GitHub's sanitizer does to user HTML: unknown elements unwrapped, attributes dropped. Returns what it
 * removed.
 */
window.sspSanitize = (allow) => {
  const removed = { elements: [], attributes: [] }
  const root = document.querySelector('article')
  for (const el of [...root.querySelectorAll('*')]) {
    const tag = el.tagName.toLowerCase()
    if (!allow.elements.includes(tag)) {
      removed.elements.push(tag)
      if (tag === 'script') el.remove()
      else el.replaceWith(...el.childNodes)
      continue
    }
    for (const a of [...el.attributes]) {
      if (allow.all.includes(a.name) || (allow.attributes[tag] ?? []).includes(a.name)) continue
      removed.attributes.push(`${tag}[${a.name}]`)
      el.removeAttribute(a.name)
    }
  }
  return removed
}

const label = (el) => `${el.tagName.toLowerCase()}: ${(el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 80)}`

/** What a person sees right now: overflow, text, the state of every <details>. */
window.sspMeasure = () => {
  const root = document.querySelector('article')
  const width = document.documentElement.clientWidth
  const overflow = []
  for (const el of root.querySelectorAll('table, th, td, p, li, summary, h1, h2, h3, h4, code')) {
    if (el.getClientRects().length === 0) continue // not rendered (inside a closed <details>)
    const inner = el.scrollWidth - el.clientWidth
    const right = el.getBoundingClientRect().right - width
    // code is inline: its clientWidth is 0, only its box against the page counts
    const px = Math.max(el.tagName === 'CODE' ? 0 : inner, right)
    if (px > 1) overflow.push({ element: label(el), px: Math.round(px) })
  }
  // tool output keeps its lines: a <pre> scrolls inside itself, as on GitHub (reported, not overflow)
  const preScrollPx = Math.max(0, ...[...root.querySelectorAll('pre')].map((p) => p.scrollWidth - p.clientWidth))
  const details = [...root.querySelectorAll('details')].map((d) => {
    let depth = 0
    for (let p = d.parentElement; p && p !== root; p = p.parentElement) if (p.tagName === 'DETAILS') depth++
    const summary = d.querySelector(':scope > summary')
    // biome-ignore lint/performance/useDomNodeTextContent: the text as rendered is what is measured
    return { summary: (summary?.innerText ?? '').trim(), open: d.open, depth }
  })
  // biome-ignore lint/performance/useDomNodeTextContent: the text as rendered is what is measured
  const text = root.innerText
  // tool output in <pre> is verbatim: a backtick there is the tool's, not unrendered Markdown
  const prose = root.cloneNode(true)
  for (const pre of prose.querySelectorAll('pre')) pre.remove()
  return {
    preScrollPx,
    documentOverflowPx: Math.max(0, document.documentElement.scrollWidth - width),
    // the first few say where; the rest of a too-wide table says nothing new
    overflow: overflow.slice(0, 8),
    firstText: text.trim().split('\n')[0].trim(),
    text,
    allText: root.textContent ?? '',
    proseText: prose.textContent ?? '',
    details,
    height: document.documentElement.scrollHeight,
  }
}

window.sspExpandAll = () => {
  for (const d of document.querySelectorAll('details')) d.open = true
}
