// Hostile archives, built byte for byte (tar-stream writes what GNU tar would refuse to
// create): a `..` member, and a symlink leaving the tree followed by a member written through
// it. The whole listing is audited before tar starts, so what must hold is: nothing lands
// outside the staging dir, the staging dir is discarded, and the error names the entry. GNU
// tar's own rules (1.34: `..` members skipped, symlinks to an absolute or `..` target kept as
// placeholder files until the last member) are checked on their own too: they keep tar inside
// staging should it read a header otherwise than the audit did.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { extractAuditCache } from '../../src/install/extract.js'
import { TAR_EXTRACT_ARGS } from '../../src/install/unpack.js'
import { KEY, META, type Member, PODMAN_TREE, TOP, tarOf } from '../helpers/tar-members.js'

let dir: string
const savedCache = process.env.RUNNER_TOOL_CACHE

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ssp-escape-'))
  process.env.RUNNER_TOOL_CACHE = path.join(dir, 'tool-cache')
})
afterEach(() => {
  process.env.RUNNER_TOOL_CACHE = savedCache
  rmSync(dir, { recursive: true, force: true })
})

/** `..` climbs from staging/TOP to the test's dir: what lands there has left staging. */
const UP = '../../../../..'
const hostile: Record<string, Member[]> = {
  'a `..` member': [...PODMAN_TREE, { name: `${TOP}/${UP}/escaped` }],
  'a write through a symlink with a `..` target': [
    ...PODMAN_TREE,
    { name: `${TOP}/up`, type: 'symlink', linkname: UP },
    { name: `${TOP}/up/escaped` },
  ],
  'a write through a symlink with an absolute target': [
    ...PODMAN_TREE,
    { name: `${TOP}/abs`, type: 'symlink', linkname: '@DIR@' },
    { name: `${TOP}/abs/escaped` },
  ],
}

async function archiveOf(members: Member[]): Promise<string> {
  const tar = await tarOf(members.map((m) => ({ ...m, linkname: m.linkname?.replace('@DIR@', dir) })))
  const file = path.join(dir, 'hostile.tar.zst')
  writeFileSync(file, zlib.zstdCompressSync(tar))
  return file
}

/** Every path under the test's dir, links not followed. */
function written(at = dir): string[] {
  return readdirSync(at, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(at, e.name)
    return [path.relative(dir, p), ...(e.isDirectory() ? written(p) : [])]
  })
}

describe('a hostile archive never writes outside the staging dir', () => {
  it.each(Object.entries(hostile))('%s: refused, staging discarded, nothing outside', async (_label, members) => {
    const archive = await archiveOf(members)
    const through = /Archive symlink podman-v5\.7\.1\/(up|abs) -> .* points outside the archive\./
    const dotdot = /Archive entry podman-v5\.7\.1\/\.\.\/.*escaped leaves the archive's directory\./
    const err = await extractAuditCache(archive, TOP, KEY, META).catch((e: Error) => e)
    expect(String(err)).toMatch(members.some((m) => m.type === 'symlink') ? through : dotdot)
    expect(written().sort()).toEqual([
      'hostile.tar.zst',
      'tool-cache',
      `tool-cache/${KEY.tool}`,
      `tool-cache/${KEY.tool}/${KEY.version}`,
    ])
  })

  it.each(Object.entries(hostile))('GNU tar alone, with the unpack flags: %s stays inside', async (_label, members) => {
    const staging = path.join(dir, 'tool-cache', '.partial-x')
    mkdirSync(staging, { recursive: true })
    const input = await tarOf(members.map((m) => ({ ...m, linkname: m.linkname?.replace('@DIR@', dir) })))
    const r = spawnSync('tar', TAR_EXTRACT_ARGS(staging, '-'), { input, encoding: 'utf8' })
    // the `..` member is skipped with an error; the write through a placeholder fails
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/Member name contains '\.\.'|escaped: Cannot open: Not a directory/)
    expect(written().filter((p) => !p.startsWith(`tool-cache${path.sep}.partial-x`))).toEqual(['tool-cache'])
    expect(lstatSync(path.join(staging, TOP, 'bin/podman')).isFile()).toBe(true)
  })
})
