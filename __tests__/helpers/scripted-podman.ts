// podman scripted as data for the smoke suite's unit tests: the first key found in the printed
// argv answers (a result, 'hang' until the caller's timeout, or a function of the line).
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ExecResult, Run } from '../../src/ports/types.js'
import type { runSmokeSuite, SmokeOptions } from '../../src/smoke/index.js'
import { PROBE_SCRIPT, type Facts } from '../../src/smoke/probe.js'
import { INFO_431 } from './podman-info.js'

export type Scripted =
  | Partial<ExecResult>
  | 'hang'
  | ((line: string) => Partial<ExecResult> | Promise<Partial<ExecResult>>)
export const lo = { name: 'lo', mtu: 65536, addrs: ['127.0.0.1/8', '::1/128'] }
export const facts = (f: Partial<Facts>): Facts => ({
  interfaces: [lo],
  gw4: [],
  gw6: [],
  hosts: [],
  nameservers: [],
  ...f,
})
export const HOST = facts({
  interfaces: [{ name: 'eth0', mtu: 1400, addrs: ['192.0.2.2/24'] }, lo],
  gw4: [{ dev: 'eth0', via: '192.0.2.1' }],
  nameservers: ['10.255.255.53'],
})
export const SLIRP = facts({
  interfaces: [lo, { name: 'tap0', mtu: 65520, addrs: ['10.0.2.100/24'] }],
  gw4: [{ dev: 'tap0', via: '10.0.2.2' }],
  hosts: [{ addr: '192.0.2.2', names: ['host.containers.internal'] }],
})
export const json = (o: unknown): Scripted => ({ stdout: `${JSON.stringify(o)}\n` })
export const NODE = '/opt/node/bin/node'

/**
 * podman as data: the first key found in the printed argv wins ('^key': at the start); the probe script prints as
 * <probe>.
 */
export function scripted(script: Record<string, Scripted>, delayMs = 0) {
  const calls: string[] = []
  const exits: number[] = []
  let inFlight = 0
  let maxInFlight = 0
  const run: Run = async (cmd, args, opts) => {
    const line = [cmd, ...args].map((a) => (a === PROBE_SCRIPT ? '<probe>' : a)).join(' ')
    calls.push(line)
    maxInFlight = Math.max(maxInFlight, ++inFlight)
    try {
      const found = Object.entries(script).find(([k]) =>
        k.startsWith('^') ? line.startsWith(k.slice(1)) : line.includes(k),
      )?.[1] ?? { exitCode: 126, stderr: `Error: not scripted: ${line.slice(0, 60)}` }
      const hit = typeof found === 'function' ? await found(line) : found
      if (hit === 'hang') {
        await new Promise((r) => setTimeout(r, opts?.timeoutMs))
        exits[calls.indexOf(line)] = 137
        return { exitCode: 137, stdout: '', stderr: '', timedOut: true }
      }
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs))
      exits[calls.indexOf(line)] = hit.exitCode ?? 0
      return { exitCode: 0, stdout: '', stderr: '', ...hit }
    } finally {
      inFlight--
    }
  }
  return { run, calls, exits, maxInFlight: () => maxInFlight }
}

export function options(over: Partial<SmokeOptions> = {}): SmokeOptions & { workDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'smoke-runner-'))
  return {
    podman: '/usr/bin/podman',
    env: {},
    info: INFO_431,
    podmanVersion: '4.3.1',
    select: 'auto',
    image: 'host',
    timeoutSec: 20,
    reportPath: join(dir, 'report.json'),
    nodePath: NODE,
    workDir: mkdtempSync(join(dir, 'work-')),
    ...over,
  }
}

export const BASE: Record<string, Scripted> = {
  [`^${NODE} -e <probe> {"mode":"facts"}`]: json(HOST),
  'rm -f -i -t 0': {},
  'network rm -f': {},
}
export const status = (r: Awaited<ReturnType<typeof runSmokeSuite>>) =>
  Object.fromEntries(r.checks.map((c) => [c.id, `${c.status}${c.reason ? `: ${c.reason}` : ''}`]))
export const containersRun = (calls: string[]) =>
  calls.filter((c) => c.startsWith('/usr/bin/podman run')).map((c) => /--name (\S+)/.exec(c)![1])
