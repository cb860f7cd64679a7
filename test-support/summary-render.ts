// Renders a job summary the way GitHub shows it and measures what a person sees: cmark-gfm
// (GitHub's renderer, with its extensions and raw HTML), GitHub's sanitizer allowlist,
// GitHub's markdown stylesheet, a headless Chromium at the summary pane's width. Screenshots
// go to .cache/summary-shots/ (git-ignored) as test artifacts.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'
import { runOk } from './proc.js'
import { repoRoot } from './runner.js'

/** The width of the job summary pane the issue measured (px). */
const SUMMARY_WIDTH = 1012
const SHOTS_DIR = join(repoRoot(), '.cache/summary-shots')
const CHROMIUM = process.env.SSP_CHROMIUM ?? '/usr/bin/chromium'
const CMARK = process.env.SSP_CMARK_GFM ?? 'cmark-gfm'

/**
 * What GitHub keeps of user HTML: html-pipeline's SanitizationFilter allowlist (the published
 * one GitHub's markdown rendering is based on). Anything else is stripped: a summary that
 * relies on it looks different on GitHub than here, so tests assert nothing is removed.
 */
const ALLOW = {
  elements: (
    'h1 h2 h3 h4 h5 h6 h7 h8 br b i strong em a pre code img tt div ins del sup sub p ol ul table thead tbody ' +
    'tfoot blockquote dl dt dd kbd q samp var hr ruby rt rp li tr td th s strike summary details'
  ).split(' '),
  attributes: { a: ['href'], img: ['src', 'longdesc'], div: ['itemscope', 'itemtype'] },
  all: (
    'abbr accept accept-charset accesskey action align alt axis border cellpadding cellspacing char charoff ' +
    'charset checked clear cols colspan color compact coords datetime dir disabled enctype for frame headers ' +
    'height hreflang hspace ismap label lang maxlength media method multiple name nohref noshade nowrap open ' +
    'prompt readonly rel rev rows rowspan rules scope selected shape size span start summary tabindex target ' +
    'title type usemap valign value vspace width itemprop'
  ).split(' '),
}

interface DetailsState {
  summary: string
  open: boolean
  /** 0 for a top-level <details>, 1 inside another one */
  depth: number
}

export interface View {
  /** how far the page scrolls sideways (px) */
  documentOverflowPx: number
  /** how far the widest <pre> (tool output, kept verbatim) scrolls inside itself */
  preScrollPx: number
  /** rendered elements (but <pre>) wider than their box or reaching past the pane */
  overflow: { element: string; px: number }[]
  /** the first line of text a person reads */
  firstText: string
  /** the rendered text (what is visible: closed <details> contribute their summary only) */
  text: string
  /** every text node, visible or not */
  allText: string
  /** every text node outside <pre> (tool output), visible or not */
  proseText: string
  details: DetailsState[]
  height: number
}

export interface Rendered {
  html: string
  /** what GitHub's sanitizer would strip from this summary */
  removed: { elements: string[]; attributes: string[] }
  /** as the page opens */
  view: View
  /** with every <details> opened */
  expanded: View
  /** PNG files: as opened, and expanded */
  shots: { view: string; expanded: string }
}

/** GFM to HTML exactly as the job summary's renderer does (raw HTML kept, tagfilter applied). */
async function gfmToHtml(markdown: string): Promise<string> {
  const ext = ['table', 'strikethrough', 'autolink', 'tagfilter'].flatMap((e) => ['-e', e])
  const r = await runOk(CMARK, ['--unsafe', ...ext, '-t', 'html'], { timeoutMs: 30_000, input: markdown })
  return r.stdout
}

async function pageHtml(body: string): Promise<string> {
  const require = createRequire(import.meta.url)
  const css = await readFile(require.resolve('github-markdown-css/github-markdown-light.css'), 'utf8')
  // The summary pane: the article fills its width, with the padding GitHub gives it.
  const frame = `body{margin:0}.markdown-body{box-sizing:border-box;width:${SUMMARY_WIDTH}px;padding:16px}`
  return (
    `<!doctype html><html><head><meta charset="utf-8"><style>${css}\n` +
    `${frame}</style></head><body><article class="markdown-body">${body}</article></body></html>`
  )
}

const pageScript = (): Promise<string> =>
  readFile(join(dirname(fileURLToPath(import.meta.url)), 'summary-page.js'), 'utf8')

/** One browser for a test file: `render` as often as needed, `close` in afterAll. */
export class SummaryBrowser {
  private constructor(private readonly browser: Browser) {}

  static async launch(): Promise<SummaryBrowser> {
    // Root (as in this test VM) cannot use Chromium's sandbox; an ordinary user keeps it.
    const args = ['--disable-gpu', '--font-render-hinting=none', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])]
    const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args })
    return new SummaryBrowser(browser)
  }

  /** Renders `markdown`, measures it, and saves `<name>.png` and `<name>-expanded.png`. */
  async render(markdown: string, name: string): Promise<Rendered> {
    const html = await gfmToHtml(markdown)
    const page = await this.browser.newPage()
    try {
      await offline(page)
      await page.setViewport({ width: SUMMARY_WIDTH, height: 400, deviceScaleFactor: 1 })
      await page.setContent(await pageHtml(html), { waitUntil: 'load' })
      await page.addScriptTag({ content: await pageScript() })
      const removed = (await page.evaluate(`window.sspSanitize(${JSON.stringify(ALLOW)})`)) as Rendered['removed']
      await mkdir(SHOTS_DIR, { recursive: true })
      const shots = { view: join(SHOTS_DIR, `${name}.png`), expanded: join(SHOTS_DIR, `${name}-expanded.png`) }
      const view = (await page.evaluate('window.sspMeasure()')) as View
      await page.screenshot({ path: shots.view as `${string}.png`, fullPage: true })
      await page.evaluate('window.sspExpandAll()')
      const expanded = (await page.evaluate('window.sspMeasure()')) as View
      await page.screenshot({ path: shots.expanded as `${string}.png`, fullPage: true })
      await writeFile(join(SHOTS_DIR, `${name}.md`), markdown)
      return { html, removed, view, expanded, shots }
    } finally {
      await page.close()
    }
  }

  async close(): Promise<void> {
    await this.browser.close()
  }
}

/** Tests send no traffic but to loopback: the page may load nothing from outside. */
async function offline(page: Page): Promise<void> {
  await page.setRequestInterception(true)
  page.on('request', (req) => {
    if (req.url().startsWith('data:') || req.url() === 'about:blank') void req.continue()
    else void req.abort()
  })
}
