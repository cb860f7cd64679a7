// Finds the smoke reports in a directory tree (downloaded artifacts of a matrix, one
// sub-directory per job) and reads them; other JSON files are passed over.
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { errorText } from '../ports/exec.js'
import type { SmokeReport } from '../smoke/report.js'

export interface FoundReport {
  /** relative to the searched directory, with `/` */
  file: string
  report: SmokeReport
}

export class ReportInputError extends Error {}

const MAX_DEPTH = 8

async function jsonFiles(dir: string, depth = 0): Promise<string[]> {
  if (depth > MAX_DEPTH) return []
  const entries = await readdir(dir, { withFileTypes: true })
  const nested = await Promise.all(
    entries.map((e) => {
      const p = path.join(dir, e.name)
      if (e.isDirectory()) return jsonFiles(p, depth + 1)
      return Promise.resolve(e.isFile() && e.name.endsWith('.json') ? [p] : [])
    }),
  )
  return nested.flat()
}

/** The shape the smoke suite writes (version 1); anything else is not a smoke report. */
function isSmokeReport(x: unknown): x is SmokeReport {
  const r = x as Partial<SmokeReport> | null
  return (
    typeof r === 'object' && r !== null && r.version === 1 && Array.isArray(r.checks) && typeof r.result === 'string'
  )
}

/** Every smoke report under `dir`, ordered by path; `skipped` lists JSON files that are not. */
export async function collectReports(dir: string): Promise<{ reports: FoundReport[]; skipped: string[] }> {
  const files = await jsonFiles(dir).catch((err: unknown) => {
    throw new ReportInputError(`Cannot read the reports directory ${dir}: ${errorText(err)}`)
  })
  const reports: FoundReport[] = []
  const skipped: string[] = []
  for (const file of files.sort()) {
    const rel = path.relative(dir, file).split(path.sep).join('/')
    const parsed: unknown = await readFile(file, 'utf8')
      .then(JSON.parse)
      .catch(() => undefined)
    if (isSmokeReport(parsed)) reports.push({ file: rel, report: parsed })
    else skipped.push(rel)
  }
  return { reports, skipped }
}
