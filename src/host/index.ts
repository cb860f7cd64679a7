// The host gate's API for the main step (src/step/gate.ts): probe -> plan -> (full asset) -> completion -> remedies.
import os from 'node:os'
import type { User } from './facts.js'

export { applyRemedies, blockingChecks, type CheckResult, previewChecks } from './apply-remedies.js'
export {
  applyCompletion,
  type AssetPieces,
  type Completion,
  gateOutputs,
  mergeWiring,
  probeAsset,
  verifyUsed,
} from './complete.js'
export { readFacts } from './facts.js'
export { chooseVariant, GateError, type GatePlan, planGate } from './gate.js'
export { type HostPorts, type HostProbe, probeHost } from './probe.js'
export { planChecks, sessionWiring } from './remedies/index.js'
export { requirementsFor } from './requirements.js'
export { joinHolds, sudoExec, userHold } from './shared.js'

export function currentUser(): User {
  const u = os.userInfo()
  return { name: u.username, uid: u.uid }
}
