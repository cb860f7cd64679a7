// The report action: smoke reports from a directory -> one job summary table, and the same
// table as a Markdown file and a JSON file (outputs `markdown` and `json`) for docs.
import * as core from '@actions/core'
import { mkdir, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { errorText } from '../ports/exec.js'
import { collectReports, ReportInputError } from './collect.js'
import { renderJson, renderMarkdown, totalLine } from './markdown.js'
import { buildMatrix } from './matrix.js'

const REPORT_BASENAME = 'podman-compatibility'

export interface ReportInputs {
  reports: string
  title: string
  outputDir: string
}

export function getReportInputs(env: NodeJS.ProcessEnv = process.env): ReportInputs {
  const reports = core.getInput('reports', { required: true }).trim()
  const title = core.getInput('title').trim() || 'Podman compatibility'
  const outputDir = core.getInput('output-dir').trim() || env.RUNNER_TEMP || os.tmpdir()
  return { reports, title, outputDir }
}

async function writeReport(inputs: ReportInputs): Promise<{ json: string; markdown: string; text: string }> {
  const { reports, skipped } = await collectReports(inputs.reports)
  if (skipped.length) core.info(`Not smoke reports, passed over: ${skipped.join(', ')}`)
  if (reports.length === 0)
    throw new ReportInputError(
      `No smoke reports found under ${inputs.reports} (JSON files written by setup-static-podman's smoke tests).`,
    )
  const matrix = buildMatrix(reports, inputs.title)
  const text = renderMarkdown(matrix)
  await mkdir(inputs.outputDir, { recursive: true })
  const json = path.join(inputs.outputDir, `${REPORT_BASENAME}.json`)
  const markdown = path.join(inputs.outputDir, `${REPORT_BASENAME}.md`)
  await writeFile(json, renderJson(matrix))
  await writeFile(markdown, text)
  core.info(`${reports.length} report(s): ${totalLine(matrix).replace(/\*\*/g, '')}`)
  return { json, markdown, text }
}

export async function reportMain(): Promise<void> {
  try {
    const out = await writeReport(getReportInputs())
    core.setOutput('json', out.json)
    core.setOutput('markdown', out.markdown)
    if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(out.text).write()
  } catch (err) {
    core.setFailed(errorText(err))
  }
}
