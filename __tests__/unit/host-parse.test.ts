import { describe, expect, test } from '@jest/globals'
import * as p from '../../src/host/parse.js'
import { fixtureText, printed } from '../fixtures/host/load.js'

describe('version parsers against outputs captured on this machine and in the trees', () => {
  test.each([
    ['bookworm', '1.8.1'],
    ['trixie', '1.21.0'],
    ['forky', '1.28.0'],
  ] as const)('crun on %s', (stack, want) => {
    expect(p.parseCrun(printed(stack, '/usr/bin/crun --version')).version).toBe(want)
  })

  test.each([
    ['bookworm', '/usr/bin/conmon --version', p.parseConmon, '2.1.6'],
    ['trixie', '/usr/bin/conmon --version', p.parseConmon, '2.1.12'],
    ['forky', '/usr/bin/slirp4netns --version', p.parseSlirp, '1.3.3'],
    ['bookworm', '/usr/lib/podman/netavark --version', p.parseLastToken, '1.4.0'],
    ['forky', '/usr/lib/podman/aardvark-dns --version', p.parseLastToken, '1.17.1'],
    ['trixie', '/usr/libexec/podman/catatonit --version', p.parseCatatonit, '0.2.1'],
    ['bookworm', '/usr/libexec/podman/catatonit --version', p.parseCatatonit, '0.1.7'],
    ['trixie', '/usr/bin/podman --version', p.parsePodman, '5.4.2'],
    ['forky', '/usr/bin/podman --version', p.parsePodman, '5.8.6'],
    ['bookworm', 'ldd --version', p.parseGlibc, '2.36.0'],
    ['forky', 'ldd --version', p.parseGlibc, '2.43.0'],
  ] as const)('%s: %s', (stack, cmd, parser, want) => {
    expect(parser(printed(stack, cmd)).version).toBe(want)
  })

  test('fuse-overlayfs: the version line, not the fusermount3 line before it', () => {
    const r = p.parseFuseOverlayfs(printed('trixie', '/usr/bin/fuse-overlayfs --version'))
    expect(r).toEqual({ version: '1.13.0', raw: 'fuse-overlayfs: version 1.13-dev' })
  })

  test('podman version --format json', () => {
    expect(p.parsePodman('{"Client":{"APIVersion":"4.3.1","Version":"4.3.1","GoVersion":"go1.19.8"}}').version).toBe(
      '4.3.1',
    )
  })
})

describe('pasta: dates, unknown and empty output', () => {
  test('Debian 12 prints `pasta unknown version`: unknown, not a crash', () => {
    expect(p.parsePasta(printed('bookworm', '/usr/bin/pasta --version'))).toEqual({ raw: 'pasta unknown version' })
  })

  test('Debian 13 prints NOTHING through a pipe: unknown', () => {
    expect(printed('trixie', '/usr/bin/pasta --version')).toBe('')
    expect(p.parsePasta('')).toEqual({ raw: '' })
  })

  test('Debian testing prints a package-style version', () => {
    expect(p.parsePasta(printed('forky', '/usr/bin/pasta --version')).version).toBe('2026.10.2')
  })

  test.each([
    ['pasta 2025_12_10.d04c480', '2025.12.10'],
    ['pasta 2025_12_15.abc1234-3-gdeadbee', '2025.12.15'],
    ['pasta 0^20240906.g6b38f07-1.fc40.x86_64', '2024.9.6'],
    ['pasta 0.0~git20250503.587980c-2+deb13u1', '2025.5.3'],
  ])('%s', (out, want) => {
    expect(p.parsePasta(out).version).toBe(want)
  })

  test('package fallbacks: dpkg on both Debian stacks', () => {
    expect(p.parsePasstPackage(printed('bookworm', 'dpkg-query -W -f ${Version} passt')).version).toBe('2023.3.9')
    expect(p.parsePasstPackage(printed('trixie', 'dpkg-query -W -f ${Version} passt')).version).toBe('2025.5.3')
  })

  test('feature floor from --help (works through a pipe where --version does not)', () => {
    expect(p.pastaFeatureFloor(printed('trixie', '/usr/bin/pasta --help'))).toEqual({
      flag: '--map-guest-addr',
      since: '2024.8.21',
    })
    expect(p.pastaFeatureFloor(printed('bookworm', '/usr/bin/pasta --help'))).toBeUndefined()
  })

  test('labels round-trip the way passt names releases', () => {
    expect(p.pastaLabel('2025.5.3')).toBe('2025_05_03')
  })
})

test('the real failure of podman 5.4.2 with crun 1.8.1 (recorded in the trixie tree)', () => {
  expect(fixtureText('trixie/crun-1.8.1-run.stderr')).toMatch(
    /^Error: OCI runtime error: \S+crun-old: unknown version specified$/m,
  )
})
