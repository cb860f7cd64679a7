// Prints one stack's figures: the baselines, the step's wall times, each target of issue 13
// with met / not met, the per-phase breakdown, and the programs the step started.
import path from 'node:path'
import { PHASES } from '../src/ports/timings.js'
import type { ProgramCpu } from './acct.js'
import type { BenchArchive } from './archive.js'
import type { Retimed } from './lookups.js'
import type { BenchStack, StepRun, Traced } from './step.js'
import { type Exec, infoCalls, lookupMs, lookupTarget, packageLookups } from './trace.js'

export interface StackFigures {
  raw: number[]
  node: number[]
  cold: StepRun[]
  warm: StepRun[]
  auto: AutoRun[]
  podmanRun: number[]
}

/** A smoke-auto step, with its CPU by program (process accounting) or why that was not measured. */
export type AutoRun = StepRun & { cpu: ProgramCpu[] | string }

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`
const wall = (runs: readonly StepRun[]): number => median(runs.map((r) => r.wallMs))
const pad = (s: string, n: number): string => s.padEnd(n)

/** `met`: whether the target is met, or why it was not measured */
function target(name: string, value: string, limit: string, met: boolean | string): string {
  const verdict = typeof met === 'string' ? met : met ? 'met' : 'NOT MET'
  return `  ${pad(name, 52)} ${pad(value, 24)} ${pad(limit, 12)} ${verdict}`
}

/** median of each phase over runs that recorded it */
function phases(runs: readonly StepRun[]): string {
  return PHASES.map((p) => {
    const xs = runs.map((r) => r.timings[p]).filter((x): x is number => x !== undefined)
    return `${p} ${xs.length ? sec(median(xs)) : '-'}`
  }).join(', ')
}

const argvText = (x: Exec): string => [path.basename(x.file), ...x.argv.slice(1)].join(' ')

/** Does the binary report its own version through a pipe (a digit in its first line, and not 'unknown')? */
const reportsVersion = (line: string | undefined): boolean => !!line && /\d/.test(line) && !/unknown/i.test(line)

/**
 * A lookup that finds no package database fails within this (the fail-fast route issue 13
 * allows), timed untraced as podman ran it: `dpkg -S` takes 5-10 ms so, 0.45 s reading this
 * host's database. Traced, the same failing `dpkg -S` takes 45-55 ms (lookups.ts).
 */
const FAIL_FAST_MS = 50

interface Lookup {
  x: Exec
  /** the binary reports its own version: the lookup is needless */
  needless: boolean
  /** traced */
  ms?: number
  untraced?: Retimed
  failedFast: boolean
}

function judged(t: Traced): Lookup[] {
  return packageLookups(t.execs).map((x, i) => {
    const file = lookupTarget(x)
    const [ms, untraced] = [lookupMs(x), t.untraced[i]]
    const failed = x.exit !== undefined && x.exit.code !== 0 && untraced?.code !== 0
    const took = untraced?.ms ?? ms
    const failedFast = failed && took !== undefined && took <= FAIL_FAST_MS
    return { x, needless: file.startsWith('/') && reportsVersion(t.versions[file]), ms, untraced, failedFast }
  })
}

function lookupLine(l: Lookup, versions: Record<string, string>): string {
  const t = lookupTarget(l.x)
  const why = t.startsWith('/') ? (l.needless ? `; it reports '${versions[t]}' itself` : '; prints no version') : ''
  const ended = l.x.exit ? `exit ${l.x.exit.code}` : 'no exit seen'
  const again = l.untraced ? `, ${l.untraced.ms.toFixed(1)} ms untraced (exit ${l.untraced.code})` : ''
  const took = l.ms === undefined ? '' : ` after ${l.ms.toFixed(1)} ms traced${again}`
  return `    by ${l.x.by}: ${argvText(l.x)}${why} (${ended}${took})`
}

/** The smoke target's line; not measured when the bench ran without the suite (BENCH_SMOKE=none). */
function smokeTarget(f: StackFigures, warm: number): string {
  const name = 'smoke auto adds / (checks x bare podman run)'
  if (f.auto.length === 0) return target(name, 'not measured', '<= 1.0', '(BENCH_SMOKE=none)')
  const [auto, run, checks] = [wall(f.auto), median(f.podmanRun), median(f.auto.map((r) => r.checks))]
  const smoke = (auto - warm) / (checks * run)
  return target(name, `${smoke.toFixed(2)} (${sec(auto - warm)}/${checks}x${sec(run)})`, '<= 1.0', smoke <= 1.0)
}

export function printFigures(b: BenchStack, a: BenchArchive, f: StackFigures): void {
  const [raw, node, cold, warm] = [median(f.raw), median(f.node), wall(f.cold), wall(f.warm)]
  const suite = f.auto.length > 0
  const peak = (runs: StepRun[]) => (Math.max(...runs.map((r) => r.rssKb)) / 1024).toFixed(0)
  const rss = Math.max(...[...f.cold, ...f.warm, ...f.auto].map((r) => r.rssKb)) / 1024
  const autoRss = suite ? `, auto ${peak(f.auto)}` : ''
  const rssText = `${rss.toFixed(0)} MiB (cold ${peak(f.cold)}, warm ${peak(f.warm)}${autoRss})`
  const requests = f.warm.reduce((n, r) => n + r.requests, 0)
  const where = b.tree ? `the ${b.tree} tree` : 'the host'
  console.log(
    `\n== ${b.name}: ${where}, podman ${b.version}, ${a.name} ${(a.size / 2 ** 20).toFixed(1)} MiB (zstd -19)`,
  )
  const run = suite ? `; bare podman run --rm ${sec(median(f.podmanRun))}` : ''
  console.log(`  raw curl | zstd -d | tar x ${sec(raw)}; bare node start-up ${sec(node)}${run}`)
  const failed = suite ? Math.max(...f.auto.map((r) => r.failures.length)) : 0
  const failedText = failed ? ` (${failed} checks failed: reported, not counted out)` : ''
  const autoText = suite ? `, smoke auto ${sec(wall(f.auto))}${failedText}` : ''
  console.log(`  step wall: cold ${sec(cold)}, warm ${sec(warm)} (${requests} requests)${autoText}`)
  // by check: a reason may name a per-run path (the runtime dir)
  const reasons = new Map(f.auto.flatMap((r) => r.failures.map((x) => [x.id, x.reason] as const)))
  for (const [id, reason] of reasons) console.log(`    failed: ${id}: ${reason}`)
  console.log(`  phases, cold: ${phases(f.cold)}`)
  console.log(`  phases, warm: ${phases(f.warm)}`)
  if (suite) console.log(`  phases, smoke auto: ${phases(f.auto)}`)
  if (suite) console.log(checksLine(f))
  if (suite) console.log(autoCpuLine(f))
  console.log(`  targets (issue 13)`)
  console.log(target('warm own work = warm - node start-up', sec(warm - node), '<= 0.60 s', warm - node <= 600))
  console.log(target('warm requests', String(requests), '0', requests === 0))
  const install = (cold - warm) / raw
  console.log(target('(cold - warm) / raw pipeline', `${install.toFixed(2)}`, '<= 1.3', install <= 1.3))
  console.log(smokeTarget(f, warm))
  console.log(target('peak RSS of node dist/main.cjs', rssText, '<= 150 MiB', rss <= 150))
}

/** The auto run of median wall time. */
function medianRun(f: StackFigures): AutoRun {
  const order = [...f.auto].sort((a, b) => a.wallMs - b.wallMs)
  return order[Math.floor((order.length - 1) / 2)]
}

/** The median auto run's longest checks, and how many ran at once on average. */
function checksLine(f: StackFigures): string {
  const run = medianRun(f)
  const sum = run.durations.reduce((n, d) => n + d.ms, 0)
  const smoke = run.timings.smoke ?? run.wallMs
  const top = run.durations.slice(0, 6).map((d) => `${d.id} ${sec(d.ms)}`)
  return (
    `  smoke checks, longest first (the median run): ${top.join(', ')}; ` +
    `${sec(sum)} of checks in ${sec(smoke)} (${(sum / smoke).toFixed(1)} at once)`
  )
}

/** The median auto run's CPU by program: what the suite's wall time is made of. */
function autoCpuLine(f: StackFigures): string {
  const { cpu, wallMs } = medianRun(f)
  if (typeof cpu === 'string') return `  smoke auto CPU by program: not measured (${cpu})`
  const total = cpu.reduce((n, p) => n + p.cpuS, 0)
  const cores = total / (wallMs / 1000)
  const top = cpu.slice(0, 6).map((p) => `${p.program} ${p.procs}x ${p.cpuS.toFixed(1)} s`)
  const rest = cpu.slice(6).reduce((n, p) => n + p.cpuS, 0)
  return (
    `  smoke auto CPU by program (process accounting, the median run): ${total.toFixed(1)} CPU-s in ` +
    `${sec(wallMs)} wall (${cores.toFixed(1)} cores busy): ${top.join(', ')}, others ${rest.toFixed(1)} s`
  )
}

/**
 * The traced warm step: podman info calls and package lookups, each with who asked, how it
 * ended and why it counts. The action must run none; podman's own (it has no switch to skip
 * them) must fail at once, with no package database to read.
 */
export function printTrace(t: Traced): void {
  const infos = infoCalls(t.execs)
  console.log(target('podman info per step (traced warm step)', String(infos.length), '<= 1', infos.length <= 1))
  const lookups = judged(t)
  const action = lookups.filter((l) => l.x.by !== 'podman')
  console.log(target('package lookups by the action', String(action.length), '0', action.length === 0))
  const needless = lookups.filter((l) => l.x.by === 'podman' && l.needless)
  const slow = needless.filter((l) => !l.failedFast)
  const total = needless.reduce((ms, l) => ms + (l.untraced?.ms ?? l.ms ?? 0), 0)
  const text = `${needless.length}, ${slow.length} not failing at once (${total.toFixed(0)} ms in all, untraced)`
  console.log(target("podman's lookups for a binary that reports its version", text, 'fail fast', slow.length === 0))
  for (const l of lookups) console.log(lookupLine(l, t.versions))
  printTimeline(t.execs)
}

/**
 * The traced warm step from node's exec to its exit, and what it started between: the time
 * before the first program and after the last is the action's own (load, inputs, outputs).
 */
function printTimeline(execs: readonly Exec[]): void {
  console.log('  the traced warm step, ms from node starting (start, duration; traced):')
  const step = execs.find((e) => path.basename(e.file) === 'node' && e.argv.some((a) => a.endsWith('main.cjs')))
  const own = execs.filter((e) => e.by === 'action')
  const t0 = step?.at ?? own[0]?.at ?? 0
  const ms = (s?: number) => (s === undefined ? '?' : ((s - t0) * 1000).toFixed(0)).padStart(5)
  const line = (x: Exec, what: string) => {
    const took = x.at && x.exit?.at ? x.exit.at - x.at + t0 : undefined
    console.log(`   ${ms(x.at)} ${ms(took)}  ${what}`)
  }
  if (step) line(step, 'node dist/main.cjs (the whole step)')
  for (const x of own) line(x, argvText(x).slice(0, 100))
}
