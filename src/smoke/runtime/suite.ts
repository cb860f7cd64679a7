// The runtime ports for one suite run: the base image imported on first use (once, shared by
// every check) and removed at the end (with the suite's sweep); real processes, sockets and
// files unless injected.
import { access, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { StoreInfo } from '../../host/info.js'
import { lastLine } from '../../ports/exec.js'
import { realProcs, startService, unixHttp } from '../../ports/service.js'
import type { Run } from '../../ports/types.js'
import { CheckFailure } from '../runner.js'
import { importArgv } from './argv.js'
import { writeBaseTar } from './base.js'
import type { RuntimePorts } from './ports.js'

/** The parts a unit test scripts as data; the rest come from the suite. */
export type InjectedPorts = Partial<Pick<RuntimePorts, 'startService' | 'unixHttp' | 'procs' | 'readText' | 'exists'>>

export interface RuntimeSetup {
  run: Run
  podman: string
  env: NodeJS.ProcessEnv
  runId: string
  node: string
  /** the suite's scratch dir (removed with it) */
  dir: string
  store?: StoreInfo
  cgroup?: RuntimePorts['cgroup']
  otherPodmans?: readonly string[]
  dockerSocket?: string
  inject?: InjectedPorts
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  )

async function importBase(s: RuntimeSetup, image: string): Promise<string> {
  const tar = join(s.dir, 'base.tar')
  await writeBaseTar(tar)
  const r = await s.run(s.podman, importArgv(tar, image, s.runId), { env: s.env, timeoutMs: 120_000 })
  if (r.exitCode !== 0) throw new CheckFailure(`podman import of the base image failed: ${lastLine(r)}`, r.stderr)
  return image
}

export interface RuntimeHandle {
  ports: RuntimePorts
  /** the base image, when imported, handed to the suite's sweep (dispose then leaves it) */
  takeBase(): string[]
  dispose(): Promise<void>
}

export function runtimePorts(s: RuntimeSetup): RuntimeHandle {
  let base: Promise<string> | undefined
  let taken = false
  const scratch: string[] = []
  const image = `localhost/ssp-smoke-base:${s.runId}`
  const ports: RuntimePorts = {
    node: s.node,
    baseImage: () => {
      base ??= importBase(s, image)
      return base
    },
    store: s.store,
    cgroup: s.cgroup,
    otherPodmans: s.otherPodmans ?? [],
    dockerSocket: s.dockerSocket,
    startService,
    unixHttp,
    procs: realProcs,
    readText: (p) => readFile(p, 'utf8').catch(() => undefined),
    exists,
    // Short paths under the system temp dir: a unix socket path must stay under 108 bytes.
    scratch: async (id) => {
      const d = await mkdtemp(join(tmpdir(), `ssp-${id.slice(0, 6)}-`))
      scratch.push(d)
      return d
    },
    ...s.inject,
  }
  return {
    ports,
    takeBase() {
      taken = !!base
      return base ? [image] : []
    },
    async dispose() {
      await Promise.all(scratch.map((d) => rm(d, { recursive: true, force: true }).catch(() => undefined)))
      if (base && !taken) await s.run(s.podman, ['rmi', '-f', image], { env: s.env, timeoutMs: 60_000 })
    },
  }
}
