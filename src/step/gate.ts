// The host gate as a step of main: probe what podman will use, complete what is missing
// from the release's full asset, clear rootless blockers, and say how to re-write the drop-in.
// The gate itself (src/host) decides; this file does the I/O it asks for.
import * as core from '@actions/core'
import type { SystemChange } from '../host/change.js'
import type { User } from '../host/facts.js'
import * as host from '../host/index.js'
import type { PodmanInfo } from '../host/info.js'
import type { Inputs, Variant } from '../inputs.js'
import type { Wiring } from '../install/dropin.js'
import { type Installed, LAYOUTS, resolveLayout } from '../install/layout.js'
import { errorText } from '../ports/exec.js'
import type { Clock } from '../ports/timings.js'

export interface GateStepInput {
  ports: host.HostPorts
  user: User
  inputs: Pick<Inputs, 'installMissing' | 'allowSudo' | 'apparmor'>
  installed: Installed
  variant: Variant
  version: string
  /** the tree the action unpacked (undefined for the runner's own podman): no package owns a file in it */
  installRoot?: string
  /** the environment the job started with: PATH before ours, to see other podmans */
  env: NodeJS.ProcessEnv
  /** the environment later steps run podman with (our bin dir first): what `podman info` is asked in */
  podmanEnv: NodeJS.ProcessEnv
  baseWiring: Wiring
  clock: Pick<Clock, 'time'>
  /** installs the same release's full asset (verified like the main one); returns its root */
  installFull: () => Promise<string>
  /** called with each host change before it is made (and again once it is), so post reverts it after a cancel */
  record: (c: SystemChange) => void
  /** cleanup: the step run's id, under which it holds host-wide changes (src/host/shared.ts) */
  holdId?: string
}

export interface GateStepResult {
  wiring: Wiring
  pieces: host.Completion['pieces']
  checks: host.CheckResult[]
  /** the crun-version and pasta-version outputs */
  versions: { crunVersion: string; pastaVersion: string }
  /** other podman binaries on the job's PATH (the runner image's own): the smoke suite exercises them too */
  otherPodmans: string[]
  /** what `podman info` said with the drop-in of `baseWiring` (undefined when it failed) */
  info?: PodmanInfo
}

export async function gateStep(g: GateStepInput): Promise<GateStepResult> {
  const { ports, user } = g
  const probe = await look(g)
  const plan = host.planGate(probe, host.requirementsFor(g.variant, g.version), {
    installMissing: g.inputs.installMissing,
  })
  const remedyOpts = { allowSudo: g.inputs.allowSudo, apparmor: g.inputs.apparmor, podman: g.installed.podman }
  const checks = host.planChecks(probe, remedyOpts)
  // Every line nothing will fix, at once, before anything is downloaded or changed.
  const early = [...plan.failures, ...host.blockingChecks(checks, user)]
  if (early.length) throw new host.GateError(early, { pieces: plan.pieces, checks: host.previewChecks(checks, user) })
  const completion = host.applyCompletion(plan, ...(await fullAsset(g, plan, probe.pieces)))
  const remedies = await host.applyRemedies(ports, probe, checks, remedyOpts, {
    env: g.env,
    user,
    onChange: g.record,
    holdId: g.holdId,
  })
  for (const w of [...completion.warnings, ...remedies.warnings]) core.warning(w)
  for (const n of completion.notes) core.info(n)
  for (const n of remedies.notes) core.info(n)
  const failures = [...completion.failures, ...remedies.failures]
  const found = { pieces: completion.pieces, checks: remedies.checks }
  if (failures.length) throw new host.GateError(failures, found)
  return {
    wiring: host.mergeWiring(g.baseWiring, completion.wiring, remedies.wiring),
    ...found,
    versions: host.gateOutputs(completion.pieces),
    otherPodmans: probe.podmans.filter((b) => b.realPath !== probe.installed?.realPath).map((b) => b.path),
    info: probe.info,
  }
}

/** Another job's host-wide changes are held before looking, so none is reverted under this one. */
async function look(g: GateStepInput): ReturnType<typeof host.probeHost> {
  const { ports, user } = g
  const sudo = g.inputs.allowSudo || user.uid === 0
  if (g.holdId && sudo) await host.joinHolds(ports, host.sudoExec(ports, user.uid === 0), g.holdId, g.record)
  return host.probeHost(ports, {
    env: g.env,
    infoEnv: g.podmanEnv,
    clock: g.clock,
    user,
    podman: g.installed.podman,
    podmanVersion: g.version,
    wiring: g.baseWiring,
    roots: g.installRoot ? [g.installRoot] : [],
  })
}

type FullAsset = [host.AssetPieces | undefined, string | undefined]

async function fullAsset(g: GateStepInput, plan: host.GatePlan, probed: host.HostProbe['pieces']): Promise<FullAsset> {
  if (!plan.needsFullAsset) return [undefined, undefined]
  try {
    const root = await core.group('Install the full asset to complete the runtime stack', g.installFull)
    return [await host.probeAsset(g.ports, resolveLayout(root, LAYOUTS.full), plan.complete, probed), undefined]
  } catch (err) {
    return [undefined, errorText(err)]
  }
}
