// The compatibility matrix as data: one row per configuration (source / variant / libc /
// arch / runner), one column per check, and the totals. Pure: reports in, table out.
import type { ComponentIdentity, ReportIdentity } from '../smoke/identity.js'
import type { SmokeResult } from '../smoke/report.js'
import type { FoundReport } from './collect.js'

interface Column {
  id: string
  title: string
}

export interface Row {
  /** `pigfoot default static`, `mgoltzsche`, `system` */
  configuration: string
  arch: string
  /** runner image, with the OS when known */
  runner: string
  podman: string
  crun: string
  pasta: string
  /** by check id; absent: the report has no such check */
  cells: Record<string, SmokeResult>
  /** why a check failed or was skipped */
  reasons: Record<string, string>
  passed: number
  failed: number
  skipped: number
  file: string
  identity?: ReportIdentity
}

export interface Matrix {
  title: string
  columns: Column[]
  rows: Row[]
  passed: number
  /** passed + failed: the checks that ran */
  ran: number
  skipped: number
}

const SOURCE_ORDER = ['system', 'mgoltzsche', 'pigfoot']
const VARIANT_ORDER = ['standalone', 'default', 'full']
const LIBC_ORDER = ['static', 'glibc']

function configurationOf(id: ReportIdentity | undefined): string {
  if (!id) return 'unknown'
  return [id.source, id.variant, id.libc].filter(Boolean).join(' ')
}

function component(c: ComponentIdentity | undefined): string {
  if (!c || c.origin === 'missing') return 'missing'
  return `${c.version ?? 'unknown'} (${c.origin})`
}

function runnerOf(id: ReportIdentity | undefined): string {
  if (!id) return 'unknown'
  return id.os ? `${id.runner} (${id.os})` : id.runner
}

function toRow({ file, report }: FoundReport): Row {
  const id = report.identity
  const cells: Row['cells'] = {}
  const reasons: Row['reasons'] = {}
  for (const c of report.checks) {
    cells[c.id] = c.status
    if (c.status !== 'passed' && c.reason) reasons[c.id] = c.reason
  }
  const count = (s: SmokeResult) => report.checks.filter((c) => c.status === s).length
  return {
    configuration: configurationOf(id),
    arch: id?.arch ?? 'unknown',
    runner: runnerOf(id),
    podman: id ? component(id.podman) : `${report.podmanVersion} (unknown)`,
    crun: component(id?.crun),
    pasta: component(id?.pasta),
    cells,
    reasons,
    passed: count('passed'),
    failed: count('failed'),
    skipped: count('skipped'),
    file,
    ...(id && { identity: id }),
  }
}

const rank = (order: string[], v: string | undefined) =>
  v === undefined ? -1 : order.indexOf(v) === -1 ? order.length : order.indexOf(v)

/**
 * Runner, then source, variant, libc and arch, each in the *_ORDER above (the runner's own podman first); ties by
 * file.
 */
function compare(a: Row, b: Row): number {
  const ia = a.identity
  const ib = b.identity
  const keys: [number | string, number | string][] = [
    [a.runner, b.runner],
    [rank(SOURCE_ORDER, ia?.source), rank(SOURCE_ORDER, ib?.source)],
    [rank(VARIANT_ORDER, ia?.variant), rank(VARIANT_ORDER, ib?.variant)],
    [rank(LIBC_ORDER, ia?.libc), rank(LIBC_ORDER, ib?.libc)],
    [a.arch, b.arch],
    [a.file, b.file],
  ]
  for (const [x, y] of keys) {
    if (x !== y) return typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))
  }
  return 0
}

/** Columns in the order the suite runs its checks, as they first appear in the reports. */
function columnsOf(found: readonly FoundReport[]): Column[] {
  const seen = new Map<string, Column>()
  for (const { report } of found)
    for (const c of report.checks) if (!seen.has(c.id)) seen.set(c.id, { id: c.id, title: c.title })
  return [...seen.values()]
}

export function buildMatrix(found: readonly FoundReport[], title: string): Matrix {
  const rows = found.map(toRow).sort(compare)
  const sum = (k: 'passed' | 'failed' | 'skipped') => rows.reduce((n, r) => n + r[k], 0)
  return {
    title,
    columns: columnsOf(found),
    rows,
    passed: sum('passed'),
    ran: sum('passed') + sum('failed'),
    skipped: sum('skipped'),
  }
}
