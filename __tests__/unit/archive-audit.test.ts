// Real tar archives, built here with GNU tar, go through the real extract pipeline: a bad
// one is refused from its whole listing before tar starts, or from the tree tar made; either
// way nothing is left (the staging dir and the decoded tar file are removed), nothing was
// written outside it, and nothing reaches the tool cache.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  utimesSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { auditEntries, resolveLink } from '../../src/install/audit.js'
import { extractAuditCache } from '../../src/install/extract.js'
import { firstPath } from '../../src/install/tar-stream.js'
import { type Unpack, unpackAudited } from '../../src/install/unpack.js'
import { KEY, META, TOP } from '../helpers/tar-members.js'

let dir: string
let src: string
let unpacked: number
const recording: Unpack = (a, d, top, limits) => {
  unpacked++
  return unpackAudited(a, d, top, limits)
}
const savedCache = process.env.RUNNER_TOOL_CACHE

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ssp-archive-'))
  src = path.join(dir, 'src')
  mkdirSync(path.join(src, TOP, 'usr/local/bin'), { recursive: true })
  writeFileSync(path.join(src, TOP, 'usr/local/bin/podman'), 'binary', { mode: 0o755 })
  symlinkSync('podman', path.join(src, TOP, 'usr/local/bin/docker'))
  process.env.RUNNER_TOOL_CACHE = path.join(dir, 'tool-cache')
  unpacked = 0
})
afterEach(() => {
  process.env.RUNNER_TOOL_CACHE = savedCache
  rmSync(dir, { recursive: true, force: true })
})

function pack(extra: string[] = []): string {
  const file = path.join(dir, 'a.tar.zst')
  execFileSync('tar', ['--zstd', '--sort=name', '-C', src, '-cf', file, ...extra, TOP])
  return file
}

const toolCacheEntries = () =>
  existsSync(process.env.RUNNER_TOOL_CACHE as string)
    ? readdirSync(path.join(process.env.RUNNER_TOOL_CACHE as string, KEY.tool, KEY.version))
    : []

/** Every path under the test's dir (links not followed), but the archive's sources and the archive itself. */
function written(at = dir): string[] {
  return readdirSync(at, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(at, e.name)
    if (at === dir && (e.name === 'src' || e.name.endsWith('.tar.zst'))) return []
    return [path.relative(dir, p), ...(e.isDirectory() ? written(p) : [])]
  })
}

async function refused(archive: string, pattern: RegExp, limits?: { maxBytes: number; maxEntries: number }) {
  await expect(extractAuditCache(archive, TOP, KEY, META, recording, limits)).rejects.toThrow(pattern)
  expect(unpacked).toBe(1)
  // nothing left: no staging dir, no entry, and nothing written beside them
  expect(toolCacheEntries()).toEqual([])
  expect(written().sort()).toEqual(['tool-cache', `tool-cache/${KEY.tool}`, `tool-cache/${KEY.tool}/${KEY.version}`])
}

describe('extractAuditCache refuses before anything is committed', () => {
  it('accepts a release-shaped archive and commits it', async () => {
    const root = await extractAuditCache(pack(), TOP, KEY, META, recording)
    expect(unpacked).toBe(1)
    expect(readdirSync(path.join(root, 'usr/local/bin')).sort()).toEqual(['docker', 'podman'])
  })

  it('a symlink chain that a string check accepts: a/s -> .. and e -> a/s/a/s/../../../..', async () => {
    mkdirSync(path.join(src, TOP, 'a'))
    symlinkSync('..', path.join(src, TOP, 'a/s'))
    symlinkSync('a/s/a/s/../../../..', path.join(src, TOP, 'e'))
    // what the old check did: resolve the target as a string, which stays inside
    expect(path.resolve('/x', TOP, 'a/s/a/s/../../../..').startsWith(`/x/${TOP}`)).toBe(true)
    await refused(pack(), /symlink podman-v5\.7\.1\/e -> a\/s\/a\/s\/\.\.\/\.\.\/\.\.\/\.\. points outside/)
  })

  it('a device node (the archive holds /dev/null as a character device)', async () => {
    const file = path.join(dir, 'a.tar.zst')
    execFileSync('tar', ['--zstd', '-C', src, '-cf', file, TOP])
    execFileSync('tar', [
      '--zstd',
      '-cf',
      file,
      '-C',
      src,
      TOP,
      '-C',
      '/',
      '--transform',
      `s,^dev/null,${TOP}/null,`,
      'dev/null',
    ])
    await refused(file, /podman-v5\.7\.1\/null is a CharacterDevice; only files, directories and symlinks/)
  })

  it('a world-writable file', async () => {
    chmodSync(path.join(src, TOP, 'usr/local/bin/podman'), 0o777)
    await refused(pack(), /usr\/local\/bin\/podman is world-writable/)
  })

  it('a setuid file', async () => {
    chmodSync(path.join(src, TOP, 'usr/local/bin/podman'), 0o4755)
    await refused(pack(), /usr\/local\/bin\/podman is setuid/)
  })

  it('an archive bigger than the cap, stopped while it is being decoded', async () => {
    writeFileSync(path.join(src, TOP, 'big'), Buffer.alloc(8 * 1024 ** 2))
    await refused(pack(), /unpacks to more than 1048576 bytes/, { maxBytes: 1024 ** 2, maxEntries: 100 })
  })

  it('more entries than the cap', async () => {
    for (let i = 0; i < 20; i++) writeFileSync(path.join(src, TOP, `f${i}`), '')
    await refused(pack(), /more than 10 entries/, { maxBytes: 1024 ** 2, maxEntries: 10 })
  })

  it('an entry written through a symlink, and a second top-level entry', async () => {
    const a = path.join(dir, 'a.tar.zst')
    mkdirSync(path.join(src, 'other'))
    execFileSync('tar', ['--zstd', '-C', src, '-cf', a, TOP, 'other'])
    await refused(a, /exactly one top-level directory podman-v5\.7\.1\/; it holds: other, podman-v5\.7\.1/)
    expect(() =>
      auditEntries(
        [
          { path: `${TOP}/l`, type: 'SymbolicLink', mode: 0o777, size: 0, linkpath: 'usr' },
          { path: `${TOP}/l/x`, type: 'File', mode: 0o644, size: 1 },
        ],
        TOP,
      ),
    ).toThrow(`${TOP}/l/x is written through the symlink ${TOP}/l`)
  })

  it('names with .. or an absolute path never reach tar', async () => {
    for (const name of [`${TOP}/../x`, `/${TOP}/x`]) {
      expect(() => auditEntries([{ path: name, type: 'File', mode: 0o644, size: 1 }], TOP)).toThrow(name)
    }
  })
})

describe('resolveLink follows the archive links as the kernel would', () => {
  const links = new Map([
    [`${TOP}/a/s`, '..'],
    [`${TOP}/loop`, 'loop'],
  ])
  it.each([
    ['usr/../bin', [TOP, 'bin']],
    ['a/s/a/s/bin', [TOP, 'bin']],
    ['a/s/a/s/../../../..', undefined],
    ['loop', undefined],
    ['/etc', undefined],
  ])('%s', (target, expected) => {
    expect(resolveLink([TOP, 'link'], target, links)).toEqual(expected)
  })
})

describe('firstPath: the top directory of a local build from its first header', () => {
  it('reads a gzip archive with node zlib too, past a leading ./', async () => {
    const gz = path.join(dir, 'a.tar.gz')
    execFileSync('tar', ['-z', '-C', src, '-cf', gz, `./${TOP}`])
    expect(await firstPath(gz)).toBe(`${TOP}/`)
  })

  it('decodes no further than that header: a corrupt tail after it is never read', async () => {
    const big = path.join(dir, 'big')
    mkdirSync(path.join(big, TOP), { recursive: true })
    writeFileSync(path.join(big, TOP, 'noise'), randomBytes(4 * 1024 * 1024))
    const gz = path.join(dir, 'cut.tar.gz')
    execFileSync('tar', ['-z', '-C', big, '-cf', gz, TOP])
    const whole = readFileSync(gz)
    writeFileSync(gz, Buffer.concat([whole.subarray(0, whole.length / 2), Buffer.alloc(64 * 1024, 0xff)]))
    expect(await firstPath(gz)).toBe(`${TOP}/`)
    // the same bytes decoded to the end fail: what firstPath skipped was really broken
    expect(() => execFileSync('gzip', ['-t', '-q', gz], { stdio: 'pipe' })).toThrow()
  })

  it('a corrupt archive is refused by name, not thrown from the decoder', async () => {
    const gz = path.join(dir, 'bad.tar.gz')
    execFileSync('tar', ['-z', '-C', src, '-cf', gz, TOP])
    const whole = readFileSync(gz)
    writeFileSync(gz, Buffer.concat([whole.subarray(0, 12), Buffer.alloc(64 * 1024, 0xff)]))
    await expect(firstPath(gz)).rejects.toThrow(/^Reading bad\.tar\.gz as tar failed: /)
  })

  it('an archive of only ./ has none', async () => {
    const empty = path.join(dir, 'empty.tar.gz')
    mkdirSync(path.join(dir, 'nothing'), { recursive: true })
    execFileSync('tar', ['-z', '-C', path.join(dir, 'nothing'), '-cf', empty, '.'])
    expect(await firstPath(empty)).toBeUndefined()
  })
})

it('an unpack left behind by a killed job is cleaned up; a running one is left alone', async () => {
  const parent = path.join(process.env.RUNNER_TOOL_CACHE as string, KEY.tool, KEY.version)
  mkdirSync(path.join(parent, '.partial-old/podman-v5.7.1'), { recursive: true })
  mkdirSync(path.join(parent, '.partial-busy'), { recursive: true })
  const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000)
  utimesSync(path.join(parent, '.partial-old'), twoHoursAgo, twoHoursAgo)
  await extractAuditCache(pack(), TOP, KEY, META, recording)
  expect(readdirSync(parent).sort()).toEqual(['.partial-busy', 'amd64', 'amd64.complete'])
})

describe('two jobs committing one version (a self-hosted machine)', () => {
  it('a complete entry is never replaced: a job may be running podman from it', async () => {
    const first = await extractAuditCache(pack(), TOP, KEY, META, recording)
    const inode = statSync(first).ino
    writeFileSync(path.join(first, 'in-use'), '') // what the first job sees of its tree
    const both = await Promise.all([1, 2].map(() => extractAuditCache(pack(), TOP, KEY, META, recording)))
    expect(both).toEqual([first, first])
    expect(unpacked).toBe(3)
    expect(statSync(first).ino).toBe(inode)
    expect(existsSync(path.join(first, 'in-use'))).toBe(true)
    // each later unpack dropped, the lock released
    expect(toolCacheEntries().sort()).toEqual(['amd64', 'amd64.complete'])
  })

  it('two at once: one commits, the other finds it complete; the entry is whole', async () => {
    const roots = await Promise.all([1, 2].map(() => extractAuditCache(pack(), TOP, KEY, META, recording)))
    expect(new Set(roots).size).toBe(1)
    expect(readdirSync(path.join(roots[0], 'usr/local/bin')).sort()).toEqual(['docker', 'podman'])
    expect(toolCacheEntries().sort()).toEqual(['amd64', 'amd64.complete'])
  })

  it('an entry without its marker (a killed job left it) is replaced', async () => {
    const parent = path.join(process.env.RUNNER_TOOL_CACHE as string, KEY.tool, KEY.version)
    mkdirSync(path.join(parent, 'amd64/half'), { recursive: true })
    const root = await extractAuditCache(pack(), TOP, KEY, META, recording)
    expect(readdirSync(root).sort()).toEqual(['.setup-static-podman.json', 'usr'])
  })
})
