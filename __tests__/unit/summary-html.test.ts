// The summary's HTML pieces: untrusted text escaped once, no Markdown anywhere (GitHub leaves
// Markdown inside HTML blocks literal), blocks separated so GFM passes them through.
import { describe, expect, it } from '@jest/globals'
import { code, concat, details, html, output, prose, shortPath, table } from '../../src/report/html.js'
import { phaseSummary, problemItem, renderPhase } from '../../src/report/phase.js'

describe('html', () => {
  it('escapes strings once, keeps built markup, turns newlines into <br>', () => {
    expect(html(concat('a <b> & `c`\nd', code('x<y>')))).toBe('a &#60;b&#62; &#38; `c`<br>d<code>x&#60;y&#62;</code>')
  })

  it('tables: header cells escaped, cells as content; no header row for name/value pairs', () => {
    expect(html(table({ head: ['A<'], rows: [[code('1')]] }))).toBe(
      '<table>\n<tr><th>A&#60;</th></tr>\n<tr><td><code>1</code></td></tr>\n</table>',
    )
    expect(html(table({ head: [], rows: [['k', 'v']] }))).toBe('<table>\n<tr><td>k</td><td>v</td></tr>\n</table>')
  })

  it('details: open only when asked, every body block between blank lines; output folded in <pre>', () => {
    expect(html(details('s', [code('a')], true))).toBe(
      '<details open><summary>s</summary>\n\n<code>a</code>\n\n</details>',
    )
    expect(html(output('stderr', 'x <y>\n'))).toBe(
      '<details><summary>stderr</summary>\n\n<pre>x &#60;y&#62;\n</pre>\n\n</details>',
    )
  })

  it('backtick spans of our own texts become <code>; an unpaired backtick stays as it is', () => {
    expect(html(prose('rejects it: `crun: <unknown>` here'))).toBe(
      'rejects it: <code>crun: &#60;unknown&#62;</code> here',
    )
    expect(html(prose('`--map-guest-addr`'))).toBe('<code>--map-guest-addr</code>')
    expect(html(prose("it's `odd"))).toBe('it&#39;s `odd')
  })

  it('paths inside the install dir are shown relative to it, others as they are', () => {
    expect(shortPath('/t/podman/5.4.2/amd64/usr/local/bin/crun', '/t/podman/5.4.2/amd64')).toBe('usr/local/bin/crun')
    expect(shortPath('/usr/bin/fuse-overlayfs', '/t/podman/5.4.2/amd64')).toBe('/usr/bin/fuse-overlayfs')
    expect(shortPath('/t/podman/5.4.2/amd64x/crun', '/t/podman/5.4.2/amd64')).toBe('/t/podman/5.4.2/amd64x/crun')
    expect(shortPath('/usr/bin/crun')).toBe('/usr/bin/crun')
  })
})

describe('a phase', () => {
  const phase = {
    title: 'Smoke tests',
    result: '1/2 passed',
    ms: 1234,
    tables: [{ head: ['Check'], rows: [['a']] }],
    problems: [{ tone: 'fail' as const, what: 'b', why: 'broke <here>', fix: code('do x'), output: 'line 1\nline 2' }],
  }

  it('all green: folded, its one-line result as the summary', () => {
    const h = renderPhase({ ...phase, tone: 'ok', problems: [] })
    expect(h.startsWith('<details><summary><strong>✅ Smoke tests: 1/2 passed · 1.2 s</strong></summary>')).toBe(true)
  })

  it('failed: open, the stderr tail nested in its own folded <details>, not in a cell', () => {
    const h = renderPhase({ ...phase, tone: 'fail' })
    expect(h.startsWith('<details open><summary><strong>❌ Smoke tests')).toBe(true)
    expect(h).toContain('<details><summary>Output of b</summary>\n\n<pre>line 1\nline 2</pre>')
    expect(h).not.toMatch(/<td>[^<]*line 1/)
    expect(phaseSummary({ ...phase, tone: 'warn', ms: undefined })).toBe('⚠️ Smoke tests: 1/2 passed')
  })

  it('a problem reads: icon, what, where, why, then the fix', () => {
    expect(html(problemItem(phase.problems[0], 'smoke tests'))).toBe(
      '❌ <strong>b</strong> (smoke tests): broke &#60;here&#62;<br><strong>Fix:</strong> <code>do x</code>',
    )
  })
})
