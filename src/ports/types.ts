// The ports for programs, the tool cache and HTTP. Modules take them (with HostFs, the
// machine's files, src/host/fs.ts, and the Actions cache, src/install/archive-cache.ts) as
// arguments, so unit tests script them as data; @actions/core and the files main writes
// (install, drop-in, GITHUB_* files) stay real, on temp dirs.
import type * as tc from '@actions/tool-cache'

export interface ExecResult {
  exitCode: number
  stdout: string
  stderr: string
  /** true when the command was killed at its timeout */
  timedOut?: boolean
}

export interface RunOptions {
  input?: string
  env?: NodeJS.ProcessEnv
  cwd?: string
  timeoutMs?: number
  /** echo output to the job log as it arrives (long installs the user wants to see) */
  stream?: boolean
}

/** Runs a program with an argument array (never a shell). Never throws for a non-zero exit. */
export type Run = (cmd: string, args: string[], opts?: RunOptions) => Promise<ExecResult>

/** Lookups only: entries are committed by install/extract.ts with a rename, not a copy. */
export type ToolCache = Pick<typeof tc, 'find'>

export interface DownloadResult {
  path: string
  bytes: number
  sha256: string
}

interface RequestOptions {
  headers?: Record<string, string>
  /** aborts the request, its retries and the waits between them (a sibling download failed) */
  signal?: AbortSignal
  /** download: the most bytes this body may have (the asset's size), below the port's own cap */
  maxBytes?: number
}

/** The response headers a caller reads (a fetch Headers is one). */
export interface ReplyHeaders {
  get(name: string): string | null
}

export interface Http {
  /** GET a JSON document; retries transient failures; throws HttpError on final failure */
  getJson(url: string, opts?: RequestOptions): Promise<{ body: unknown; headers: ReplyHeaders }>
  /** Streams a body to `dest` (which must not exist), hashing it on the way */
  download(url: string, dest: string, opts?: RequestOptions): Promise<DownloadResult>
}
