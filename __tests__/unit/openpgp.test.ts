// Detached OpenPGP signatures verified for real with throwaway keys, and the pinned key
// fetched through a scripted Http port: GitHub's key endpoint first, the keyserver after.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { armoredBlocks, type PgpError, selectKey, verifyDetached } from '../../src/verify/openpgp.js'
import { githubServer, keyCachePath, keyUrls, pinnedKey, type KeyRequest } from '../../src/verify/pgp-key.js'
import { createTestKey, type TestKey, withoutUserIds } from '../../test-support/pgp.js'
import { scriptedHttp } from '../helpers/scripted-http.js'
import { rejection as rejectionOf } from '../helpers/rejection.js'
import { actionsEnv, type ActionsEnv, captureStdout, type StdoutCapture } from '../helpers/actions-env.js'
import { regex } from '../helpers/regex.js'

const rejection = (p: Promise<unknown>) => rejectionOf<PgpError>(p)

let signer: TestKey
let other: TestKey
let env: ActionsEnv
let out: StdoutCapture

beforeAll(async () => {
  ;[signer, other] = await Promise.all([createTestKey('signer'), createTestKey('someone else')])
})
beforeEach(() => {
  env = actionsEnv()
  mkdirSync(process.env.RUNNER_TEMP as string, { recursive: true })
  out = captureStdout()
})
afterEach(() => {
  out.restore()
  env.restore()
})

const temp = () => process.env.RUNNER_TEMP as string
const file = (name: string, content: string | Buffer) => {
  const p = path.join(temp(), name)
  writeFileSync(p, content)
  return p
}

/** URL -> body, or an HTTP status the real client would throw for. */
const keyHttp = (routes: Record<string, string | number>) => scriptedHttp({ file: (url) => routes[url] })

const keyReq = (o: Partial<KeyRequest> = {}): KeyRequest => ({
  apiUrl: 'https://api.github.com',
  owner: 'mgoltzsche',
  fingerprint: signer.fingerprint,
  temp: temp(),
  toolCache: process.env.RUNNER_TOOL_CACHE as string,
  ...o,
})
const GH = 'https://github.com/mgoltzsche.gpg'
const ks = (fpr: string) => `https://keys.openpgp.org/vks/v1/by-fingerprint/${fpr}`
const ub = (fpr: string) => `https://keyserver.ubuntu.com/pks/lookup?op=get&options=mr&search=0x${fpr}`

async function signed(content = 'podman archive bytes\n'.repeat(1000)) {
  const archive = file('podman-linux-amd64.tar.gz', content)
  const asc = file('podman-linux-amd64.tar.gz.asc', await signer.signFile(archive))
  return { archive, asc }
}

describe('verifyDetached', () => {
  it('accepts a good signature by the pinned key and names the signing key', async () => {
    const { archive, asc } = await signed()
    const { key } = await selectKey(signer.publicArmored, signer.fingerprint)
    const r = await verifyDetached(archive, asc, key!, signer.fingerprint.toLowerCase())
    expect(r).toMatchObject({ signingKey: signer.fingerprint, primaryKey: signer.fingerprint })
    expect(r.createdAt).toBeInstanceOf(Date)
  })

  it('rejects a tampered archive (one flipped byte) as a bad signature', async () => {
    const { archive, asc } = await signed()
    const bytes = readFileSync(archive)
    bytes[100] ^= 1
    writeFileSync(archive, bytes)
    const { key } = await selectKey(signer.publicArmored, signer.fingerprint)
    const err = await rejection(verifyDetached(archive, asc, key!, signer.fingerprint))
    expect(err).toMatchObject({ kind: 'bad-signature' })
    expect(err.message).toMatch(
      regex(
        /^podman-linux-amd64\.tar\.gz: the OpenPGP signature podman-linux-amd64\.tar\.gz\.asc does not /,
        /verify with the pinned key [0-9A-F]{40} \(Signed digest did not match\); the archive was altered/,
      ),
    )
  })

  it('rejects a signature made by another key, naming both fingerprints', async () => {
    const archive = file('a.tar.gz', 'data')
    const asc = file('a.tar.gz.asc', await other.signFile(archive))
    const { key } = await selectKey(signer.publicArmored, signer.fingerprint)
    const err = await rejection(verifyDetached(archive, asc, key!, signer.fingerprint))
    expect(err).toMatchObject({ kind: 'wrong-key' })
    expect(err.message).toContain(
      `a.tar.gz.asc was signed by ${other.fingerprint}, not by the pinned key ${signer.fingerprint}`,
    )
  })

  it('a pinned subkey fingerprint accepts only that subkey, not a signature by its primary', async () => {
    const { archive, asc } = await signed()
    const { key } = await selectKey(signer.publicArmored, signer.subkeyFingerprint)
    expect(key).toBeDefined()
    await expect(verifyDetached(archive, asc, key!, signer.subkeyFingerprint)).rejects.toThrow(
      `was signed by ${signer.fingerprint}, not by the pinned (sub)key ${signer.subkeyFingerprint}`,
    )
  })

  it('rejects a file that is not a signature', async () => {
    const archive = file('a.tar.gz', 'data')
    const { key } = await selectKey(signer.publicArmored, signer.fingerprint)
    await expect(
      verifyDetached(archive, file('a.asc', 'not a signature'), key!, signer.fingerprint),
    ).rejects.toMatchObject({ kind: 'invalid-signature' })
  })
})

describe('selectKey', () => {
  it('picks the pinned key out of a file holding several key blocks, in any position', async () => {
    const both = `${other.publicArmored}\n${signer.publicArmored}\n`
    expect(armoredBlocks(both)).toHaveLength(2)
    const r = await selectKey(both, signer.fingerprint)
    expect(r.key?.getFingerprint().toUpperCase()).toBe(signer.fingerprint)
    expect(r.found).toEqual([other.fingerprint, signer.fingerprint])
    expect((await selectKey(both, '0'.repeat(40))).key).toBeUndefined()
  })
})

describe('pinnedKey', () => {
  it('maps the API URL to the GitHub server that serves <owner>.gpg', () => {
    expect(githubServer('https://api.github.com')).toBe('https://github.com')
    expect(githubServer('https://ghe.example.com/api/v3')).toBe('https://ghe.example.com')
    expect(githubServer('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080')
    expect(keyUrls(keyReq({ fingerprint: 'abc' }))).toEqual([GH, ub('ABC'), ks('ABC')])
  })

  it('takes the key from GitHub, caches it, and the next call makes no request', async () => {
    const http = keyHttp({ [GH]: `${other.publicArmored}\n${signer.publicArmored}` })
    const first = await pinnedKey(http, keyReq())
    expect(first.source).toBe(GH)
    expect(first.key.getFingerprint().toUpperCase()).toBe(signer.fingerprint)
    expect(existsSync(keyCachePath(keyReq().toolCache, signer.fingerprint))).toBe(true)
    http.requests.length = 0
    const again = await pinnedKey(http, keyReq())
    expect(again.source).toBe('tool cache')
    expect(http.requests).toEqual([])
  })

  it('falls back to the keyserver when the GitHub endpoint answers 404', async () => {
    const http = keyHttp({ [GH]: 404, [ks(signer.fingerprint)]: signer.publicArmored })
    const r = await pinnedKey(http, keyReq())
    expect(r.source).toBe(ks(signer.fingerprint))
    expect(http.requests).toEqual([GH, ub(signer.fingerprint), ks(signer.fingerprint)])
  })

  it('asks keyserver.ubuntu.com (where mgoltzsche documents its key) before keys.openpgp.org', async () => {
    const http = keyHttp({ [GH]: 404, [ub(signer.fingerprint)]: signer.publicArmored })
    const r = await pinnedKey(http, keyReq())
    expect(r.source).toBe(ub(signer.fingerprint))
    expect(r.key.getFingerprint().toUpperCase()).toBe(signer.fingerprint)
    expect(http.requests).toEqual([GH, ub(signer.fingerprint)])
  })

  it('falls back to the keyserver when GitHub lists only other keys', async () => {
    const http = keyHttp({ [GH]: other.publicArmored, [ks(signer.fingerprint)]: signer.publicArmored })
    expect((await pinnedKey(http, keyReq())).source).toBe(ks(signer.fingerprint))
  })

  it('fails as wrong-key when the only keys served are not the pinned one, naming both', async () => {
    const http = keyHttp({ [GH]: other.publicArmored, [ks(signer.fingerprint)]: 404 })
    const err = await rejection(pinnedKey(http, keyReq()))
    expect(err).toMatchObject({ kind: 'wrong-key' })
    expect(err.message).toBe(
      `Could not get the OpenPGP key ${signer.fingerprint}: ${GH} has the key(s) ${other.fingerprint}, ` +
        `none of them the pinned ${signer.fingerprint}; ${ub(signer.fingerprint)}: HTTP 404; ` +
        `${ks(signer.fingerprint)}: HTTP 404`,
    )
  })

  it('explains a keyserver copy without user IDs instead of failing later', async () => {
    const http = keyHttp({ [GH]: 404, [ks(signer.fingerprint)]: await withoutUserIds(signer.publicArmored) })
    const err = await rejection(pinnedKey(http, keyReq()))
    expect(err).toMatchObject({ kind: 'no-key' })
    expect(err.message).toContain(`without any user ID`)
    expect(err.message).toContain(`${GH}: HTTP 404`)
  })

  it('a tampered cached key is ignored and fetched again', async () => {
    const cache = keyCachePath(keyReq().toolCache, signer.fingerprint)
    mkdirSync(path.dirname(cache), { recursive: true })
    writeFileSync(cache, other.publicArmored)
    const r = await pinnedKey(keyHttp({ [GH]: signer.publicArmored }), keyReq())
    expect(r.source).toBe(GH)
    // fetched again: a log line, not an annotation
    expect(out.text()).toMatch(new RegExp(`^The cached OpenPGP key ${cache} is not ${signer.fingerprint}`, 'm'))
    expect(out.text()).not.toContain('::warning::')
  })
})
