// The release's etc/containers files a host without them needs (issue 14 item 3): provided at
// user level, each recorded (pending) before it is written, so post removes what was written.
// Two jobs of one user share the files: each holds what it provides or finds provided by
// another job, and only the last holder's post removes it (issue 12 item 6).
import * as core from '@actions/core'
import { access, mkdir } from 'node:fs/promises'
import path from 'node:path'
import { recordThenDo, type SystemChange } from '../host/change.js'
import { userHold } from '../host/index.js'
import type { Inputs } from '../inputs.js'
import { planUserConfigs, provideUserConfig, SYSTEM_CONFIG_DIR, userConfigDir } from '../install/user-config.js'
import type { Run } from '../ports/types.js'
import type { Installation } from '../sources/index.js'
import type { RunnerContext } from './context.js'

/** How this job records and holds what it provides; no hold with cleanup: false (nothing is removed). */
export interface ConfigHolds {
  run: Run
  record: (c: SystemChange) => void
  /** the step's state id; undefined: provided files are neither held nor removed */
  id?: string
  /** where the host's own files are: /etc/containers (tests: a temp dir) */
  systemDir?: string
}

/** Outside ~/.config/containers: the lock file outlives every hold, so it stays in a cache dir. */
const holdsDir = (home: string): string => path.join(home, '.cache', 'setup-static-podman', 'user-config-holds')

/** The release's etc/containers files the host lacks, at user level; each recorded before it is written. */
export async function provideConfigs(inst: Installation, inputs: Inputs, ctx: RunnerContext, h: ConfigHolds) {
  if (inputs.source === 'system') return
  if (h.id) await joinProvided(ctx.home, h as Required<ConfigHolds>)
  const plan = await planUserConfigs(path.join(inst.result.root, 'etc', 'containers'), ctx.home, h.systemDir)
  for (const f of plan.files) {
    const hold = h.id ? userHold(holdsDir(ctx.home), path.basename(f.to), h.id) : undefined
    const change: SystemChange = {
      kind: 'user-config',
      description: `removed ${f.to}`,
      revert: hold ? hold.revert(f.to) : ['rm', '-f', f.to],
      sudo: false,
    }
    await recordThenDo(h.record, change, async () => {
      if (hold)
        await mkdir(path.dirname(holdsDir(ctx.home)), { recursive: true }).then(() => held(h.run, hold.join(false)))
      await provideUserConfig(f)
      return true
    })
    core.info(
      `The host has no ${SYSTEM_CONFIG_DIR}/${path.basename(f.to)}: using the release's copy as ${f.to} (${f.why}).`,
    )
  }
}

/** Files another job of this user provided and still holds: held for this job too, recorded first. */
async function joinProvided(home: string, h: Required<ConfigHolds>): Promise<void> {
  for (const name of ['policy.json', 'registries.conf']) {
    const file = path.join(userConfigDir(home), name)
    if (!(await exists(path.join(holdsDir(home), name)))) continue // nobody holds it: the plan decides
    const hold = userHold(holdsDir(home), name, h.id)
    const change: SystemChange = {
      kind: 'user-config',
      description: `removed ${file} (another job's copy, held while this job runs)`,
      revert: hold.revert(file),
      sudo: false,
    }
    // released meanwhile: the plan decides
    if (!(await recordThenDo(h.record, change, () => held(h.run, hold.join(true))))) continue
    core.info(`Using ${file}, which another job on this machine provided; the last job's post removes it.`)
  }
}

const exists = (p: string): Promise<boolean> =>
  access(p).then(
    () => true,
    () => false,
  )

async function held(run: Run, argv: string[]): Promise<boolean> {
  const r = await run(argv[0], argv.slice(1), { input: '{}', timeoutMs: 60_000 })
  return r.exitCode === 0
}
