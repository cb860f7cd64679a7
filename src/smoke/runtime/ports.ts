// What the runtime checks need beyond podman itself, injected so unit tests script it as data.
import type { StoreInfo } from '../../host/info.js'
import type { Procs, StartService, UnixHttp } from '../../ports/service.js'

export interface RuntimePorts {
  /** the node that runs inside base-image containers (the action's own, through the host's /usr) */
  node: string
  /** the base image (an empty rootfs over the host's /usr, with test files), imported once on first use */
  baseImage(): Promise<string>
  store?: StoreInfo
  /** podman info's host.cgroupVersion and security.rootless: cgroup-limits' outcome on v1 is known */
  cgroup?: { version?: string; rootless?: boolean }
  /** other podman binaries on this machine (the runner image's own), for podman-coexist */
  otherPodmans: readonly string[]
  /** the job's Docker-compatible socket when docker-socket: true started one */
  dockerSocket?: string
  startService: StartService
  unixHttp: UnixHttp
  procs: Procs
  readText(path: string): Promise<string | undefined>
  exists(path: string): Promise<boolean>
  /** a fresh private directory for one check's files (sockets, Containerfiles) */
  scratch(checkId: string): Promise<string>
}
