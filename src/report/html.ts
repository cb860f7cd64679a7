// The job summary's HTML, built by hand from a few pieces because GitHub renders the summary
// as GFM where Markdown inside an HTML block stays literal (backticks in a <td>) and keeps
// only its sanitizer's allowlist (no class, no style). So: HTML only, every block separated
// by a blank line, <code> instead of backticks, and untrusted text escaped exactly once.

/** Text to HTML: `&<>"'` as character references. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** Markup already made safe by this module; plain strings are escaped when they meet it. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value
  }
}

export type Content = string | Html | readonly (string | Html)[]

/** Several contents as one (a flat list). */
export const concat = (...cs: readonly Content[]): (string | Html)[] =>
  cs.flatMap((c) => (typeof c === 'string' || c instanceof Html ? [c] : [...c]))

/** Content as HTML: strings escaped (newlines as <br>), Html kept, lists joined. */
export function html(c: Content): string {
  if (c instanceof Html) return c.value
  if (typeof c === 'string') return escapeHtml(c).replace(/\n/g, '<br>')
  return c.map((x) => html(x)).join('')
}

export const raw = (markup: string): Html => new Html(markup)
export const code = (text: string): Html => raw(`<code>${escapeHtml(text)}</code>`)
export const strong = (c: Content): Html => raw(`<strong>${html(c)}</strong>`)

export interface Table {
  head: readonly string[]
  rows: readonly (readonly Content[])[]
}

/** An HTML table; no header row when `head` is empty (a list of name/value pairs). */
export function table(t: Table): Html {
  const head = t.head.length ? [`<tr>${t.head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`] : []
  const rows = t.rows.map((r) => `<tr>${r.map((c) => `<td>${html(c)}</td>`).join('')}</tr>`)
  return raw(`<table>\n${[...head, ...rows].join('\n')}\n</table>`)
}

/** A block of the summary: blank lines around it so GFM neither merges nor re-parses it. */
const block = (c: Content): string => `\n${html(c)}\n`

/** <details>; its body's blocks each on their own lines. Open for what needs a look. */
export function details(summary: Content, body: readonly Content[], open = false): Html {
  return raw(
    `<details${open ? ' open' : ''}><summary>${html(summary)}</summary>\n${body.map(block).join('')}\n</details>`,
  )
}

/** Tool output: kept verbatim in <pre>, folded away behind its label. */
export const output = (label: Content, text: string): Html => details(label, [raw(`<pre>${escapeHtml(text)}</pre>`)])

/**
 * Text written for Markdown (requirement reasons, fixes: `crun: unknown version specified`)
 * as HTML: backtick spans become <code>, the rest is escaped. An unpaired backtick stays text.
 */
export function prose(text: string): (string | Html)[] {
  const parts = text.split('`')
  if (parts.length % 2 === 0) return [text]
  return parts.flatMap((p, i): (string | Html)[] => (p === '' ? [] : i % 2 ? [code(p)] : [p]))
}

export const paragraph = (c: Content): Html => raw(`<p>${html(c)}</p>`)
export const list = (items: readonly Content[]): Html =>
  raw(`<ul>\n${items.map((i) => `<li>${html(i)}</li>`).join('\n')}\n</ul>`)

/** A path shown short: relative to `root` when inside it (`<root>/usr/local/bin/crun` as `usr/local/bin/crun`). */
export function shortPath(file: string, root?: string): string {
  if (root && file.startsWith(`${root}/`)) return file.slice(root.length + 1)
  return file
}
