import { describe, expect, test } from '@jest/globals'
import { applyCompletion, gateOutputs, mergeWiring, probeAsset, verifyUsed } from '../../src/host/complete.js'
import { chooseVariant, GateError, type GatePlan, planGate } from '../../src/host/gate.js'
import type { PodmanInfo } from '../../src/host/info.js'
import type { Found } from '../../src/host/found.js'
import { type HostProbe, probeHost } from '../../src/host/probe.js'
import { requirementsFor } from '../../src/host/requirements.js'
import { gatePhase } from '../../src/report/gate-phase.js'
import { html } from '../../src/report/html.js'
import type { Piece } from '../../src/host/search.js'
import { LAYOUTS, resolveLayout } from '../../src/install/layout.js'
import { FakeHost } from '../fixtures/host/fake-host.js'
import { loadSnapshot, type Stack } from '../fixtures/host/load.js'
import { replay } from '../fixtures/host/snapshot.js'

type Pieces = HostProbe['pieces']

/** The real probe of a captured stack (podman info from the stack's own podman). */
async function real(stack: Stack): Promise<Pieces> {
  const s = loadSnapshot(stack)
  return (await probeHost(replay(s), { env: s.options.env, user: s.options.user, podman: s.options.podman })).pieces
}

const withPiece = (pieces: Pieces, piece: Piece, f: Found): { pieces: Pieces } => ({
  pieces: { ...pieces, [piece]: f },
})
const actions = (plan: GatePlan) => Object.fromEntries(plan.pieces.map((p) => [p.piece, p.action]))
const FULL = resolveLayout('/cache/podman-full/5.4.2/x64', LAYOUTS.full)

describe('the decision grid on the captured hosts', () => {
  test('Debian 13 tree, podman 5.4.2 standalone: the system stack is accepted as it is', async () => {
    const plan = planGate({ pieces: await real('trixie') }, requirementsFor('standalone', '5.4.2'), {
      installMissing: true,
    })
    expect(plan.needsFullAsset).toBe(false)
    expect(plan.pieces.every((p) => p.status === 'ok')).toBe(true)
    expect(plan.failures).toEqual([])
  })

  test("crun too old for podman 5: Debian 12's crun 1.8.1 under podman 5.4.2 standalone -> complete crun", async () => {
    const pieces = await real('trixie')
    const oldCrun = withPiece(pieces, 'crun', {
      path: '/usr/bin/crun',
      version: '1.8.1',
      raw: 'crun version 1.8.1',
      via: 'podman info',
    })
    const plan = planGate(oldCrun, requirementsFor('standalone', '5.4.2'), { installMissing: true })
    expect(plan.complete).toEqual(['crun'])
    expect(plan.needsFullAsset).toBe(true)
    expect(plan.failures).toEqual([])
  })

  test('the same with install-missing: false fails naming crun, 1.8.1 and the floor', async () => {
    const oldCrun = withPiece(await real('trixie'), 'crun', { path: '/usr/bin/crun', version: '1.8.1' })
    const plan = planGate(oldCrun, requirementsFor('standalone', '5.4.2'), { installMissing: false })
    expect(plan.needsFullAsset).toBe(false)
    expect(plan.failures).toEqual([
      expect.stringMatching(/^crun: 1\.8\.1 does not meet >= 1\.14\.3 \(required: .*unknown version specified/),
    ])
  })

  test('Debian testing, podman 5.8.6 standalone: crun 1.28 meets even the documented 1.25.1', async () => {
    const plan = planGate({ pieces: await real('forky') }, requirementsFor('standalone', '5.8.6'), {
      installMissing: true,
    })
    expect(plan.pieces.find((p) => p.piece === 'crun')?.lines.map((l) => [l.req.need, l.status])).toEqual([
      ['>=1.14.3', 'ok'],
      ['>=1.25.1', 'ok'],
    ])
    expect(plan.needsFullAsset).toBe(false)
  })

  test('crun 1.21 on the 5.7 line: over the floor, under the documented 1.25.1 -> warn, wants completion', async () => {
    const plan = planGate({ pieces: await real('trixie') }, requirementsFor('standalone', '5.7.1'), {
      installMissing: true,
    })
    const crun = plan.pieces.find((p) => p.piece === 'crun')
    expect(crun?.status).toBe('warn')
    expect(crun?.action).toBe('complete')
    const kept = planGate({ pieces: await real('trixie') }, requirementsFor('standalone', '5.7.1'), {
      installMissing: false,
    })
    expect(kept.failures).toEqual([])
    expect(kept.warnings).toEqual([expect.stringMatching(/^crun: 1\.21\.0 does not meet >= 1\.25\.1 \(recommended/)])
  })

  test('Debian 12 host, podman 5.7.1 standalone, install-missing false: EVERY unmet line at once', async () => {
    const plan = planGate({ pieces: await real('bookworm') }, requirementsFor('standalone', '5.7.1'), {
      installMissing: false,
    })
    expect(plan.failures.map((l) => l.split(':')[0])).toEqual(['crun', 'netavark', 'aardvark-dns'])
    expect(plan.warnings.map((l) => l.split(':')[0])).toEqual(['crun', 'conmon', 'pasta'])
    const err = new GateError([...plan.failures])
    expect(err.message).toMatch(
      /\(3 unmet\):\n- crun: 1\.8\.1 .*\n- netavark: 1\.4\.0 does not meet >= 1\.10\.3 < 2\.0\.0/,
    )
  })

  test('Debian 12 host, default variant (crun and conmon bundled): netavark pair and pasta completed', async () => {
    const pieces = await real('bookworm')
    const bundled = {
      ...pieces,
      crun: { path: '/tc/usr/local/bin/crun', version: '1.26.0' },
      conmon: { path: '/tc/usr/local/lib/podman/conmon', version: '2.1.13' },
    }
    const plan = planGate({ pieces: bundled }, requirementsFor('default', '5.7.1'), { installMissing: true })
    expect(actions(plan)).toMatchObject({
      crun: 'none',
      conmon: 'none',
      netavark: 'complete',
      'aardvark-dns': 'complete',
      pasta: 'complete',
    })
    expect(plan.pieces.find((p) => p.piece === 'crun')?.from).toBe('asset')
  })

  test('podman 4 needs slirp4netns, not netavark 1.10 or pasta', async () => {
    const plan = planGate({ pieces: await real('bookworm') }, requirementsFor('standalone', '4.9.3'), {
      installMissing: false,
    })
    expect(plan.pieces.map((p) => p.piece)).toEqual([
      'crun',
      'conmon',
      'pasta',
      'slirp4netns',
      'catatonit',
      'fuse-overlayfs',
      'newuidmap',
      'newgidmap',
    ])
    expect(plan.failures).toEqual([])
  })

  test('missing uidmap is left to the uidmap remedy, not failed by the gate', async () => {
    const plan = planGate(withPiece(await real('forky'), 'newuidmap', {}), requirementsFor('standalone', '5.8.6'), {
      installMissing: false,
    })
    expect(actions(plan).newuidmap).toBe('remedy')
    expect(plan.failures).toEqual([])
  })
})

describe('pasta: known-bad and unknown versions', () => {
  const pasta = async (f: Found, variant: 'standalone' | 'full' = 'standalone') =>
    planGate(withPiece(await real('forky'), 'pasta', f), requirementsFor(variant, '5.8.6'), { installMissing: true })

  test('2025_12_09 is refused and completed', async () => {
    const plan = await pasta({ path: '/usr/bin/pasta', version: '2025.12.9' })
    const p = plan.pieces.find((x) => x.piece === 'pasta')
    expect(p?.status).toBe('fail')
    expect(p?.lines.find((l) => l.req.level === 'refused')?.detail).toBe('2025_12_09 is in 2025_12_08 - 2025_12_10')
    expect(plan.complete).toContain('pasta')
  })

  test('2026_01_10 is warned and completed when possible', async () => {
    const plan = await pasta({ path: '/usr/bin/pasta', version: '2026.1.10' })
    expect(plan.pieces.find((x) => x.piece === 'pasta')?.status).toBe('warn')
    expect(plan.complete).toContain('pasta')
  })

  test('a refused pasta in the full asset itself has nothing to complete it with', async () => {
    const plan = await pasta({ path: '/tc/usr/local/bin/pasta', version: '2025.12.10' }, 'full')
    expect(plan.failures).toEqual([expect.stringMatching(/^pasta: 2025_12_10 is in 2025_12_08 - 2025_12_10 \(refused/)])
  })

  test('present, version unknown: a warning, never a download and never a crash', async () => {
    const plan = await pasta({ path: '/usr/bin/pasta', note: 'present, version unknown (--version printed nothing)' })
    expect(plan.pieces.find((x) => x.piece === 'pasta')?.status).toBe('warn')
    expect(plan.needsFullAsset).toBe(false)
  })
})

describe('completion from the full asset', () => {
  const oldCrunPlan = async (podman = '5.4.2') =>
    planGate(
      withPiece(await real('trixie'), 'crun', { path: '/usr/bin/crun', version: '1.8.1' }),
      requirementsFor('standalone', podman),
      { installMissing: true },
    )

  test('crun 1.21 from the full asset replaces the system 1.8.1: pinned in the drop-in, in the outputs', async () => {
    const done = applyCompletion(await oldCrunPlan(), {
      installed: FULL,
      pieces: { crun: { path: FULL.crun, version: '1.21.0', via: 'version' } },
    })
    expect(done.failures).toEqual([])
    expect(done.wiring).toEqual({ runtimePath: '/cache/podman-full/5.4.2/x64/usr/local/bin/crun', helperDirs: [] })
    expect(done.pieces.find((p) => p.piece === 'crun')).toMatchObject({
      action: 'completed',
      status: 'ok',
      actionText: 'completed from the full asset (host: 1.8.1 at /usr/bin/crun)',
    })
    expect(gateOutputs(done.pieces)).toEqual({ crunVersion: '1.21.0', pastaVersion: '2025_05_03' })
  })

  test('the full asset could not be installed: the planned completion fails with the reason', async () => {
    const done = applyCompletion(
      await oldCrunPlan(),
      undefined,
      'checksum mismatch for podman-v5.4.2-linux-amd64-glibc-full.tar.zst',
    )
    expect(done.failures).toEqual([expect.stringMatching(/^crun: 1\.8\.1 does not meet >= 1\.14\.3/)])
    expect(done.pieces.find((p) => p.piece === 'crun')?.actionText).toBe(
      'not completed: checksum mismatch for podman-v5.4.2-linux-amd64-glibc-full.tar.zst',
    )
    expect(done.wiring.runtimePath).toBeUndefined()
  })

  test('documented 1.25.1 with a full asset offering only 1.21: kept as a warning, not swapped', async () => {
    const plan = planGate({ pieces: await real('trixie') }, requirementsFor('standalone', '5.7.1'), {
      installMissing: true,
    })
    const done = applyCompletion(plan, { installed: FULL, pieces: { crun: { path: FULL.crun, version: '1.21.0' } } })
    expect(done.wiring.runtimePath).toBeUndefined()
    expect(done.pieces.find((p) => p.piece === 'crun')?.actionText).toBe(
      "kept: the full asset's crun (1.21.0) does no better",
    )
    expect(done.warnings).toEqual([expect.stringMatching(/^crun: 1\.21\.0 does not meet >= 1\.25\.1/)])
  })

  test('netavark, aardvark-dns and pasta come through helper dirs, catatonit rides along as init_path', async () => {
    const pieces = await real('trixie')
    const host = { ...pieces, netavark: {}, 'aardvark-dns': {}, pasta: {}, catatonit: {} }
    const plan = planGate({ pieces: host }, requirementsFor('default', '5.4.2'), { installMissing: true })
    expect(plan.complete).toEqual(['pasta', 'netavark', 'aardvark-dns', 'catatonit'])
    const lib = '/cache/podman-full/5.4.2/x64/usr/local/lib/podman'
    const bin = '/cache/podman-full/5.4.2/x64/usr/local/bin'
    const done = applyCompletion(plan, {
      installed: FULL,
      pieces: {
        netavark: { path: `${lib}/netavark`, version: '1.14.0' },
        'aardvark-dns': { path: `${lib}/aardvark-dns`, version: '1.14.0' },
        pasta: { path: `${bin}/pasta`, version: '2025.5.3' },
        catatonit: { path: `${lib}/catatonit`, version: '0.2.1' },
      },
    })
    expect(done.failures).toEqual([])
    expect(done.wiring).toEqual({ helperDirs: [lib, bin], initPath: `${lib}/catatonit` })
    const main = {
      runtimePath: '/tc/usr/local/bin/crun',
      conmonPath: '/tc/usr/local/lib/podman/conmon',
      helperDirs: ['/tc/usr/local/lib/podman', '/tc/usr/local/libexec/podman'],
    }
    expect(mergeWiring(main, done.wiring, { noSystemd: true })).toEqual({
      ...main,
      helperDirs: [...main.helperDirs, lib, bin],
      initPath: `${lib}/catatonit`,
      noSystemd: true,
    })
  })

  test('podman info after the final drop-in must report the completed pieces', async () => {
    const done = applyCompletion(await oldCrunPlan(), {
      installed: FULL,
      pieces: { crun: { path: FULL.crun, version: '1.21.0' } },
    })
    const info = {
      ociRuntime: { path: '/usr/bin/crun' },
      conmon: {},
      pasta: {},
      slirp4netns: {},
      netavark: {},
      aardvarkDns: {},
    } as PodmanInfo
    expect(verifyUsed(info, done.pieces)).toEqual([
      `crun: podman uses /usr/bin/crun, not the completed ${FULL.crun} (a containers.conf override?)`,
    ])
    expect(verifyUsed({ ...info, ociRuntime: { path: FULL.crun } }, done.pieces)).toEqual([])
  })
})

describe('variant: auto picks the smallest variant this host runs as it is', () => {
  test.each([
    ['forky', '5.8.6', 'standalone'],
    ['trixie', '5.4.2', 'standalone'],
    ['trixie', '5.7.1', 'default'],
    ['bookworm', '5.7.1', 'full'],
  ] as const)('%s with podman %s -> %s', async (stack, version, want) => {
    expect(chooseVariant({ pieces: await real(stack) }, version).variant).toBe(want)
  })

  test('the reason names what ruled out each smaller variant', async () => {
    expect(chooseVariant({ pieces: await real('bookworm') }, '5.7.1').reason).toBe(
      'full: the smallest variant this host can run as it is (standalone would need: ' +
        'crun 1.8.1 does not meet >= 1.14.3, crun 1.8.1 does not meet >= 1.25.1, ' +
        'conmon 2.1.6 does not meet >= 2.1.7, netavark 1.4.0 does not meet >= 1.10.3 < 2.0.0, ' +
        'aardvark-dns 1.4.0 does not meet >= 1.10.0 < 2.0.0, pasta 2023_03_09 does not meet >= 2024_08_21; ' +
        'default would need: netavark 1.4.0 does not meet >= 1.10.3 < 2.0.0, ' +
        'aardvark-dns 1.4.0 does not meet >= 1.10.0 < 2.0.0, pasta 2023_03_09 does not meet >= 2024_08_21)',
    )
  })
})

describe('the full asset, read by running its pieces', () => {
  test('versions of exactly the pieces the plan wants; a piece the asset lacks is missing', async () => {
    const h = new FakeHost()
    h.file(FULL.crun as string, { mode: 0o755 }).file(`${FULL.bin}/pasta`, { mode: 0o755 })
    h.on(FULL.crun as string, () => ({ exitCode: 0, stdout: 'crun version 1.21\ncommit: x\nspec: 1.0.0\n' }))
    h.on(`${FULL.bin}/pasta`, () => ({ exitCode: 0, stdout: 'pasta 2025_06_11.0293c6f\n' }))
    const asset = await probeAsset(h, FULL, ['crun', 'pasta', 'netavark'])
    expect(asset.pieces).toEqual({
      crun: { path: FULL.crun, version: '1.21.0', raw: 'crun version 1.21', via: 'version' },
      pasta: { path: `${FULL.bin}/pasta`, version: '2025.6.11', raw: 'pasta 2025_06_11.0293c6f', via: 'version' },
      netavark: {},
    })
    expect(h.calls).toEqual([`${FULL.crun} --version`, `${FULL.bin}/pasta --version`])
  })
  test('a piece the host probe already read at the same path is not run again; another path is', async () => {
    const h = new FakeHost()
    h.file(FULL.crun as string, { mode: 0o755 }).file(`${FULL.bin}/pasta`, { mode: 0o755 })
    h.on(FULL.crun as string, () => ({ exitCode: 0, stdout: 'crun version 1.21\n' }))
    const pasta = { path: `${FULL.bin}/pasta`, raw: 'pasta 2023_03_09', via: 'help' as const, note: 'present' }
    const asset = await probeAsset(h, FULL, ['crun', 'pasta'], {
      pasta,
      crun: { path: '/usr/bin/crun', version: '1.8.1' },
    })
    expect(asset.pieces.pasta).toBe(pasta)
    expect(asset.pieces.crun?.version).toBe('1.21.0')
    expect(h.calls).toEqual([`${FULL.crun} --version`])
  })
})

describe("the gate's summary section", () => {
  test('piece | found (relative to the install, whose) | the deciding needs | result; problems with why', async () => {
    const oldCrun = withPiece(await real('trixie'), 'crun', {
      path: '/usr/bin/crun',
      version: '1.8.1',
      raw: 'crun <1.8.1>',
    })
    const plan = planGate(oldCrun, requirementsFor('standalone', '5.7.1'), { installMissing: true })
    const done = applyCompletion(plan, { installed: FULL, pieces: { crun: { path: FULL.crun, version: '1.21.0' } } })
    const phase = gatePhase({ pieces: done.pieces, checks: [], installRoot: FULL.root })
    const [pieces] = phase.tables
    expect(pieces.head).toEqual(['Piece', 'Found', 'Needs', 'Result'])
    const row = (piece: string) => pieces.rows.find((r) => r[0] === piece)?.map((c) => html(c))
    // 1.21.0 meets the floor but not the recommended 1.25.1: that line decides the row
    expect(row('crun')).toEqual([
      'crun',
      '1.21.0 <code>usr/local/bin/crun</code> (completed)',
      '&#62;= 1.25.1 (recommended)',
      '⚠️ completed from the full asset (host: 1.8.1 at /usr/bin/crun)',
    ])
    expect(row('pasta')?.[1]).toBe('2025_05_03 <code>/usr/bin/pasta</code> (host)')
    expect(phase.tone).toBe('warn')
    expect(phase.problems.map((p) => [p.tone, p.what, html(p.why)])).toEqual([
      [
        'warn',
        'crun',
        '1.21.0 <code>usr/local/bin/crun</code> (completed): 1.21.0 does not meet &#62;= 1.25.1 (recommended): ' +
          'the crun the release documents (and was tested with) for standalone',
      ],
    ])
  })

  test('a piece the host must provide and does not: ❌ with why (backticks as <code>) and the fix', async () => {
    const oldCrun = withPiece(await real('trixie'), 'crun', { path: '/usr/bin/crun', version: '1.8.1' })
    const plan = planGate(oldCrun, requirementsFor('standalone', '5.4.2'), { installMissing: false })
    const phase = gatePhase({ pieces: plan.pieces, checks: [], installRoot: '/cache/podman-standalone/5.4.2/x64' })
    expect(phase.tone).toBe('fail')
    const crun = phase.problems.find((p) => p.what === 'crun')
    expect(html(crun?.why ?? '')).toBe(
      '1.8.1 <code>/usr/bin/crun</code> (host): 1.8.1 does not meet &#62;= 1.14.3 (required): ' +
        'older crun rejects the OCI version podman 5 writes: <code>crun: unknown version specified</code>',
    )
    expect(html(crun?.fix ?? '')).toBe(
      '<code>install-missing: true</code> completes it from the release&#39;s full asset; ' +
        'or install crun &#62;= 1.14.3 on the runner',
    )
  })

  test("a full install: a host piece is the host's, never bundled (fuse-overlayfs from /usr/bin)", async () => {
    const pieces = withPiece(await real('trixie'), 'fuse-overlayfs', {
      path: '/usr/bin/fuse-overlayfs',
      version: '1.13.0',
    })
    const plan = planGate(pieces, requirementsFor('full', '5.4.2'), { installMissing: true })
    const phase = gatePhase({ pieces: plan.pieces, checks: [], installRoot: FULL.root })
    const fuse = phase.tables[0].rows.find((r) => r[0] === 'fuse-overlayfs')
    expect(html(fuse?.[1] ?? '')).toBe('1.13.0 <code>/usr/bin/fuse-overlayfs</code> (host)')
  })
})
