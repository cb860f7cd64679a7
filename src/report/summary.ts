// Job summary: pure row builders, one write. Untrusted text (tool output) is escaped.
import * as core from '@actions/core'
import type { Origin } from '../host/origin.js'

export type Row = Parameters<typeof core.summary.addTable>[0][number]

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

const header = (...cells: string[]): Row => cells.map((data) => ({ data, header: true }))
const cells = (...xs: string[]): Row => xs.map((x) => escapeHtml(x))

export interface Component {
  name: string
  version?: string
  path?: string
  origin: Origin
}

export function componentRows(components: readonly Component[]): Row[] {
  return [
    header('Component', 'Version', 'Path', 'Origin'),
    ...components.map((c) => cells(c.name, c.version ?? 'unknown', c.path ?? '—', c.origin)),
  ]
}

export interface InstallFacts {
  source: string
  version: string
  variant: string
  libc: string
  arch: string
  installDir: string
  cacheHit: string
  verified: string
  asset?: string
  dropin?: string
}

export function installRows(f: InstallFacts): Row[] {
  const rows: [string, string][] = [
    ['Source', f.source],
    ['Podman', `${f.version} (${[f.variant, f.libc, f.arch].filter(Boolean).join(', ')})`],
    ['Asset', f.asset ?? '—'],
    ['Verified', f.verified],
    ['Cache', f.cacheHit === 'false' ? 'miss (downloaded)' : `hit (${f.cacheHit})`],
    ['Install dir', f.installDir],
    ['containers.conf drop-in', f.dropin ?? '—'],
  ]
  return [header('What', 'Value'), ...rows.map(([k, v]) => cells(k, v))]
}

/** Collects sections in order and writes them once at the end of the step. */
export class Summary {
  private readonly parts: ((s: typeof core.summary) => void)[] = []

  table(title: string, rows: Row[]): this {
    this.parts.push((s) => s.addHeading(title, 3).addTable(rows))
    return this
  }

  details(label: string, text: string): this {
    this.parts.push((s) => s.addDetails(escapeHtml(label), `\n\n<pre>${escapeHtml(text)}</pre>\n\n`))
    return this
  }

  raw(html: string): this {
    this.parts.push((s) => s.addRaw(html, true))
    return this
  }

  async write(): Promise<void> {
    if (!process.env.GITHUB_STEP_SUMMARY) return
    core.summary.addHeading('setup-static-podman', 2)
    for (const p of this.parts) p(core.summary)
    await core.summary.write()
  }
}
