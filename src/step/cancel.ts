// A cancelled or timed-out job: the runner sends SIGINT, then SIGTERM, then kills the step
// a few seconds later. Every host change is already in the saved state (recorded before it
// was made), so stopping here loses nothing post needs: stop the children this step started
// (each in its own process group), save the state once more, and end the step as failed.
import * as core from '@actions/core'
import { stopChildren } from '../ports/exec.js'
import { type SavedState, saveState } from './state.js'

const SIGNALS = ['SIGINT', 'SIGTERM'] as const
const EXIT = { SIGINT: 130, SIGTERM: 143 } as const

export interface CancelPorts {
  proc: Pick<NodeJS.Process, 'once' | 'removeListener' | 'exit'>
  stop: () => Promise<number>
}

const realPorts: CancelPorts = { proc: process, stop: () => stopChildren() }

/** Until the returned function is called, a signal stops the step this way. */
export function stopOnCancel(state: SavedState, ports: CancelPorts = realPorts): () => void {
  let stopping = false
  const handlers = SIGNALS.map((sig) => {
    const handler = (): void => {
      if (stopping) return
      stopping = true
      void cancel(sig, state, ports)
    }
    ports.proc.once(sig, handler)
    return [sig, handler] as const
  })
  return () => {
    for (const [sig, handler] of handlers) ports.proc.removeListener(sig, handler)
  }
}

async function cancel(sig: (typeof SIGNALS)[number], state: SavedState, ports: CancelPorts): Promise<void> {
  const stopped = await ports.stop().catch(() => 0)
  saveState(state)
  const n = state.changes.length
  const pending = n && state.cleanup ? `; the post step reverts the ${n} change(s) recorded` : ''
  core.setFailed(`Cancelled (${sig}): stopped ${stopped} running command(s)${pending}`)
  ports.proc.exit(EXIT[sig])
}
