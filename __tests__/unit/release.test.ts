import { describe, expect, it } from '@jest/globals'
import { parseVersionSpec } from '../../src/inputs.js'
import { assetName } from '../../src/release/assets.js'
import { listReleases, nextLink } from '../../src/release/github.js'
import { candidates, pick, type Release } from '../../src/release/resolve.js'
import { scriptedHttp } from '../helpers/scripted-http.js'

const rel = (tag: string, extra: Partial<Release> = {}): Release => ({
  tag_name: tag,
  draft: false,
  prerelease: false,
  assets: [],
  ...extra,
})

const mixed: Release[] = [
  rel('buildah-v1.42.0'),
  rel('podman-v5.8.0-rc.1', { prerelease: true }),
  rel('podman-v5.7.1'),
  rel('skopeo-v1.20.0'),
  rel('podman-v5.7.0'),
  rel('podman-v5.9.0', { draft: true }),
  rel('podman-v5.6.2'),
  rel('podman-vnext'),
  rel('podman-v4.9.5'),
]

const resolve = (raw: string) =>
  pick(candidates(mixed, 'podman-v', parseVersionSpec(raw)), parseVersionSpec(raw)).version

describe('resolution over a mixed podman/buildah/skopeo repository', () => {
  it.each([
    ['latest', '5.7.1'],
    ['5', '5.7.1'],
    ['5.7', '5.7.1'],
    ['5.7.0', '5.7.0'],
    ['v5.7.0', '5.7.0'],
    ['>=5.6 <5.7', '5.6.2'],
    ['^5.6', '5.7.1'],
    ['5.x', '5.7.1'],
    ['4', '4.9.5'],
    ['>=5.8.0-rc.0', '5.8.0-rc.1'],
  ])('%s -> %s', (raw, version) => expect(resolve(raw)).toBe(version))

  it('never picks drafts, other tools or unparsable tags', () => {
    const versions = candidates(mixed, 'podman-v', parseVersionSpec('latest')).map((c) => c.version)
    expect(versions).toEqual(['5.7.1', '5.7.0', '5.6.2', '4.9.5'])
  })

  it("by tag: GitHub's prerelease flag is ignored, a prerelease version is not", () => {
    const flagged = [rel('podman-v5.9.0', { prerelease: true }), rel('podman-v5.9.1-rc.1'), ...mixed]
    const byTag = candidates(flagged, 'podman-v', parseVersionSpec('latest'), 'tag').map((c) => c.version)
    expect(byTag).toEqual(['5.9.0', '5.7.1', '5.7.0', '5.6.2', '4.9.5'])
    const byFlag = candidates(flagged, 'podman-v', parseVersionSpec('latest')).map((c) => c.version)
    expect(byFlag).toEqual(['5.9.1-rc.1', '5.7.1', '5.7.0', '5.6.2', '4.9.5'])
  })

  it('lists the newest versions when nothing matches', () => {
    expect(() => resolve('6')).toThrow("No podman release matches '6'. Newest available: 5.7.1, 5.7.0, 5.6.2, 4.9.5.")
  })
})

describe('asset names', () => {
  const combos = (['standalone', 'default', 'full'] as const).flatMap((variant) =>
    (['static', 'glibc'] as const).flatMap((libc) =>
      (['amd64', 'arm64'] as const).map((arch) => ({ variant, libc, arch })),
    ),
  )
  it('covers all 12 variant/libc/arch combinations with distinct names', () => {
    const names = combos.map((c) => assetName({ version: '5.7.1', ...c }))
    expect(new Set(names).size).toBe(12)
    expect(names).toContain('podman-v5.7.1-linux-amd64-static.tar.zst')
    expect(names).toContain('podman-v5.7.1-linux-arm64-glibc-full.tar.zst')
    expect(names).toContain('podman-v5.7.1-linux-amd64-glibc-standalone.tar.zst')
    for (const n of names)
      expect(n).toMatch(/^podman-v5\.7\.1-linux-(amd64|arm64)-(static|glibc)(-standalone|-full)?\.tar\.zst$/)
  })
})

describe('pagination', () => {
  it('parses GitHub Link headers', () => {
    const link =
      '<https://api.github.com/repositories/1/releases?per_page=100&page=2>; rel="next", ' +
      '<https://api.github.com/repositories/1/releases?per_page=100&page=3>; rel="last"'
    expect(nextLink(link)).toBe('https://api.github.com/repositories/1/releases?per_page=100&page=2')
    expect(nextLink('<https://x/?page=1>; rel="prev"')).toBeUndefined()
    expect(nextLink(null)).toBeUndefined()
  })

  it('follows next links until the last page', async () => {
    const pages: Record<string, { body: Release[]; link?: string }> = {
      'https://api.test/repos/o/r/releases?per_page=100': {
        body: [rel('podman-v5.7.1')],
        link: '<https://api.test/p2>; rel="next"',
      },
      'https://api.test/p2': { body: [rel('podman-v5.6.0')], link: '<https://api.test/p3>; rel="next"' },
      'https://api.test/p3': { body: [rel('podman-v4.9.0')] },
    }
    const http = scriptedHttp({ json: (url) => pages[url] })
    const all = await listReleases(http, 'https://api.test', 'o', 'r')
    expect(all.map((r) => r.tag_name)).toEqual(['podman-v5.7.1', 'podman-v5.6.0', 'podman-v4.9.0'])
    expect(http.requests).toHaveLength(3)
  })
})
