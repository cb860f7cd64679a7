// What podman needs from the pieces around it, as ONE table of data: the gate, the job
// summary and the README section are all generated from these lines.
import semver from 'semver'
import type { Variant } from '../inputs.js'
import type { Piece } from './search.js'

/**
 * required: podman fails without it (❌; completed from the full asset where possible)
 * recommended: works, but not what the release was tested with (⚠️; completed only when the full asset meets it)
 * refused: known-bad versions (❌), cautioned: known-problem versions (⚠️)
 * optional: only some features need it (⚠️ when missing; never a reason to download)
 */
export type Level = 'required' | 'recommended' | 'refused' | 'cautioned' | 'optional'

export interface Requirement {
  piece: Piece
  /** podman versions the line applies to */
  podman: string
  /** a semver range, `present` or `setuid`; for refused/cautioned lines, the versions to stay out of */
  need: string
  level: Level
  /** only for these variants (default: every variant) */
  variants?: readonly Variant[]
  reason: string
  source: string
}

export const VARIANT_ORDER: readonly Variant[] = ['standalone', 'default', 'full']

/** What each release asset bundles (and wires in), so the host need not provide it. */
const PROVIDED: Record<Variant, readonly Piece[]> = {
  standalone: [],
  default: ['crun', 'conmon'],
  full: ['crun', 'conmon', 'pasta', 'netavark', 'aardvark-dns', 'catatonit', 'fuse-overlayfs'],
}

/** What the same release's `full` asset can complete. fuse-overlayfs is bundled but never
 * wired: native overlay is preferred, and forcing fuse-overlayfs corrupted images on runners. */
export const COMPLETABLE: readonly Piece[] = ['crun', 'conmon', 'pasta', 'netavark', 'aardvark-dns', 'catatonit']

const FACTS = 'podman-facts.md (project notes)'
const RELEASE = 'pigfoot/static-rootless-container-tools README'

export const REQUIREMENTS: readonly Requirement[] = [
  {
    piece: 'crun',
    podman: '>=5.0.0',
    need: '>=1.14.3',
    level: 'required',
    reason: 'older crun rejects the OCI version podman 5 writes: `crun: unknown version specified`',
    source: `${FACTS}; reproduced with crun 1.8.1 and podman 5.4.2`,
  },
  {
    piece: 'crun',
    podman: '<5.0.0',
    need: 'present',
    level: 'required',
    reason: 'the OCI runtime podman starts containers with',
    source: 'containers.conf(5)',
  },
  {
    piece: 'crun',
    podman: '>=5.7.0',
    need: '>=1.25.1',
    level: 'recommended',
    variants: ['standalone'],
    reason: 'the crun the release documents (and was tested with) for standalone',
    source: RELEASE,
  },
  {
    piece: 'conmon',
    podman: '*',
    need: '>=2.0.24',
    level: 'required',
    reason: 'podman refuses older: `outdated conmon version`',
    source: 'podman (libpod minimum conmon)',
  },
  {
    piece: 'conmon',
    podman: '>=5.0.0',
    need: '>=2.1.7',
    level: 'recommended',
    reason: 'the conmon podman packages require since 4.5',
    source: `${FACTS}; containers/conmon#436`,
  },
  {
    piece: 'netavark',
    podman: '>=5.0.0 <6.0.0',
    need: '>=1.10.3 <2.0.0',
    level: 'required',
    reason: 'podman 5 has no CNI: netavark is needed even when only pasta is used',
    source: `${FACTS}; podman 5.0 release notes`,
  },
  {
    piece: 'aardvark-dns',
    podman: '>=5.0.0 <6.0.0',
    need: '>=1.10.0 <2.0.0',
    level: 'required',
    reason: 'name resolution on podman networks; pairs with netavark 1.x',
    source: FACTS,
  },
  {
    piece: 'netavark',
    podman: '>=6.0.0',
    need: '>=2.0.0 <3.0.0',
    level: 'required',
    reason: 'podman 6 needs netavark 2',
    source: FACTS,
  },
  {
    piece: 'aardvark-dns',
    podman: '>=6.0.0',
    need: '>=2.0.0 <3.0.0',
    level: 'required',
    reason: 'podman 6 needs aardvark-dns 2',
    source: FACTS,
  },
  {
    piece: 'pasta',
    podman: '>=5.0.0',
    need: 'present',
    level: 'required',
    reason: 'the rootless default network since podman 5.0',
    source: FACTS,
  },
  {
    piece: 'pasta',
    podman: '>=5.3.0',
    need: '>=2024.8.21',
    level: 'recommended',
    reason: '`host.containers.internal` through `--map-guest-addr`',
    source: FACTS,
  },
  {
    piece: 'pasta',
    podman: '*',
    need: '2025.12.8 - 2025.12.10',
    level: 'refused',
    reason: 'zero-window hang with some remote peers (Cloudflare-fronted hosts such as the npm registry)',
    source: FACTS,
  },
  {
    piece: 'pasta',
    podman: '*',
    need: '2025.12.15 - 2026.1.16',
    level: 'cautioned',
    reason: 'long delays to very-low-RTT peers',
    source: FACTS,
  },
  {
    piece: 'slirp4netns',
    podman: '<5.0.0',
    need: 'present',
    level: 'required',
    reason: 'the rootless default network before podman 5',
    source: FACTS,
  },
  {
    piece: 'slirp4netns',
    podman: '>=5.0.0 <6.0.0',
    need: 'present',
    level: 'optional',
    reason: '`--network slirp4netns` (podman 6 drops it)',
    source: FACTS,
  },
  {
    piece: 'catatonit',
    podman: '*',
    need: 'present',
    level: 'optional',
    reason: '`podman run --init`',
    source: 'containers.conf(5) init_path',
  },
  {
    piece: 'fuse-overlayfs',
    podman: '*',
    need: 'present',
    level: 'optional',
    reason: 'rootless overlay storage on kernels before 5.13 only',
    source: FACTS,
  },
  {
    piece: 'newuidmap',
    podman: '*',
    need: 'setuid',
    level: 'required',
    reason: 'maps the subordinate uid range; setuid, so no static bundle can carry it (package uidmap)',
    source: FACTS,
  },
  {
    piece: 'newgidmap',
    podman: '*',
    need: 'setuid',
    level: 'required',
    reason: 'maps the subordinate gid range (package uidmap)',
    source: FACTS,
  },
]

export const isAvoidLine = (r: Requirement): boolean => r.level === 'refused' || r.level === 'cautioned'

const applies = (r: Requirement, variant: Variant, podman: string): boolean =>
  (!r.variants || r.variants.includes(variant)) && semver.satisfies(podman, r.podman, { includePrerelease: true })

export interface RequirementSet {
  variant: Variant
  podmanVersion: string
  lines: Requirement[]
}

/** The lines that apply to this variant and podman version, table order. */
export function requirementsFor(
  variant: Variant,
  podmanVersion: string,
  table: readonly Requirement[] = REQUIREMENTS,
): RequirementSet {
  // A prerelease belongs to the line it leads up to: 6.0.0-rc1 is podman 6.
  const v = semver.coerce(podmanVersion)?.version ?? podmanVersion
  return { variant, podmanVersion, lines: table.filter((r) => applies(r, variant, v)) }
}

export const providedBy = (variant: Variant, piece: Piece): boolean => PROVIDED[variant].includes(piece)

const LEVEL_TEXT: Record<Level, string> = {
  required: 'required ❌',
  recommended: 'recommended ⚠️',
  refused: 'refused ❌',
  cautioned: 'warned ⚠️',
  optional: 'optional ⚠️',
}

/** How a `need` reads for people: `>= 1.14.3`, `2025_12_08 - 2025_12_10` for pasta dates. */
export function needText(r: Pick<Requirement, 'piece' | 'need' | 'level'>): string {
  const dates =
    r.piece === 'pasta'
      ? r.need.replace(/(\d{4})\.(\d+)\.(\d+)/g, (_, y, m, d) => `${y}_${m.padStart(2, '0')}_${d.padStart(2, '0')}`)
      : r.need
  const pretty = dates.replace(/([<>]=?)(\d)/g, '$1 $2')
  if (r.level === 'refused') return `not ${pretty}`
  if (r.level === 'cautioned') return `avoid ${pretty}`
  return pretty === 'setuid' ? 'present, setuid root' : pretty
}

function fromHostText(r: Requirement): string {
  const vs = (r.variants ?? VARIANT_ORDER).filter((v) => !providedBy(v, r.piece))
  if (vs.length === 0) return '— (bundled in every variant)'
  return vs.length === VARIANT_ORDER.length ? 'every variant' : vs.join(', ')
}

const cell = (s: string): string => s.replace(/\|/g, '\\|')

/** The README section between `<!-- requirements:start -->` and `<!-- requirements:end -->`. */
export function requirementsMarkdown(table: readonly Requirement[] = REQUIREMENTS): string {
  const rows = table.map((r) =>
    [
      r.piece,
      r.podman === '*' ? 'any' : r.podman,
      needText(r),
      LEVEL_TEXT[r.level],
      fromHostText(r),
      r.reason,
      r.source,
    ]
      .map(cell)
      .join(' | '),
  )
  return [
    '<!-- Generated from src/host/requirements.ts: edit the table there, not here. -->',
    '',
    '| Piece | Podman | Needs | Level | Host must provide it for | Why | Source |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r} |`),
    '',
    `Bundled by \`default\`: ${PROVIDED.default.join(', ')}. Bundled by \`full\`: ${PROVIDED.full.join(', ')}.`,
    `With \`install-missing: true\`, a required, refused, ` +
      `recommended or warned line that ${COMPLETABLE.join(', ')} does not meet is completed from the same release's ` +
      `\`full\` asset`,
    "(same version, libc and arch, verified like the main asset) when the asset's piece does better; optional " +
      'pieces are taken only when that asset is downloaded anyway.',
    'With `install-missing: false`, every unmet required line fails the step at once. ' +
      'newuidmap/newgidmap come from the `uidmap` package (a host check).',
    '',
  ].join('\n')
}
