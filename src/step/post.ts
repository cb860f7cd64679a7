// The post step: stop the API service docker-socket started, save the verified archive to
// the Actions cache once main has succeeded, then revert what main changed, newest first.
// A main step that stopped early left no state, and then there is nothing to do.
import * as core from '@actions/core'
import type { SystemChange } from '../host/change.js'
import { HELD } from '../host/shared.js'
import { loadState } from './state.js'
import { errorText, lastLine, run as realRun } from '../ports/exec.js'
import { actionsCache, type Cache, saveArchive } from '../install/archive-cache.js'
import { type Procs, realProcs } from '../ports/service.js'
import type { Run } from '../ports/types.js'
import { stopDockerSocket } from './docker-socket.js'
import { killTree, namePrefix, SUITE_LEFTOVERS } from '../smoke/process-tree.js'

export interface PostDeps {
  run: Run
  cache: Cache
  procs: Procs
}

export async function post(deps: PostDeps = { run: realRun, cache: actionsCache(), procs: realProcs }): Promise<void> {
  try {
    const state = loadState()
    if (!state?.started) {
      core.info('Nothing to clean up: the main step did not get far enough to change anything.')
      return
    }
    if (state.dockerService) core.info(await stopDockerSocket(deps.procs, state.dockerService))
    if (state.succeeded) for (const c of state.cacheSaves ?? []) await saveArchive(deps.cache, c.key, c.paths)
    if (!state.cleanup) return keptChanges(state.changes)
    await revertChanges(deps.run, state.changes)
    // its leftovers still recorded: the suite had not ended (they are forgotten once it has)
    if (state.changes.some((c) => c.kind === SUITE_LEFTOVERS)) await stopSmokeProcesses(deps.procs, state.id)
  } catch (err) {
    core.warning(`Post step: ${errorText(err)}`)
  }
}

/**
 * After a cancelled suite's containers are removed: what still names one of them (a hung exec
 * session's conmon, which `podman rm -f` leaves running) and everything under it.
 */
async function stopSmokeProcesses(procs: Procs, runId: string): Promise<void> {
  const left = await killTree(procs, namePrefix(runId))
  if (left.length)
    core.info(`Stopped ${left.length} process(es) the cancelled smoke suite left: ${left.map((p) => p.pid).join(', ')}`)
}

function keptChanges(changes: readonly SystemChange[]): void {
  if (changes.length === 0) return
  const what = changes.map((c) => c.description).join('; ')
  core.info(`Keeping ${changes.length} system change(s) (cleanup: false): ${what}`)
}

export async function revertChanges(run: Run, changes: readonly SystemChange[]): Promise<void> {
  for (const change of [...changes].reverse()) {
    const [cmd, ...args] = change.sudo ? ['sudo', '-n', ...change.revert] : change.revert
    const r = await run(cmd, args, { timeoutMs: 120_000 })
    if (r.exitCode === 0 && r.stdout.includes(HELD))
      core.info(`Kept: ${change.description}: another job on this machine still relies on it`)
    else if (r.exitCode === 0) core.info(`Reverted: ${change.description}`)
    // Recorded before its command ran, which never finished: there may be nothing to undo.
    else if (change.pending)
      core.info(`Nothing to revert for '${change.description}' (never completed): ${lastLine(r)}`)
    else core.warning(`Could not revert '${change.description}' (${[cmd, ...args].join(' ')}): ${lastLine(r)}`)
  }
}
