// Which checks run, and why the others do not: a pure function of the selection and what
// this host offers, so "skipped" always carries its reason and nothing passes unrun.
import semver from 'semver'
import type { PodmanInfo } from '../host/info.js'
import type { Check, Needs } from './check.js'
import {
  type Capabilities,
  expectedDefault,
  internet4,
  internet6,
  netavarkReach,
  pastaReach,
  type Reach,
  slirpReach,
} from './facts.js'
import type { Selection } from '../inputs.js'
import { INTERNET_CHECKS } from './internet.js'
import { LOCAL_CHECKS } from './network-checks.js'
import { RUNTIME_CHECKS } from './runtime/index.js'
import type { Facts } from './probe.js'
import type { Runnable } from './runner.js'

// Runtime checks first: the longest ones, so they overlap the network checks. In the order
// of SMOKE_CHECK_IDS (src/smoke/ids.ts), one check per id.
export const SMOKE_CHECKS: readonly Check[] = [...RUNTIME_CHECKS, ...LOCAL_CHECKS, ...INTERNET_CHECKS]

export interface CapabilityInput {
  info: PodmanInfo
  podmanVersion: string
  hostFacts: Facts
  internet: 'auto' | 'skip'
  defaultNetwork?: string
}

export function capabilities(i: CapabilityInput): Capabilities {
  const podman = semver.coerce(i.podmanVersion)?.version ?? '0.0.0'
  const four: Reach =
    i.internet === 'skip'
      ? { ok: false, reason: 'no internet: not tried (internet checks turned off by the caller)' }
      : internet4(i.hostFacts)
  return {
    podman,
    pasta: pastaReach(i.info, podman),
    slirp4netns: slirpReach(i.info, podman),
    netavark: netavarkReach(i.info),
    internet4: four,
    internet6: internet6(i.hostFacts, four),
    defaultKind: expectedDefault(i.info, podman, i.defaultNetwork),
    pastaVersion: i.info.pasta.version || i.info.pasta.package,
  }
}

/** Why a check cannot run here, or undefined when it can. */
function unmet(needs: Needs, caps: Capabilities): string | undefined {
  if (needs.podman && !semver.satisfies(caps.podman, needs.podman))
    return `needs podman ${needs.podman} (have ${caps.podman})`
  const wanted: [boolean | undefined, Reach][] = [
    [needs.pasta, caps.pasta],
    [needs.slirp4netns, caps.slirp4netns],
    [needs.netavark, caps.netavark],
    [needs.internet, caps.internet4],
    [needs.ipv6, caps.internet6],
  ]
  const missing = wanted.find(([need, reach]) => need && !reach.ok)
  if (missing) return missing[1].reason
  const kinds = needs.defaultKinds
  if (kinds && !kinds.includes(caps.defaultKind.kind))
    return `default network is ${caps.defaultKind.kind} (${caps.defaultKind.why}); needs ${kinds.join(' or ')}`
  return undefined
}

function selectionSkip(check: Check, select: Selection): string | undefined {
  if (select === 'none') return 'smoke-tests: none'
  if (Array.isArray(select))
    return select.includes(check.id) ? undefined : `not selected (smoke-tests: ${select.join(',')})`
  if (select === 'auto' && check.needs.optional) return 'optional: runs with smoke-tests: all, or by id'
  return undefined
}

const NAMED = 'named in smoke-tests'
/** check id -> why an input makes it blocking (docker-socket: true -> docker-api) */
export type Forced = Record<string, string>

/** A check the user names in smoke-tests (or an input that relies on it) blocks, whatever the table says. */
function severityOf(c: Check, select: Selection, forced: Forced): Pick<Runnable, 'severity' | 'severityReason'> {
  if (c.severity === 'blocking') return { severity: c.severity, severityReason: c.why }
  if (forced[c.id]) return { severity: 'blocking', severityReason: forced[c.id] }
  if (Array.isArray(select) && select.includes(c.id)) return { severity: 'blocking', severityReason: NAMED }
  return { severity: c.severity, severityReason: c.why }
}

/** Every known check, in order, each either runnable or carrying its skip reason. */
export function plan(checks: readonly Check[], caps: Capabilities, select: Selection, forced: Forced = {}): Runnable[] {
  return checks.map((c) => ({
    id: c.id,
    title: c.title,
    mode: c.mode(caps),
    ...severityOf(c, select, forced),
    ...(c.fix && { fix: c.fix }),
    ...(c.needs.baseImage && { baseImage: true }),
    skip: selectionSkip(c, select) ?? unmet(c.needs, caps),
    run: c.run,
  }))
}
