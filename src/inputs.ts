// Every input, parsed once into a typed readonly object. A bad value throws InputError
// naming the input, the value and what is allowed; nothing has been downloaded or written.
import * as core from '@actions/core'
import semver from 'semver'
import { registerSecret } from './ports/env.js'
import { GITHUB_API, mayCarryToken } from './ports/token-origin.js'

const VARIANTS = ['standalone', 'default', 'full'] as const
const LIBCS = ['static', 'glibc'] as const
const SOURCES = ['pigfoot', 'mgoltzsche', 'system', 'archive'] as const
export type Variant = (typeof VARIANTS)[number]
export type Libc = (typeof LIBCS)[number]
type Source = (typeof SOURCES)[number]

export const DEFAULT_REPOSITORY: Record<Exclude<Source, 'system' | 'archive'>, string> = {
  pigfoot: 'pigfoot/static-rootless-container-tools',
  mgoltzsche: 'mgoltzsche/podman-static',
}
export const DEFAULT_SIGNER_IDENTITY =
  '^https://github\\.com/pigfoot/static-rootless-container-tools/' +
  '\\.github/workflows/build-podman\\.yml@refs/(heads/main|tags/.+)$'
export const DEFAULT_SIGNER_ISSUER = 'https://token.actions.githubusercontent.com'
const MGOLTZSCHE_KEY_FINGERPRINT = '0CCF102C4F95D89E583FF1D4F8B5AF50344BB503'

// The smoke check ids, as data: smoke-tests is validated against them without loading the
// suite, and the suite's check tables are typed against them.
export const SMOKE_CHECK_IDS = [
  'storage-integrity',
  'exec-repeat',
  'build',
  'init',
  'cgroup-limits',
  'healthcheck',
  'podman-coexist',
  'docker-api',
  'tls-volume',
  'custom-network',
  'default-network',
  'publish',
  'pasta-loopback',
  'pasta-map-gw',
  'slirp4netns-loopback',
  'port-handler-slirp4netns',
  'port-handler-rootlesskit',
  'host-containers-internal',
  'network-host',
  'network-none',
  'internet-dns',
  'internet-https',
  'internet-ipv6',
  'internet-throughput',
] as const

export type CheckId = (typeof SMOKE_CHECK_IDS)[number]

const isCheckId = (id: string): id is CheckId => (SMOKE_CHECK_IDS as readonly string[]).includes(id)

/** The `smoke-tests` input: a keyword or the ids to run. */
export type Selection = 'auto' | 'none' | 'all' | readonly CheckId[]

/** What the user asked for: `latest`, an exact version, or a semver range. */
export interface VersionSpec {
  readonly raw: string
  /** exact version when the input named one (`5.7.1`, `v5.7.1`), else undefined */
  readonly exact?: string
  /** normalised range; `*` for latest */
  readonly range: string
  readonly includePrerelease: boolean
}

export interface Inputs {
  readonly source: Source
  readonly podmanVersion: VersionSpec
  readonly variant: Variant | 'auto'
  readonly libc: Libc | 'auto'
  readonly owner: string
  readonly repo: string
  readonly apiUrl: string
  /** github-token: passed by the workflow; goes to api-url's origin */
  readonly token: string
  /** job-token (default the job's own token): only ever sent to the runner's own GitHub */
  readonly jobToken?: string
  readonly checkLatest: boolean
  /** overall budget for each download, retries included */
  readonly downloadTimeoutSec: number
  readonly cache: boolean
  readonly verifySignature: 'auto' | 'true' | 'false'
  readonly signerIdentity: RegExp
  readonly signerIssuer: string
  /** path to a trusted_root.json; empty: the Sigstore public-good root embedded in the action */
  readonly trustedRoot: string
  readonly sourceKeyFingerprint: string
  /** source: archive: a local file or glob (relative to the workspace) */
  readonly archive: string
  /** source: archive: its pinned sha256; empty: a checksums.txt beside it */
  readonly archiveSha256: string
  readonly installMissing: boolean
  readonly allowSudo: boolean
  readonly apparmor: 'profile' | 'sysctl' | 'none'
  readonly cleanup: boolean
  readonly smokeTests: Selection
  readonly smokeImage: string
  readonly smokeFailure: 'error' | 'warning'
  readonly smokeTimeoutSec: number
  readonly defaultNetwork: string
  /** start podman's Docker-compatible API for the rest of the job and export DOCKER_HOST */
  readonly dockerSocket: boolean
}

export class InputError extends Error {
  constructor(name: string, value: string, allowed: string) {
    super(`Invalid input '${name}': '${value}'. Allowed: ${allowed}.`)
  }
}

type Env = NodeJS.ProcessEnv

const get = (name: string): string => core.getInput(name).trim()

function oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const v = get(name) || fallback
  if (!(allowed as readonly string[]).includes(v)) throw new InputError(name, v, allowed.join(' | '))
  return v as T
}

function bool(name: string, fallback: boolean): boolean {
  const v = get(name).toLowerCase()
  if (v === '') return fallback
  if (v === 'true' || v === 'false') return v === 'true'
  throw new InputError(name, get(name), 'true | false')
}

export function parseVersionSpec(raw: string): VersionSpec {
  const spec = raw.trim() || 'latest'
  if (spec === 'latest') return { raw: spec, range: '*', includePrerelease: false }
  const cleaned = spec.replace(/^v(?=\d)/, '')
  const exact = semver.valid(cleaned)
  const range = exact ?? semver.validRange(cleaned)
  if (!range) {
    throw new InputError(
      'podman-version',
      raw,
      "'latest', a version (5, 5.7, 5.7.1, v5.7.1) or a semver range (^5.6, >=5.6 <5.8, 5.x)",
    )
  }
  return { raw: spec, exact: exact ?? undefined, range, includePrerelease: cleaned.includes('-') }
}

function repository(source: Source): { owner: string; repo: string } {
  const local = source === 'system' || source === 'archive'
  const v = get('repository') || (local ? '' : DEFAULT_REPOSITORY[source])
  if (local && !v) return { owner: '', repo: '' }
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(v)
  if (!m) throw new InputError('repository', v, 'OWNER/REPO')
  return { owner: m[1], repo: m[2] }
}

/** On GHES the runner's own API is the default, not api.github.com. */
function apiUrl(env: Env, token: string): string {
  const v = get('api-url') || env.GITHUB_API_URL || GITHUB_API
  let u: URL
  try {
    u = new URL(v)
  } catch {
    throw new InputError('api-url', v, 'an http(s) URL such as https://api.github.com')
  }
  if (!/^https?:$/.test(u.protocol) || u.username || u.password || u.search) {
    throw new InputError('api-url', v, 'an http(s) URL without credentials or query, such as https://api.github.com')
  }
  if (token && !mayCarryToken(u))
    throw new InputError(
      'api-url',
      v,
      'an https URL while github-token is set (a token never travels over plain http, except to loopback)',
    )
  return u.href.replace(/\/+$/, '')
}

function secret(name: string): string {
  const v = get(name)
  if (v) {
    core.setSecret(v)
    registerSecret(v)
  }
  return v
}

/** Anchored whatever the user wrote: an unanchored pattern would accept any repository. */
function anchoredPattern(name: string, v: string): RegExp {
  const body = v.replace(/^\^/, '').replace(/(?<!\\)\$$/, '')
  try {
    return new RegExp(`^(?:${body})$`)
  } catch {
    throw new InputError(name, v, 'a regular expression for the certificate identity')
  }
}

function smokeTests(): Inputs['smokeTests'] {
  const v = get('smoke-tests') || 'auto'
  if (v === 'auto' || v === 'none' || v === 'all') return v
  const ids = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  if (ids.length === 0 || !ids.every(isCheckId)) {
    throw new InputError('smoke-tests', v, `auto | none | all | a comma list of ${SMOKE_CHECK_IDS.join(', ')}`)
  }
  return ids
}

function positiveInt(name: string, fallback: number, max: number): number {
  const v = get(name)
  if (v === '') return fallback
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new InputError(name, v, `a whole number of seconds from 1 to ${max}`)
  return n
}

function defaultNetwork(): string {
  const v = get('default-network')
  // Written into a TOML string: keep it to the characters podman's network syntax uses.
  if (v && !/^(host|none|private|bridge|pasta|slirp4netns)(:[A-Za-z0-9_.,=:/-]*)?$/.test(v)) {
    throw new InputError('default-network', v, 'empty, or a podman network mode such as host, pasta:-4, slirp4netns')
  }
  return v
}

function smokeImage(): string {
  const v = get('smoke-image') || 'host'
  if (v !== 'host' && !/^[a-z0-9][a-z0-9._\-/:@]*$/.test(v)) {
    throw new InputError(
      'smoke-image',
      v,
      'host | a fully qualified image reference such as docker.io/library/alpine:3.20',
    )
  }
  return v
}

function fingerprint(): string {
  const v = (get('source-key-fingerprint') || MGOLTZSCHE_KEY_FINGERPRINT).replace(/\s+/g, '').toUpperCase()
  if (!/^[0-9A-F]{40}$/.test(v))
    throw new InputError('source-key-fingerprint', get('source-key-fingerprint'), 'a 40-hex-digit OpenPGP fingerprint')
  return v
}

/** `archive` is required with source: archive and means nothing otherwise. */
function archive(source: Source): { archive: string; archiveSha256: string } {
  const file = get('archive')
  if (source === 'archive' && !file)
    throw new InputError(
      'archive',
      file,
      'a path or glob naming one local .tar.zst or .tar.gz (required with source: archive)',
    )
  const sha = get('archive-sha256').toLowerCase()
  if (sha && !/^[0-9a-f]{64}$/.test(sha))
    throw new InputError('archive-sha256', get('archive-sha256'), 'empty, or 64 hex digits')
  return { archive: file, archiveSha256: sha }
}

/** Self-hosted runners get no sudo and keep no changes unless the workflow asks. */
const isHosted = (env: Env): boolean => env.RUNNER_ENVIRONMENT === 'github-hosted'

export function getInputs(env: Env = process.env): Inputs {
  const source = oneOf('source', SOURCES, 'pigfoot')
  const token = secret('github-token')
  const jobToken = secret('job-token')
  const allowSudo = oneOf('allow-sudo', ['auto', 'true', 'false'] as const, 'auto')
  return {
    source,
    podmanVersion: parseVersionSpec(get('podman-version')),
    variant: oneOf('variant', [...VARIANTS, 'auto'] as const, 'default'),
    libc: oneOf('libc', [...LIBCS, 'auto'] as const, 'static'),
    ...repository(source),
    apiUrl: apiUrl(env, token),
    token,
    jobToken,
    checkLatest: bool('check-latest', false),
    downloadTimeoutSec: positiveInt('download-timeout', 300, 3600),
    cache: bool('cache', true),
    verifySignature: oneOf('verify-signature', ['auto', 'true', 'false'] as const, 'auto'),
    signerIdentity: anchoredPattern('signer-identity', get('signer-identity') || DEFAULT_SIGNER_IDENTITY),
    signerIssuer: get('signer-issuer') || DEFAULT_SIGNER_ISSUER,
    trustedRoot: get('trusted-root'),
    sourceKeyFingerprint: fingerprint(),
    ...archive(source),
    installMissing: bool('install-missing', true),
    allowSudo: allowSudo === 'auto' ? isHosted(env) : allowSudo === 'true',
    apparmor: oneOf('apparmor', ['profile', 'sysctl', 'none'] as const, 'profile'),
    cleanup: bool('cleanup', !isHosted(env)),
    smokeTests: smokeTests(),
    smokeImage: smokeImage(),
    smokeFailure: oneOf('smoke-failure', ['error', 'warning'] as const, 'error'),
    smokeTimeoutSec: positiveInt('smoke-timeout', 60, 600),
    defaultNetwork: defaultNetwork(),
    dockerSocket: bool('docker-socket', false),
  }
}
