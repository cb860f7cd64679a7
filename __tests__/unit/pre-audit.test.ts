// The audit that runs while the archive downloads (real Http port on loopback, real zstd and
// GNU tar, archives built byte for byte): a hostile archive is refused with tar never started
// and nothing in the tool cache; an accepted one is unpacked by zstd piping into tar; a retry
// judges the bytes of the attempt that completed; what it cannot judge is left to the unpack.
// A `tar` on PATH that logs each start, then runs GNU tar, shows whether tar ran.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { extractAuditCache } from '../../src/install/extract.js'
import { preAudit, unpackJudged, type Verdict } from '../../src/install/pre-audit.js'
import { findOnPath } from '../../src/install/tar-stream.js'
import { createHttp } from '../../src/ports/http.js'
import { KEY, META, type Member, PODMAN_TREE, TOP, tarOf } from '../helpers/tar-members.js'

const savedPath = process.env.PATH
const savedCache = process.env.RUNNER_TOOL_CACHE
let dir: string
let tarLog: string
/** what the server answers, in order; the last one repeats */
let replies: { body: Buffer; cutAt?: number }[]
let server: http.Server
let base: string

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    const r = replies.length > 1 ? (replies.shift() as (typeof replies)[0]) : replies[0]
    res.writeHead(200, { 'content-length': String(r.body.length) })
    if (r.cutAt === undefined) return void res.end(r.body)
    res.write(r.body.subarray(0, r.cutAt), () => res.socket?.destroy())
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
})

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ssp-preaudit-'))
  process.env.RUNNER_TOOL_CACHE = path.join(dir, 'tool-cache')
  const bin = path.join(dir, 'bin')
  mkdirSync(bin)
  tarLog = path.join(dir, 'tar.log')
  const gnuTar = await findOnPath('tar')
  writeFileSync(path.join(bin, 'tar'), `#!/bin/sh\necho started >> '${tarLog}'\nexec '${gnuTar}' "$@"\n`)
  chmodSync(path.join(bin, 'tar'), 0o755)
  process.env.PATH = `${bin}:${savedPath}`
})
afterEach(() => {
  process.env.PATH = savedPath
  process.env.RUNNER_TOOL_CACHE = savedCache
  rmSync(dir, { recursive: true, force: true })
})

const zstOf = async (members: Member[]): Promise<Buffer> =>
  zlib.zstdCompressSync(await tarOf(members, 'x'.repeat(70_000)))

/** Downloads the served archive with the audit watching; returns its verdict and the archive's path. */
async function download(): Promise<{ verdict?: Verdict; archive: string }> {
  const archive = path.join(dir, 'a.tar.zst')
  const audit = await preAudit(archive)
  expect(audit).toBeDefined()
  await createHttp({ deadlineMs: 20_000, stallMs: 3000 }).download(`${base}/a.tar.zst`, archive, {
    observe: audit?.observe,
  })
  return { verdict: audit?.verdict(), archive }
}

const tarStarts = () => (existsSync(tarLog) ? readFileSync(tarLog, 'utf8').split('\n').filter(Boolean).length : 0)
const toolCache = () => readdirSync(path.join(dir, 'tool-cache'), { recursive: true }).map(String).sort()

describe('an archive judged while it downloads', () => {
  const hostile: [string, Member[], RegExp][] = [
    ['a `..` member', [...PODMAN_TREE, { name: `${TOP}/../../escaped` }], /leaves the archive's directory/],
    [
      'a write through a symlink',
      [...PODMAN_TREE, { name: `${TOP}/up`, type: 'symlink', linkname: '../..' }, { name: `${TOP}/up/escaped` }],
      /is written through the symlink podman-v5\.7\.1\/up/,
    ],
    ['a setuid file', [...PODMAN_TREE, { name: `${TOP}/bin/su`, mode: 0o4755 }], /is setuid\/setgid/],
    [
      'a device',
      [...PODMAN_TREE, { name: `${TOP}/fifo`, type: 'fifo' as 'file' }],
      /only files, directories and symlinks/,
    ],
  ]

  it.each(hostile)('%s: refused while it downloads, tar never started, nothing cached', async (_l, members, why) => {
    replies = [{ body: await zstOf(members) }]
    const { verdict, archive } = await download()
    expect(verdict?.accepted).toBeUndefined()
    expect(String(verdict?.refused)).toMatch(why)
    const err = await extractAuditCache(archive, TOP, KEY, META, unpackJudged(verdict as Verdict, TOP)).catch(
      (e: Error) => e,
    )
    expect(String(err)).toMatch(why)
    expect(tarStarts()).toBe(0)
    expect(toolCache()).toEqual([KEY.tool, path.join(KEY.tool, KEY.version)])
  })

  it('a listing every header of which passes but whose whole does not (two top dirs): refused before tar', async () => {
    replies = [{ body: await zstOf([...PODMAN_TREE, { name: 'other/', type: 'directory' }]) }]
    const { verdict, archive } = await download()
    expect(verdict?.accepted?.map((e) => e.path)).toEqual([`${TOP}/`, `${TOP}/bin/`, `${TOP}/bin/podman`, 'other/'])
    const judged = unpackJudged(verdict as Verdict, TOP)
    await expect(extractAuditCache(archive, TOP, KEY, META, judged)).rejects.toThrow(/exactly one top-level directory/)
    expect(tarStarts()).toBe(0)
  })

  it('accepted: zstd pipes into tar, the entry is committed with every header listed', async () => {
    replies = [{ body: await zstOf(PODMAN_TREE) }]
    const { verdict, archive } = await download()
    expect(verdict?.accepted?.map((e) => `${e.type} ${e.path}`)).toEqual([
      `Directory ${TOP}/`,
      `Directory ${TOP}/bin/`,
      `File ${TOP}/bin/podman`,
    ])
    const root = await extractAuditCache(archive, TOP, KEY, META, unpackJudged(verdict as Verdict, TOP))
    expect(readFileSync(path.join(root, 'bin/podman'), 'utf8')).toHaveLength(70_000)
    expect(tarStarts()).toBe(1)
  })

  it('a retried download is judged on the attempt that completed, not on the cut one', async () => {
    const whole = await zstOf(PODMAN_TREE)
    replies = [{ body: whole, cutAt: Math.floor(whole.length / 2) }, { body: whole }]
    const { verdict } = await download()
    expect(verdict?.accepted?.map((e) => e.path)).toEqual([`${TOP}/`, `${TOP}/bin/`, `${TOP}/bin/podman`])
  })

  it('bytes zstd cannot decode: no verdict (the unpack then audits as it unpacks)', async () => {
    replies = [{ body: Buffer.from('not a zstd frame at all, just text'.repeat(100)) }]
    expect((await download()).verdict).toBeUndefined()
  })

  it('no zstd binary, or a gzip archive: nothing is judged during the download', async () => {
    expect(await preAudit(path.join(dir, 'a.tar.gz'))).toBeUndefined()
    process.env.PATH = path.join(dir, 'bin')
    expect(await preAudit(path.join(dir, 'a.tar.zst'))).toBeUndefined()
  })
})
