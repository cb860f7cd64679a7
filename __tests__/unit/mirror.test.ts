// The test mirror over real loopback sockets, and the release builder on a fake Debian root.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { probe } from '../../test-support/http-probe.js'
import { runProc } from '../../test-support/proc.js'
import { buildRelease, type Variant } from '../../test-support/mirror/build.js'
import { pigfootFillers } from '../../test-support/mirror/fixtures.js'
import { startMirror, type Mirror } from '../../test-support/mirror/server.js'
import { buildMgoltzscheRelease } from '../../test-support/mirror/mgoltzsche.js'
import { upstreamVersion } from '../../test-support/mirror/sources.js'

const REPO = 'pigfoot/static-rootless-container-tools'
const ASSET = 'podman-v5.7.1-linux-amd64-static.tar.zst'
// Async: the mirror runs in this process, so a blocking spawn would starve it.
const curl = (url: string) =>
  runProc('curl', ['-sS', '-o', '/dev/null', '--max-time', '10', url], { timeoutMs: 15_000 })
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex')

let dir: string
let blob: Buffer
let mirror: Mirror

function file(name: string, content: Buffer | string): { name: string; path: string } {
  writeFileSync(join(dir, name), content)
  return { name, path: join(dir, name) }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ssp-mirror-'))
  blob = randomBytes(256 * 1024)
  const files = [
    file(ASSET, blob),
    file('checksums.txt', `${sha(blob)}  ${ASSET}\n`),
    file(`${ASSET}.bundle`, '{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}'),
  ]
  const old = [file('old.tar.zst', 'old release')]
  mirror = await startMirror({
    pageSize: 3,
    token: 'the-token',
    repos: {
      [REPO]: [
        ...pigfootFillers(),
        { tag: 'podman-v5.7.1', files },
        { tag: 'buildah-v1.39.0', assets: [] },
        { tag: 'podman-v5.6.0', digest: false, files: old },
      ],
      'mgoltzsche/podman-static': [
        {
          tag: 'v5.8.4',
          files: [file('podman-linux-amd64.tar.gz', 'gz'), file('podman-linux-amd64.tar.gz.asc', 'sig')],
        },
      ],
    },
  })
})

afterAll(async () => {
  await mirror.close()
  rmSync(dir, { recursive: true, force: true })
})

const api = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${mirror.url}${path}`, { headers, redirect: 'manual' })
type AssetJson = {
  id: number
  name: string
  size: number
  digest: string | null
  url: string
  browser_download_url: string
  content_type: string
}
type ReleaseJson = { tag_name: string; draft: boolean; prerelease: boolean; assets: AssetJson[] }

async function release(tag: string): Promise<ReleaseJson> {
  return (await (await api(`/repos/${REPO}/releases/tags/${tag}`)).json()) as ReleaseJson
}
const assetOf = async (name = ASSET) =>
  (await release('podman-v5.7.1')).assets.find((a) => a.name === name) as AssetJson

describe('releases API', () => {
  it('paginates with a Link header shaped like GitHub', async () => {
    const first = await api(`/repos/${REPO}/releases?per_page=100`)
    const link = first.headers.get('link') as string
    // one pattern (the backreference needs its group), so a string
    const m = new RegExp(
      String.raw`^<(http://127\.0\.0\.1:\d+/repositories/\d+/releases)\?per_page=100&page=2>; rel="next", ` +
        String.raw`<\1\?per_page=100&page=3>; rel="last"$`,
    ).exec(link)
    expect(m).not.toBeNull()
    const tags: string[] = ((await first.json()) as ReleaseJson[]).map((r) => r.tag_name)
    const second = await fetch(`${m?.[1]}?per_page=100&page=2`)
    expect(second.headers.get('link')).toMatch(
      /page=1>; rel="prev", <.*page=3>; rel="next", <.*page=3>; rel="last", <.*page=1>; rel="first"$/,
    )
    tags.push(...((await second.json()) as ReleaseJson[]).map((r) => r.tag_name))
    const third = await api(`/repos/${REPO}/releases?per_page=100&page=3`)
    expect(third.headers.get('link')).not.toContain('rel="next"')
    tags.push(...((await third.json()) as ReleaseJson[]).map((r) => r.tag_name))
    expect(tags).toEqual([
      'buildah-v1.40.0',
      'skopeo-v1.20.0',
      'podman-v99.0.0',
      'podman-v99.1.0-rc1',
      'podman-v5.7.1',
      'buildah-v1.39.0',
      'podman-v5.6.0',
    ])
  })

  it('describes assets with size, digest and both URLs', async () => {
    const a = await assetOf()
    expect(a).toMatchObject({
      size: blob.length,
      digest: `sha256:${sha(blob)}`,
      browser_download_url: mirror.downloadUrl(REPO, 'podman-v5.7.1', ASSET),
    })
    expect(a.url).toBe(`${mirror.url}/repos/${REPO}/releases/assets/${a.id}`)
    expect((await release('podman-v5.6.0')).assets[0].digest).toBeNull()
    expect((await release('podman-v5.7.1')).assets.map((x) => x.name)).toContain(`${ASSET}.bundle`)
  })

  it('answers /releases/latest with the newest full release, which is not podman', async () => {
    expect(((await (await api(`/repos/${REPO}/releases/latest`)).json()) as ReleaseJson).tag_name).toBe(
      'buildah-v1.40.0',
    )
  })

  it('redirects the API asset URL to the download when asked for octet-stream', async () => {
    const a = await assetOf()
    const res = await api(new URL(a.url).pathname, { accept: 'application/octet-stream' })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe(a.browser_download_url)
    expect(((await (await api(new URL(a.url).pathname)).json()) as AssetJson).name).toBe(ASSET)
    const body = Buffer.from(await (await fetch(a.browser_download_url)).arrayBuffer())
    expect(sha(body)).toBe(sha(blob))
  })

  it('serves other naming schemes (mgoltzsche/podman-static)', async () => {
    const res = await fetch(mirror.downloadUrl('mgoltzsche/podman-static', 'v5.8.4', 'podman-linux-amd64.tar.gz.asc'))
    expect(await res.text()).toBe('sig')
  })

  it("serves a user's public keys at /<owner>.gpg, like github.com, and 404 for others", async () => {
    mirror.setUserKeys('mgoltzsche', '-----BEGIN PGP PUBLIC KEY BLOCK-----\n...\n')
    const res = await api('/mgoltzsche.gpg')
    expect([res.status, await res.text()]).toEqual([200, '-----BEGIN PGP PUBLIC KEY BLOCK-----\n...\n'])
    expect((await api('/someone.gpg')).status).toBe(404)
    mirror.setUserKeys('mgoltzsche', undefined)
    expect((await api('/mgoltzsche.gpg')).status).toBe(404)
  })

  it('records requests without token values, and checks the token', async () => {
    mirror.resetRequests()
    const requests = mirror.requests
    await api(`/repos/${REPO}/releases`, { authorization: 'Bearer the-token', accept: 'application/vnd.github+json' })
    await api(`/repos/${REPO}/releases?page=2`)
    expect(requests).toEqual([
      { method: 'GET', path: `/repos/${REPO}/releases`, authorization: true, accept: 'application/vnd.github+json' },
      { method: 'GET', path: `/repos/${REPO}/releases?page=2`, authorization: false, accept: '*/*' },
    ])
    expect(JSON.stringify(requests)).not.toContain('the-token')
    expect((await api(`/repos/${REPO}/releases`, { authorization: 'Bearer wrong' })).status).toBe(401)
    mirror.resetRequests()
    expect(requests).toHaveLength(0)
  })
})

describe('faults', () => {
  const download = () => mirror.downloadUrl(REPO, 'podman-v5.7.1', ASSET)
  const path = () => new URL(download()).pathname
  afterAll(() => mirror.clearFaults())

  it('plays a status sequence whose last entry repeats', async () => {
    mirror.setFaults([{ path: path(), status: [500, 200] }])
    const statuses = [
      (await fetch(download())).status,
      (await fetch(download())).status,
      (await fetch(download())).status,
    ]
    expect(statuses).toEqual([500, 200, 200])
    mirror.setFaults([{ path: `/repos/${REPO}/releases?per_page=100&page=2`, status: 503 }])
    expect((await api(`/repos/${REPO}/releases?per_page=100&page=2`)).status).toBe(503)
    expect((await api(`/repos/${REPO}/releases?per_page=100&page=2`)).status).toBe(503)
    expect((await api(`/repos/${REPO}/releases?per_page=100`)).status).toBe(200)
  })

  it('answers 404 and rate limits like GitHub', async () => {
    mirror.setFaults([
      { path: path(), status: 404 },
      { path: `/repos/${REPO}/releases`, rateLimit: { reset: 1_900_000_000 } },
    ])
    expect((await fetch(download())).status).toBe(404)
    const limited = await api(`/repos/${REPO}/releases?per_page=100`)
    expect(limited.status).toBe(403)
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0')
    expect(limited.headers.get('x-ratelimit-reset')).toBe('1900000000')
  })

  it('matches asset names only where the bytes are served', async () => {
    mirror.setFaults([{ asset: (n) => n.endsWith('.tar.zst'), status: 500 }])
    const a = await assetOf()
    expect((await api(new URL(a.url).pathname, { accept: 'application/octet-stream' })).status).toBe(302)
    expect((await fetch(download())).status).toBe(500)
    expect((await fetch(mirror.downloadUrl(REPO, 'podman-v5.7.1', 'checksums.txt'))).status).toBe(200)
  })

  it('truncates with the full length announced', async () => {
    mirror.setFaults([{ path: path(), truncate: { withLength: true } }])
    const r = await probe(download())
    expect(r.headers['content-length']).toBe(String(blob.length))
    expect(r.body.length).toBe(blob.length / 2)
    expect(r.ending).toBe('incomplete')
    expect((await curl(download())).exitCode).toBe(18) // "transfer closed with N bytes remaining": a FIN, not a reset
  })

  it('truncates close-delimited, so the client cannot tell', async () => {
    mirror.setFaults([{ path: path(), truncate: { withLength: false } }])
    const r = await probe(download())
    expect(r.headers['content-length']).toBeUndefined()
    expect(r.headers['transfer-encoding']).toBeUndefined()
    expect(r.body.equals(blob.subarray(0, blob.length / 2))).toBe(true)
    expect(r.ending).toBe('complete')
  })

  // curl tells a reset (exit 56) from a short body (exit 18); Node 20's client reports both as an end.
  it.each(['after-headers', 'mid-body'] as const)('resets the connection %s', async (when) => {
    mirror.setFaults([{ path: path(), reset: when }])
    const r = await curl(download())
    expect(r.stderr).toContain('reset by peer')
    expect(r.exitCode).toBe(56)
    const p = await probe(download())
    expect(p.status).toBe(200)
    expect(p.ending).not.toBe('complete')
    // A reset may drop bytes still unread on the client side: at most what was sent arrives.
    expect(p.body.length).toBeLessThanOrEqual(when === 'mid-body' ? blob.length / 2 : 0)
  })

  it('flips exactly one byte', async () => {
    mirror.setFaults([{ path: path(), flipByte: { offset: 1000 } }])
    const r = await probe(download())
    expect(r.ending).toBe('complete')
    const diffs = [...r.body].flatMap((b, i) => (b === blob[i] ? [] : [i]))
    expect(diffs).toEqual([1000])
  })

  it('stalls until the mirror closes, and close() ends the stalled socket', async () => {
    const files = [{ name: ASSET, path: join(dir, ASSET) }]
    const m = await startMirror({ repos: { [REPO]: [{ tag: 'podman-v5.7.1', files }] }, separateDownloadOrigin: true })
    m.setFaults([{ asset: () => true, stall: { afterBytes: 100 } }])
    const url = m.downloadUrl(REPO, 'podman-v5.7.1', ASSET)
    expect(new URL(url).hostname).toBe('127.0.0.2') // another origin, as GitHub's downloads are
    const r = await probe(url, { idleMs: 300 })
    expect(r.ending).toBe('idle')
    expect(r.body.length).toBe(100)
    const started = Date.now()
    await m.close()
    expect(Date.now() - started).toBeLessThan(2000)
    expect(await r.finished).not.toBe('complete')
  })
})

describe('buildRelease on a fake Debian root', () => {
  let root: string
  let out: string
  const exe = (rel: string, mode = 0o755) => {
    mkdirSync(join(root, dirname(rel)), { recursive: true })
    writeFileSync(join(root, rel), `#!/bin/sh\necho ${rel}\n`)
    chmodSync(join(root, rel), mode)
  }
  const link = (rel: string, target: string) => symlinkSync(target, join(root, rel))
  const text = (rel: string, content: string) => {
    mkdirSync(join(root, dirname(rel)), { recursive: true })
    writeFileSync(join(root, rel), content)
  }
  const listing = (name: string) =>
    execFileSync('tar', ['--zstd', '-tvf', join(out, name)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/))
      .map((f) => `${f[0]} ${f.slice(5).join(' ').replace('podman-v5.4.2/', '')}`)

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'ssp-root-'))
    out = join(root, '..', `${root.split('/').at(-1)}-out`)
    for (const b of ['podman', 'crun', 'catatonit', 'passt', 'passt.avx2', 'fuse-overlayfs']) exe(`usr/bin/${b}`)
    chmodSync(join(root, 'usr/bin/crun'), 0o4755) // setuid must not reach the archive
    link('usr/bin/pasta', 'passt') // as on Debian 12
    link('usr/bin/pasta.avx2', 'passt.avx2')
    exe('usr/lib/conmon-real')
    link('usr/bin/conmon', '/usr/lib/conmon-real') // absolute: must resolve inside the root
    for (const b of ['rootlessport', 'quadlet']) exe(`usr/libexec/podman/${b}`)
    link('usr/libexec/podman/catatonit', '../../bin/catatonit')
    for (const b of ['netavark', 'aardvark-dns']) exe(`usr/lib/podman/${b}`)
    text('etc/containers/policy.json', '{"default":[{"type":"reject"}]}\n')
    text(
      'usr/share/containers/storage.conf',
      '[storage]\ndriver = "overlay"\n[storage.options.overlay]\nmount_program = "/usr/bin/fuse-overlayfs"\n',
    )
    text('usr/lib/systemd/system/podman.service', 'ExecStart=/usr/bin/podman system service\n')
    text(
      'var/lib/dpkg/status',
      'Package: podman\nStatus: install ok installed\nVersion: 5.4.2+ds1-2+b2\nArchitecture: amd64\n\n',
    )
    mkdirSync(join(root, 'var/lib/dpkg/updates'))
  })
  afterAll(() => {
    rmSync(root, { recursive: true, force: true })
    rmSync(out, { recursive: true, force: true })
  })

  it('reads the upstream version from Debian versions', () => {
    expect(upstreamVersion('5.4.2+ds1-2+b2')).toBe('5.4.2')
    expect(upstreamVersion('1:4.3.1+ds1-8+deb12u1')).toBe('4.3.1')
  })

  it('lays out every variant like the real release, with matching checksums', async () => {
    const m = await buildRelease({ root, outDir: out })
    expect(m.tag).toBe('podman-v5.4.2')
    const bin = ['crun', 'podman'].map((b) => `-rwxr-xr-x usr/local/bin/${b}`)
    const lib = ['conmon', 'rootlessport'].map((b) => `-rwxr-xr-x usr/local/lib/podman/${b}`)
    const etc = ['containers.conf', 'policy.json', 'registries.conf', 'seccomp.json', 'storage.conf'].map(
      (f) => `-rw-r--r-- etc/containers/${f}`,
    )
    const systemd = [
      'lrwxrwxrwx usr/local/lib/systemd/system-generators/podman-system-generator -> ../../../libexec/podman/quadlet',
      '-rw-r--r-- usr/local/lib/systemd/system/podman.service',
      'lrwxrwxrwx usr/local/lib/systemd/user-generators/podman-user-generator -> ../../../libexec/podman/quadlet',
    ]
    const files = (v: Variant) =>
      listing(m.assets.find((a) => a.name.endsWith(v === 'default' ? 'static.tar.zst' : `static-${v}.tar.zst`))!.name)
    const only = (l: string[]) => l.filter((e) => !e.startsWith('d')).sort()
    const base = [
      ...bin,
      ...lib,
      ...etc,
      ...systemd,
      '-rwxr-xr-x usr/local/libexec/podman/quadlet',
      '-rw-r--r-- README.txt',
    ]
    expect(only(files('standalone'))).toEqual(['-rwxr-xr-x podman'])
    expect(only(files('default'))).toEqual(base.sort())
    const extra = [
      ...['fuse-overlayfs', 'pasta', 'pasta.avx2'].map((b) => `-rwxr-xr-x usr/local/bin/${b}`),
      ...['aardvark-dns', 'catatonit', 'netavark'].map((b) => `-rwxr-xr-x usr/local/lib/podman/${b}`),
    ]
    expect(only(files('full'))).toEqual([...base, ...extra].sort())

    const names = m.assets.map((a) => a.name)
    expect(names).toHaveLength(7)
    expect(names).toContain('podman-v5.4.2-linux-amd64-glibc-full.tar.zst')
    const sums = readFileSync(join(out, 'checksums.txt'), 'utf8')
    for (const a of m.assets.slice(0, -1)) {
      expect(sums).toContain(`${sha(readFileSync(a.path))}  ${a.name}\n`)
      expect(a.size).toBe(statSync(a.path).size)
      execFileSync('zstd', ['-tq', a.path])
    }
    expect(new Set(m.assets.map((a) => a.sha256)).size).toBe(7)
  })

  it('copies what the root has, neutralising forced fuse-overlayfs and pointing units at /usr/local', () => {
    const name = 'podman-v5.4.2-linux-amd64-glibc.tar.zst'
    const read = (p: string) =>
      execFileSync('tar', ['--zstd', '-xOf', join(out, name), `podman-v5.4.2/${p}`], { encoding: 'utf8' })
    expect(read('etc/containers/policy.json')).toContain('reject')
    expect(read('etc/containers/storage.conf')).not.toMatch(/^\s*mount_program/m)
    expect(read('usr/local/lib/systemd/system/podman.service')).toContain('/usr/local/bin/podman system')
    expect(read('usr/local/lib/podman/conmon')).toContain('usr/lib/conmon-real')
    expect(read('README.txt')).toContain('glibc')
  })

  it('arm64: the full asset has no pasta.avx2 (passt builds it on x86_64 only)', async () => {
    const m = await buildRelease({
      root,
      outDir: join(out, 'arm64'),
      arch: 'arm64',
      variants: ['full'],
      libcs: ['static'],
    })
    expect(m.assets.map((a) => a.name)).toEqual(['podman-v5.4.2-linux-arm64-static-full.tar.zst', 'checksums.txt'])
    const files = listing(`arm64/${m.assets[0].name}`)
    expect(files).toContain('-rwxr-xr-x usr/local/bin/pasta')
    expect(files.join('\n')).not.toContain('pasta.avx2')
  })

  it('reuses a complete build and rebuilds when the inputs change', async () => {
    const before = statSync(join(out, 'manifest.json')).mtimeMs
    const again = await buildRelease({ root, outDir: out })
    expect(statSync(join(out, 'manifest.json')).mtimeMs).toBe(before)
    const omitted = await buildRelease({ root, outDir: out, variants: ['default'], libcs: ['static'], omit: ['crun'] })
    expect(omitted.assets.map((a) => a.name)).toEqual(['podman-v5.4.2-linux-amd64-static.tar.zst', 'checksums.txt'])
    expect(listing(omitted.assets[0].name).join('\n')).not.toContain('crun')
    expect(again.assets).toHaveLength(7)
  })

  it(
    'mgoltzsche layout: its own etc/containers, seccomp.json, quadlet with the relative generator links, units, ' +
      'completions',
    async () => {
      exe('usr/bin/fusermount3')
      text('usr/share/containers/seccomp.json', '{"defaultAction":"SCMP_ACT_ERRNO"}\n')
      text('usr/share/bash-completion/completions/podman', '# bash completion\n')
      const list = async (arch: string) => {
        const b = await buildMgoltzscheRelease({ root, outDir: join(out, `mg-${arch}`), arch })
        expect(b).toMatchObject({ tag: 'v5.4.2', name: `podman-linux-${arch}.tar.gz` })
        return execFileSync('tar', ['-tvzf', b.path], { encoding: 'utf8' })
          .trim()
          .split('\n')
          .map((l) => l.split(/\s+/))
          .filter((f) => !f[0].startsWith('d'))
          .map((f) => `${f[0]} ${f.slice(5).join(' ').replace(`podman-linux-${arch}/`, '')}`)
          .sort()
      }
      const amd64 = await list('amd64')
      const units = ['podman-restart.service', 'podman.service', 'podman.socket']
      const expected = [
        ...['crun', 'fuse-overlayfs', 'fusermount3', 'pasta', 'pasta.avx2', 'podman'].map(
          (b) => `-rwxr-xr-x usr/local/bin/${b}`,
        ),
        ...['aardvark-dns', 'catatonit', 'conmon', 'netavark', 'rootlessport'].map(
          (b) => `-rwxr-xr-x usr/local/lib/podman/${b}`,
        ),
        '-rwxr-xr-x usr/local/libexec/podman/quadlet',
        ...['containers.conf', 'policy.json', 'registries.conf', 'seccomp.json', 'storage.conf'].map(
          (f) => `-rw-r--r-- etc/containers/${f}`,
        ),
        ...['system', 'user'].flatMap((k) => units.map((u) => `-rw-r--r-- usr/local/lib/systemd/${k}/${u}`)),
        'lrwxrwxrwx usr/local/lib/systemd/system-generators/podman-system-generator -> ../../../libexec/podman/quadlet',
        'lrwxrwxrwx usr/local/lib/systemd/user-generators/podman-user-generator -> ../../../libexec/podman/quadlet',
        '-rw-r--r-- usr/local/share/bash-completion/completions/podman',
        '-rw-r--r-- README.md',
      ].sort()
      expect(amd64).toEqual(expected)
      expect(await list('arm64')).toEqual(expected.filter((e) => !e.includes('pasta.avx2')))
      const read = (p: string) =>
        execFileSync('tar', ['-xOzf', join(out, 'mg-amd64/podman-linux-amd64.tar.gz'), `podman-linux-amd64/${p}`], {
          encoding: 'utf8',
        })
      expect(read('etc/containers/storage.conf')).toMatch(/^mount_program = "\/usr\/local\/bin\/fuse-overlayfs"$/m)
      expect(read('etc/containers/containers.conf')).toContain('cgroup_manager = "cgroupfs"')
      expect(read('etc/containers/seccomp.json')).toContain('SCMP_ACT_ERRNO')
    },
  )

  it('names what is missing from the root', async () => {
    rmSync(join(root, 'usr/bin/crun'))
    await expect(buildRelease({ root, outDir: join(out, 'x') })).rejects.toThrow(/has no crun/)
  })
})
