// What a probe container is asked and answers, and the program it runs: `node -e PROBE_SCRIPT
// '<json>'`, whose source is probe-script.ts.

export type ProbeRequest =
  | { mode: 'facts' }
  /**
   * readyFile: written once listening (a volume the host watches: no podman logs to poll);
   * facts: the container's own facts in what it says then (one container serves and answers)
   */
  | { mode: 'serve'; port: number; readyFile?: string; facts?: boolean }
  /** facts: the container's own facts in the same answer (one container instead of two) */
  | { mode: 'connect'; host: string; port: number; timeoutMs: number; facts?: boolean }
  | { mode: 'dns'; names: string[] }
  | { mode: 'get'; jobs: GetJob[]; ca?: string; family?: 4 | 6; timeoutMs: number; concurrency?: number }

export interface GetJob {
  url: string
  /** with seed and size the body must be payload(seed, size); without, any 2xx/3xx body passes */
  seed?: string
  size?: number
  count?: number
}

export interface NetInterface {
  name: string
  mtu: number
  addrs: string[]
}

export interface Facts {
  interfaces: NetInterface[]
  gw4: { dev: string; via: string }[]
  gw6: { dev: string; via: string }[]
  hosts: { addr: string; names: string[] }[]
  nameservers: string[]
}

/** What a probe server says once it listens (in its ready file and its log). */
export interface Listening {
  listening: number
  facts?: Facts
}

export interface ConnectResult {
  connected: boolean
  error?: string
  facts?: Facts
}

export interface GetResult {
  ok: boolean
  requests: number
  failed: number
  bytes: number
  ms: number
  peers: string[]
  failures: string[]
  /** set when a URL used '{gw4}' */
  gateway?: string
}

// Defined at build time (scripts/esbuild-options.mjs bundles probe-script.ts into it); jest
// gets the same string as a global (jest.config.js).
declare const __PROBE_SCRIPT__: string
export const PROBE_SCRIPT: string = __PROBE_SCRIPT__
