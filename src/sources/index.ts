// Where podman comes from: the static release (pigfoot, default), the mgoltzsche bundle,
// or the runner's own (system). Each yields an installed tree and what the gate may do.
import * as core from '@actions/core'
import type { Inputs } from '../inputs.js'
import { archive } from './archive.js'
import { mgoltzsche } from './mgoltzsche.js'
import { pigfoot } from './pigfoot.js'
import { system } from './system.js'
import type { Installation, Source, SourceContext } from './types.js'

export type { Installation, Source, SourceContext } from './types.js'

export const SOURCES: Record<Inputs['source'], Source> = { pigfoot, mgoltzsche, system, archive }

export async function installSource(s: SourceContext): Promise<Installation> {
  const warn = ignoredInputsWarning(s.inputs)
  if (warn) core.warning(warn)
  return SOURCES[s.inputs.source].install(s)
}

/** variant and libc describe pigfoot's assets only: the text of the warning, when they were set. */
export function ignoredInputsWarning(inputs: Pick<Inputs, 'source' | 'variant' | 'libc'>): string | undefined {
  if (inputs.source === 'pigfoot') return undefined
  const given = [
    inputs.variant !== 'default' && `variant: ${inputs.variant}`,
    inputs.libc !== 'static' && `libc: ${inputs.libc}`,
  ].filter(Boolean)
  if (given.length === 0) return undefined
  const what = {
    system: 'the podman already on the runner is used as it is',
    mgoltzsche: 'mgoltzsche/podman-static publishes one asset per architecture',
    archive: 'both are read from the archive itself',
  }[inputs.source]
  return `${given.join(' and ')} ignored with source: ${inputs.source}: ${what}.`
}
