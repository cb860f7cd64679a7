// Runs one runtime smoke check through runSmokeSuite with podman scripted as data: the first
// key found in the printed argv wins ('^key' at the start); a value may be a function of the
// line. The probe and runtime scripts print as <probe> and <runtime>.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PodmanInfo } from '../../src/host/info.js'
import type { ExecResult, Run } from '../../src/ports/types.js'
import { type CheckReport, runSmokeSuite, type SmokeOptions } from '../../src/smoke/index.js'
import { PROBE_SCRIPT } from '../../src/smoke/probe.js'
import type { InjectedPorts } from '../../src/smoke/runtime/suite.js'
import { RUNTIME_SCRIPT } from '../../src/smoke/runtime/script.js'
import type { CheckId } from '../../src/inputs.js'

export type Reply = Partial<ExecResult> | 'hang' | ((line: string) => Partial<ExecResult> | 'hang')
export const NODE = '/opt/node/bin/node'
export const PODMAN = '/opt/podman/bin/podman'
export const json = (o: unknown): Partial<ExecResult> => ({ stdout: `${JSON.stringify(o)}\n` })

export const INFO: PodmanInfo = {
  version: '5.4.2',
  ociRuntime: {},
  conmon: {},
  pasta: {},
  slirp4netns: {},
  netavark: {},
  aardvarkDns: {},
  rootless: true,
  store: { driver: 'overlay', configFile: '/home/u/.config/containers/storage.conf' },
}

const FACTS = { interfaces: [], gw4: [], gw6: [], hosts: [], nameservers: [] }

export function scripted(script: Record<string, Reply>) {
  const calls: string[] = []
  const all: Record<string, Reply> = {
    [`^${NODE} -e <probe>`]: json(FACTS),
    ' import ': { stdout: 'sha256:base\n' },
    ' rm -f -i -t 0 ': {},
    ' rmi -f ': {},
    ...script,
  }
  const run: Run = async (cmd, args, opts) => {
    const line = [cmd, ...args]
      .map((a) => (a === PROBE_SCRIPT ? '<probe>' : a === RUNTIME_SCRIPT ? '<runtime>' : a))
      .join(' ')
    calls.push(line)
    const key = Object.keys(all)
      .sort((a, b) => b.length - a.length) // the most specific key first
      .find((k) => (k.startsWith('^') ? line.startsWith(k.slice(1)) : line.includes(k)))
    let hit = key ? all[key] : { exitCode: 126, stderr: `Error: not scripted: ${line.slice(0, 80)}` }
    if (typeof hit === 'function') hit = hit(line)
    if (hit === 'hang') {
      await new Promise((r) => setTimeout(r, opts?.timeoutMs))
      return { exitCode: 137, stdout: '', stderr: '', timedOut: true }
    }
    return { exitCode: 0, stdout: '', stderr: '', ...hit }
  }
  return { run, calls }
}

export interface OneOptions {
  info?: PodmanInfo
  timeoutSec?: number
  inject?: InjectedPorts
  over?: Partial<SmokeOptions>
}

/**
 * One check by id (named in smoke-tests, so blocking unless `over.select` says otherwise); its report and the calls.
 */
export async function runCheck(
  id: CheckId,
  script: Record<string, Reply>,
  o: OneOptions = {},
): Promise<{ check: CheckReport; calls: string[] }> {
  const p = scripted(script)
  const dir = mkdtempSync(join(tmpdir(), 'smoke-rt-'))
  const report = await runSmokeSuite(p.run, {
    podman: PODMAN,
    env: { XDG_RUNTIME_DIR: '/run/user/1001' },
    info: o.info ?? INFO,
    podmanVersion: '5.4.2',
    select: [id],
    image: 'host',
    timeoutSec: o.timeoutSec ?? 20,
    reportPath: join(dir, 'report.json'),
    nodePath: NODE,
    workDir: dir,
    inject: o.inject,
    ...o.over,
    concurrency: 1,
  })
  const check = report.checks.find((c) => c.id === id)
  if (!check) throw new Error(`no check ${id}`)
  return { check, calls: p.calls }
}
