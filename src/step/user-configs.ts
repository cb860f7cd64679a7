// The release's etc/containers files a host without them needs (issue 14 item 3): provided at
// user level, each recorded (pending) before it is written, so post removes what was written.
import * as core from '@actions/core'
import path from 'node:path'
import type { SystemChange } from '../host/change.js'
import type { Inputs } from '../inputs.js'
import { planUserConfigs, provideUserConfig, SYSTEM_CONFIG_DIR } from '../install/user-config.js'
import type { Installation } from '../sources/index.js'
import type { RunnerContext } from './context.js'

/** The release's etc/containers files the host lacks, at user level; each recorded before it is written. */
export async function provideConfigs(
  inst: Installation,
  inputs: Inputs,
  ctx: RunnerContext,
  record: (c: SystemChange) => void,
) {
  if (inputs.source === 'system') return
  const plan = await planUserConfigs(path.join(inst.result.root, 'etc', 'containers'), ctx.home)
  for (const f of plan.files) {
    const change: SystemChange = {
      kind: 'user-config',
      description: `removed ${f.to}`,
      revert: ['rm', '-f', f.to],
      sudo: false,
      pending: true,
    }
    record(change)
    await provideUserConfig(f)
    delete change.pending
    record(change)
    core.info(
      `The host has no ${SYSTEM_CONFIG_DIR}/${path.basename(f.to)}: using the release's copy as ${f.to} (${f.why}).`,
    )
  }
}
