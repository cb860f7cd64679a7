// The job summary: the step records what it learned as it goes (install, host gate, smoke
// report, or the error that stopped it), and the summary is rendered once, at the end, from
// those facts: the verdict line first, then one folded-or-open section per phase.
import * as core from '@actions/core'
import type { SmokeReport } from '../smoke/report.js'
import type { PhaseTimes } from '../ports/timings.js'
import { type GateFacts, gatePhase } from './gate-phase.js'
import { cacheText, flavour, type InstallFacts, installPhase } from './install-phase.js'
import type { PhaseView } from './phase.js'
import { smokeCounts, smokePhase } from './smoke-phase.js'
import { renderStepSummary, type StepSummary, verdictLine } from './verdict.js'

export class Summary {
  install?: Omit<InstallFacts, 'times'>
  gate?: Omit<GateFacts, 'times' | 'installRoot'>
  smoke?: SmokeReport
  /** what stopped the step, when no phase says it */
  error?: string
  /** the suite was turned off (smoke-tests: none) */
  smokeOff?: boolean
  /** the suite started (a step that stops after this did not finish it) */
  smokeStarted?: boolean

  /** The summary's parts, from what was recorded; pure apart from reading the fields. */
  view(times: PhaseTimes, totalMs: number): StepSummary {
    const phases: PhaseView[] = []
    const i = this.install
    if (i) phases.push(installPhase({ ...i, times }))
    if (this.gate) phases.push(gatePhase({ ...this.gate, installRoot: i?.installDir, times }))
    if (this.smoke) phases.push(smokePhase(this.smoke, times.smoke))
    const k = this.smoke && smokeCounts(this.smoke)
    const explained = phases.some((p) => p.tone === 'fail')
    return {
      verdict: {
        version: i?.version,
        flavour: i && (i.system ? i.source : flavour(i)),
        verified: i && !i.system ? i.verified : undefined,
        cache: i && !i.system ? cacheText(i.cacheHit) : undefined,
        checks: k ? { passed: k.passed, ran: k.passed + k.failed + k.warned } : { notRun: this.notRun(phases) },
        totalMs,
      },
      phases,
      error: explained ? undefined : this.error,
    }
  }

  /** Why there are no smoke results: turned off, or what stopped the step first. */
  private notRun(phases: readonly PhaseView[]): string {
    if (this.smokeOff) return 'smoke tests off (smoke-tests: none)'
    if (this.smokeStarted) return 'smoke tests did not finish: the step failed in them'
    const failed = phases.find((p) => p.tone === 'fail')
    if (failed) return `smoke tests did not run: the ${failed.title.toLowerCase()} failed`
    return `smoke tests did not run: the step ${this.error ? 'failed' : 'stopped'} before them`
  }

  /** Writes the summary (when the runner asks for one) and logs the verdict line. */
  async write(times: PhaseTimes, totalMs: number): Promise<void> {
    const view = this.view(times, totalMs)
    core.info(verdictLine(view))
    if (!process.env.GITHUB_STEP_SUMMARY) return
    await core.summary.addRaw(renderStepSummary(view)).write()
  }
}
