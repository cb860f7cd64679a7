// The pinned public key, fetched at run time: the maintainer's key endpoint on the GitHub
// server the release comes from, then keyserver.ubuntu.com (where mgoltzsche/podman-static
// documents its key), then keys.openpgp.org. A key is accepted only when its
// fingerprint (primary or subkey) is the pinned one, and is kept in the tool cache.
import * as core from '@actions/core'
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type * as openpgp from 'openpgp'
import { errorText } from '../ports/exec.js'
import type { Http } from '../ports/types.js'
import { checkUsable, PgpError, selectKey } from './openpgp.js'

const KEYSERVER = 'https://keys.openpgp.org'
/** HKP, machine-readable: the whole key as uploaded, user IDs included (keys.openpgp.org strips unverified ones). */
const UBUNTU_KEYSERVER = 'https://keyserver.ubuntu.com'
export const KEY_TOOL = 'podman-mgoltzsche-key'
const KEY_FILE = 'key.asc'

export interface KeyRequest {
  apiUrl: string
  /** the release repository's owner: `<server>/<owner>.gpg` lists the keys they uploaded */
  owner: string
  fingerprint: string
  temp: string
  /** RUNNER_TOOL_CACHE: the key is kept in `podman-mgoltzsche-key/<FINGERPRINT>/` */
  toolCache: string
  /** default keys.openpgp.org; tests point it at the loopback mirror */
  keyserver?: string
}

export interface PinnedKey {
  key: openpgp.PublicKey
  /** the URL it came from, or `tool cache` */
  source: string
}

/** api.github.com -> https://github.com; GHES https://host/api/v3 -> https://host; a mirror -> its origin. */
export function githubServer(apiUrl: string): string {
  const u = new URL(apiUrl)
  if (u.hostname === 'api.github.com') return 'https://github.com'
  return u.origin
}

export function keyUrls(r: Pick<KeyRequest, 'apiUrl' | 'owner' | 'fingerprint' | 'keyserver'>): string[] {
  const fpr = r.fingerprint.toUpperCase()
  // No owner (a local archive without repository): the keyservers only.
  const github = r.owner ? [`${githubServer(r.apiUrl)}/${encodeURIComponent(r.owner)}.gpg`] : []
  return [
    ...github,
    `${UBUNTU_KEYSERVER}/pks/lookup?op=get&options=mr&search=0x${fpr}`,
    `${r.keyserver ?? KEYSERVER}/vks/v1/by-fingerprint/${fpr}`,
  ]
}

/**
 * Not a tc.find entry (that looks up semver versions only): one file, written atomically,
 * and re-checked against the pin every time it is read.
 */
export const keyCachePath = (toolCache: string, fingerprint: string): string =>
  path.join(toolCache, KEY_TOOL, fingerprint.toUpperCase(), KEY_FILE)

/** `signal`: stop asking (the release's files failed to download beside it). */
export async function pinnedKey(http: Http, r: KeyRequest, signal?: AbortSignal): Promise<PinnedKey> {
  const cached = await fromCache(r)
  if (cached) return { key: cached, source: 'tool cache' }
  const errors: Error[] = []
  for (const url of keyUrls(r)) {
    signal?.throwIfAborted()
    try {
      const key = await fetchKey(http, url, r, signal)
      await toCache(key, r)
      return { key, source: url }
    } catch (err) {
      errors.push(err instanceof Error ? err : new Error(String(err)))
    }
  }
  // Some endpoint served keys but not the pinned one: that is the message that matters.
  const wrong = errors.some((e) => e instanceof PgpError && e.kind === 'wrong-key')
  throw new PgpError(
    wrong ? 'wrong-key' : 'no-key',
    `Could not get the OpenPGP key ${r.fingerprint.toUpperCase()}: ${errors.map((e) => e.message).join('; ')}`,
  )
}

async function fetchKey(http: Http, url: string, r: KeyRequest, signal?: AbortSignal): Promise<openpgp.PublicKey> {
  const dir = await mkdtemp(path.join(r.temp, 'ssp-key-'))
  try {
    const headers = { accept: 'application/pgp-keys, text/plain' }
    const got = await http.download(url, path.join(dir, KEY_FILE), { headers, signal }).catch((err: unknown) => {
      throw new Error(`${url}: ${errorText(err)}`)
    })
    const { key, found } = await selectKey(await readFile(got.path, 'utf8'), r.fingerprint)
    if (!key) {
      if (found.length)
        throw new PgpError(
          'wrong-key',
          `${url} has the key(s) ${found.join(', ')}, none of them the pinned ${r.fingerprint.toUpperCase()}`,
        )
      throw new PgpError('no-key', `${url} holds no OpenPGP public key`)
    }
    checkUsable(key, url)
    core.info(`OpenPGP key ${r.fingerprint.toUpperCase()} from ${url}`)
    return key
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function fromCache(r: KeyRequest): Promise<openpgp.PublicKey | undefined> {
  const file = keyCachePath(r.toolCache, r.fingerprint)
  const text = await readFile(file, 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  const { key } = await selectKey(text, r.fingerprint)
  if (!key) core.info(`The cached OpenPGP key ${file} is not ${r.fingerprint.toUpperCase()}; fetching it again.`)
  return key
}

async function toCache(key: openpgp.PublicKey, r: KeyRequest): Promise<void> {
  const file = keyCachePath(r.toolCache, r.fingerprint)
  try {
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(`${file}.tmp`, key.armor())
    await rename(`${file}.tmp`, file)
  } catch (err) {
    // Only a cache: a read-only tool cache costs a request next time, nothing more.
    core.info(`Could not cache the OpenPGP key in ${file}: ${errorText(err)}`)
  }
}
