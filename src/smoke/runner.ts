// A check's context: podman under the check's deadline, and everything it created (containers,
// networks, host servers) tracked so cleanup removes it whatever happened.
import { join } from 'node:path'
import { lastLine } from '../ports/exec.js'
import { failureText, jsonLine } from './output.js'
import type { Leftovers } from './sweep.js'
import type { ExecResult, Run } from '../ports/types.js'
import { type ContainerSpec, logsArgv, networkCreateArgv, probeArgv, type ProbeRuntime } from './argv.js'
import { namePrefix } from './process-tree.js'
import type { Capabilities } from './facts.js'
import type { Facts, Listening, ProbeRequest } from './probe.js'
import type { Details, Severity } from './report.js'
import type { RuntimePorts } from './runtime/ports.js'
import { type HostServer, startHostServer } from './servers.js'

export interface Suite {
  run: Run
  podman: string
  env: NodeJS.ProcessEnv
  runId: string
  timeoutMs: number
  caps: Capabilities
  hostFacts: Facts
  /** the probe runtime for one check (a fresh rootfs each, so concurrent mounts never race) */
  runtime(checkId: string): Promise<ProbeRuntime>
  /** writes a file into the suite's scratch dir, for volumes */
  write(rel: string, content: string): Promise<string>
  /** what the runtime checks need beyond podman: see runtime/suite.ts */
  rt: RuntimePorts
  /** results several checks share (one container answers them all), by key: see CheckContext.shared */
  memo: Map<string, Promise<unknown>>
  /** ids of the checks that run in this suite (a shared container is worth it only when its sharers run) */
  planned: ReadonlySet<string>
}

/** A failed assertion; `stderr` is the tail shown in the summary's details; `fix` what to do about it. */
export class CheckFailure extends Error {
  constructor(
    message: string,
    readonly stderr?: string,
    readonly details?: Details,
    readonly fix?: string,
  ) {
    super(message)
  }
}

/** Found out while running that the check does not apply here. */
export class CheckSkip extends Error {}

const tail = (s: string, n = 15): string => s.trimEnd().split('\n').slice(-n).join('\n')
/** where a probe server writes that it listens (a scratch dir of the check, mounted read-write) */
const READY_DIR = '/ssp-ready'

export type ServeSpec = Omit<ContainerSpec, 'name' | 'detach'> & { role: string; port: number; facts?: boolean }

/** The ready file once whole: a read mid-write does not parse, and is read again. */
function parsed(text: string | undefined): Listening | undefined {
  try {
    const v = text ? (JSON.parse(text) as Listening) : undefined
    return typeof v?.listening === 'number' ? v : undefined
  } catch {
    return undefined
  }
}

export class CheckContext {
  private readonly containers: string[] = []
  /** containers whose `run --rm` ended normally: podman removed them, no `rm` to pay for */
  private readonly gone = new Set<string>()
  private readonly networks: string[] = []
  private readonly images: string[] = []
  private readonly servers: HostServer[] = []
  private readonly deferred: (() => Promise<string | undefined>)[] = []
  private closed = false
  /** it ran a `shared` answer: what that made may still serve other checks after this one ends */
  private sharing = false

  constructor(
    readonly suite: Suite,
    readonly checkId: string,
    readonly deadline: number,
  ) {}

  get caps(): Capabilities {
    return this.suite.caps
  }

  remaining(): number {
    return Math.max(1, this.deadline - Date.now())
  }

  private name(role: string): string {
    return `${namePrefix(this.suite.runId)}${this.checkId}-${role}`
  }

  /** podman with the check's remaining time as its timeout; refused once the check has ended. */
  async podman(args: string[], timeoutMs = this.remaining()): Promise<ExecResult> {
    if (this.closed) return { exitCode: 1, stdout: '', stderr: 'check already finished' }
    const r = await this.suite.run(this.suite.podman, args, { env: this.suite.env, timeoutMs })
    // Exit 0 of `run --rm`: the container ran and podman removed it. Any other end may leave it.
    if (args[0] === 'run' && args.includes('--rm') && r.exitCode === 0 && !r.timedOut) {
      const name = args[args.indexOf('--name') + 1]
      if (args.includes('--name') && name) this.gone.add(name)
    }
    return r
  }

  /** A container this check removed itself (through the API): cleanup need not. */
  removed(name: string): void {
    this.gone.add(name)
  }

  /**
   * One answer for every check that asks the same `key` (e.g. the default network's facts):
   * the first asker runs `fn` in its own context, the others await the same result. What `fn`
   * creates (a server others fetch from) is swept only after the last check (see `finish`).
   */
  shared<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let p = this.suite.memo.get(key) as Promise<T> | undefined
    if (!p) {
      this.sharing = true
      p = fn()
      this.suite.memo.set(key, p)
    }
    return p
  }

  async podmanOk(what: string, args: string[]): Promise<ExecResult> {
    const r = await this.podman(args)
    if (r.exitCode !== 0)
      throw new CheckFailure(`${what} ${failureText(r, this.suite.timeoutMs)}`, tail(r.stderr || r.stdout))
    return r
  }

  /** Runs a probe container to completion and returns its JSON line (even when it exited 1). */
  async probe<T>(role: string, spec: Omit<ContainerSpec, 'name' | 'detach'>, req: ProbeRequest): Promise<T> {
    const name = this.track(role)
    const argv = probeArgv(await this.suite.runtime(this.checkId), { ...spec, name }, req, this.suite.runId)
    const r = await this.podman(argv)
    const out = jsonLine<T>(r.stdout)
    if (out === undefined)
      throw new CheckFailure(`probe ${role} ${failureText(r, this.suite.timeoutMs)}`, tail(r.stderr || r.stdout))
    return out
  }

  /**
   * Starts a detached probe server and waits until it listens (a publish is live from then on);
   * returns its name and what it said (its facts, when asked). The server says so in a file on
   * a volume, watched here for free; `podman logs` and inspect (two podman calls) only every
   * second, to see it die or listen where the volume is not writable.
   */
  async serve(spec: ServeSpec): Promise<{ name: string; said: Listening }> {
    const { facts, ...container } = spec
    const name = this.track(spec.role)
    const dir = await this.suite.rt.scratch(this.checkId)
    const argv = probeArgv(
      await this.suite.runtime(this.checkId),
      { ...container, volumes: [...(spec.volumes ?? []), `${dir}:${READY_DIR}`], name, detach: true },
      { mode: 'serve', port: spec.port, readyFile: `${READY_DIR}/listening`, ...(facts && { facts }) },
      this.suite.runId,
    )
    await this.podmanOk(`starting ${spec.role}`, argv)
    for (let i = 1; ; i++) {
      const said = parsed(await this.suite.rt.readText(join(dir, 'listening')))
      if (said) return { name, said }
      const logged = i % 10 === 0 ? await this.listening(name, spec.role) : undefined
      if (logged) return { name, said: logged }
      await sleep(100)
    }
  }

  /** podman's view of a server that has not said it listens: what its log says, throws when it never will. */
  private async listening(name: string, role: string): Promise<Listening | undefined> {
    const logs = await this.podman(logsArgv(name), 10_000)
    if (logs.stdout.includes('"listening"')) return jsonLine<Listening>(logs.stdout)
    const state = await this.podman(['container', 'inspect', '--format', '{{.State.Status}}', name], 10_000)
    if (this.closed || !/running|created|configured/.test(state.stdout) || Date.now() > this.deadline)
      throw new CheckFailure(
        `${role} never listened (state: ${state.stdout.trim() || lastLine(state)})`,
        tail(logs.stderr || logs.stdout),
      )
    return undefined
  }

  async network(role: string): Promise<string> {
    const name = this.name(role)
    this.networks.push(name) // tracked first: a create that times out may still have created it
    await this.podmanOk('podman network create', networkCreateArgv(name, this.suite.runId))
    return name
  }

  /** A container name this check owns; tracked before anything can create it. */
  track(role: string): string {
    const name = this.name(role)
    this.containers.push(name)
    return name
  }

  /**
   * Runs when the check ends, newest first (before the sweep removes its containers); returns an
   * error text or nothing.
   */
  defer(fn: () => Promise<string | undefined>): void {
    this.deferred.push(fn)
  }

  /** An image name this check owns, removed with the suite's sweep (after every container). */
  image(role: string): string {
    const name = `localhost/${this.name(role)}`
    this.images.push(name)
    return name
  }

  async server(tls?: { key: string; cert: string }): Promise<HostServer> {
    const s = await startHostServer(tls)
    this.servers.push(s)
    return s
  }

  /**
   * Ends the check: its host servers closed and its deferred steps run (their errors returned);
   * what it created in podman is left for the suite's sweep (sweep.ts), one podman call per kind;
   * `held` when some of it may still serve another check (it answered a `shared` key).
   */
  async finish(): Promise<{ errors: string[]; left: Leftovers; held: boolean }> {
    this.closed = true
    const errors: string[] = []
    await Promise.all(this.servers.map((s) => s.close()))
    for (const fn of [...this.deferred].reverse()) {
      const e = await fn().catch((err: unknown) => String(err))
      if (e) errors.push(e)
    }
    const containers = this.containers.filter((n) => !this.gone.has(n))
    const left = { containers, networks: [...this.networks], images: [...this.images] }
    return { errors, left, held: this.sharing }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export interface Runnable {
  id: string
  title: string
  mode: string
  severity: Severity
  severityReason: string
  /** runs in the suite's base image: independent of smoke-image */
  baseImage?: boolean
  /** the table's fix, used when a failure names none */
  fix?: string
  skip?: string
  run(ctx: CheckContext): Promise<Details>
}
