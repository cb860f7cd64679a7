// The suite as a step of main: the job log, the summary and the report file with its
// identity; the verdict is applied after the summary is written (so a failing step still
// shows why). The outputs are set by main from what this returns.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as core from '@actions/core'
import type { PodmanInfo } from '../host/info.js'
import type { Inputs } from '../inputs.js'
import type { Run } from '../ports/types.js'
import type { Summary } from '../report/summary.js'
import type { SystemChange } from '../host/change.js'
import { LABEL } from '../smoke/argv.js'
import { SUITE_LEFTOVERS } from '../smoke/process-tree.js'
import { runSmokeSuite } from '../smoke/index.js'
import {
  type CheckReport,
  isBlockingFailure,
  isWarning,
  type ReportIdentity,
  type SmokeReport,
  smokeHeadline,
  withIdentity,
} from '../smoke/report.js'

export const REPORT_FILE = 'setup-static-podman-smoke.json'

export interface InstalledPodman {
  podman: string
  env: NodeJS.ProcessEnv
  info: PodmanInfo
  podmanVersion: string
  /** other podman binaries the host gate found (podman-coexist) */
  otherPodmans?: readonly string[]
  /** docker-socket: true: the API socket the step started (docker-api uses it and blocks) */
  dockerSocket?: string
  /** what labels the suite's containers, networks and base image (the step's state id) */
  runId?: string
}

/**
 * cleanup: what a cancelled suite could leave (containers run under conmon, outside the
 * step's process groups): recorded before it starts, forgotten once it removed its own.
 */
export function smokeLeftovers(podman: string, runId: string): SystemChange[] {
  const filter = `label=${LABEL}=${runId}`
  const change = (what: string, argv: string[]): SystemChange => ({
    kind: SUITE_LEFTOVERS,
    description: `removed the smoke suite's ${what} (${filter})`,
    revert: [podman, ...argv, '--filter', filter],
    sudo: false,
    pending: true,
  })
  // reverted newest first: containers, then their networks, then the base image
  return [
    change('base image', ['image', 'prune', '-a', '-f']),
    change('networks', ['network', 'prune', '-f']),
    change('containers', ['rm', '-f', '-t', '0']),
  ]
}

export interface SmokeStepResult {
  report: SmokeReport
  /** the JSON file (the smoke-report output) */
  reportPath: string
}

type SmokeInputs = Pick<Inputs, 'smokeTests' | 'smokeImage' | 'smokeTimeoutSec' | 'defaultNetwork'>

const ICON = { passed: '✅', failed: '❌', skipped: '⏭️' } as const

/** The job log's line: an advisory failure is ⚠️ with its fix, in the log only (no annotation). */
export function logLine(c: CheckReport): string {
  const what =
    c.status === 'passed'
      ? ((c.details.summary as string | undefined) ?? '')
      : [c.reason, c.status === 'failed' && c.fix && `fix: ${c.fix}`].filter(Boolean).join('; ')
  const icon = isWarning(c) ? '⚠️' : ICON[c.status]
  const advisory = c.severity === 'advisory' && c.status === 'failed' ? ' (advisory)' : ''
  return `${icon} ${c.id} [${c.mode}]${advisory} ${(c.durationMs / 1000).toFixed(1)} s ${what}`.trimEnd()
}

/**
 * Runs the suite (undefined when smoke-tests is none) and adds the summary. `identity` goes
 * into the report file: what the matrix report's row is made of.
 */
export async function runSmokeStep(
  run: Run,
  p: InstalledPodman,
  inputs: SmokeInputs,
  temp: string,
  summary: Summary,
  identity?: ReportIdentity,
): Promise<SmokeStepResult | undefined> {
  if (inputs.smokeTests === 'none') {
    summary.smokeOff = true
    return undefined
  }
  summary.smokeStarted = true
  const reportPath = join(temp, REPORT_FILE)
  const suite = await core.group('Smoke tests', async () => {
    const r = await runSmokeSuite(run, {
      ...p,
      select: inputs.smokeTests,
      image: inputs.smokeImage,
      timeoutSec: inputs.smokeTimeoutSec,
      reportPath,
      defaultNetwork: inputs.defaultNetwork || undefined,
      workDir: temp,
    })
    for (const c of r.checks) core.info(logLine(c))
    return r
  })
  const report = withIdentity(suite, identity)
  // The suite wrote its file already; the identity joins it here, where the step knows it.
  if (identity) await writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`)
  core.info(smokeHeadline(report))
  summary.smoke = report
  return { report, reportPath }
}

/** smoke-failure: error fails the step, warning only annotates; call after the summary is written. */
export function applySmokeVerdict(report: SmokeReport | undefined, mode: Inputs['smokeFailure']): void {
  if (report?.result !== 'failed') return
  const failed = report.checks.filter(isBlockingFailure)
  const message = `Smoke tests failed: ${failed.map((c) => `${c.id} (${c.reason})`).join('; ')}`
  if (mode === 'error') core.setFailed(message)
  else core.warning(`${message}. smoke-failure: warning keeps the step green.`)
}
