// The step's containers.conf drop-in: what it points podman at, where the job's own copy
// lives (recorded before it exists), and the rewrite after the gate.
import path from 'node:path'
import type { SystemChange } from '../host/change.js'
import type { Inputs } from '../inputs.js'
import { buildDropin, DROPIN_NAME, dropinDir, jobDropinName, type Wiring, writeDropin } from '../install/dropin.js'
import type { Installed } from '../install/layout.js'
import type { WireResult } from '../install/wire.js'
import type { RunnerContext } from './context.js'

export function wiringFor(installed: Installed, inputs: Pick<Inputs, 'defaultNetwork'>): Wiring {
  return {
    runtimePath: installed.crun,
    conmonPath: installed.conmon,
    initPath: installed.catatonit,
    helperDirs: installed.helperDirs,
    defaultNetwork: inputs.defaultNetwork || undefined,
  }
}

/** cleanup: true: the job's own drop-in, recorded (and saved) before the file exists. */
export function dropinFor(
  inputs: Inputs,
  ctx: RunnerContext,
  env: NodeJS.ProcessEnv,
  record: (c: SystemChange) => void,
  id: string,
): string {
  const dropin = path.join(dropinDir(env, ctx.home), inputs.cleanup ? jobDropinName(id) : DROPIN_NAME)
  if (inputs.cleanup) record(dropinChange(dropin))
  return dropin
}

const dropinChange = (dropin: string): SystemChange => ({
  kind: 'dropin',
  description: `removed ${dropin}`,
  revert: ['rm', '-f', dropin],
  sudo: false,
})

/** Writes the gate's wiring when it differs from what podman was asked under; true when it did. */
export async function rewire(wired: Pick<WireResult, 'dropin' | 'dropinText'>, wiring: Wiring): Promise<boolean> {
  const text = buildDropin(wiring)
  if (text === wired.dropinText) return false
  await writeDropin(path.dirname(wired.dropin), text, path.basename(wired.dropin))
  return true
}
