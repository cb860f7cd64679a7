// What the suite can tell without sending a packet: which network a container got, which
// one podman should give it, and whether the host could reach the internet at all.
import { isIPv4 } from 'node:net'
import semver from 'semver'
import type { PodmanInfo } from '../host/info.js'
import type { Facts, NetInterface } from './probe.js'

export type NetKind = 'pasta' | 'slirp4netns' | 'host' | 'none' | 'bridge'

const nonLo = (f: Facts): NetInterface[] => f.interfaces.filter((i) => i.name !== 'lo')
const v4 = (i: NetInterface | undefined): string[] => (i?.addrs ?? []).filter((a) => isIPv4(a.split('/')[0])).sort()

/** Reads the network kind off what a container sees, compared with the host's own view. */
export function detectKind(ctr: Facts, host: Facts): NetKind {
  const ifs = nonLo(ctr)
  if (ifs.length === 0) return 'none'
  if (ifs.some((i) => i.name === 'tap0' && v4(i).some((a) => a.startsWith('10.0.2.')))) return 'slirp4netns'
  const hostIfs = new Map(nonLo(host).map((i) => [i.name, i]))
  const same = (i: NetInterface) =>
    hostIfs.get(i.name)?.mtu === i.mtu && v4(hostIfs.get(i.name)).join() === v4(i).join()
  if (ifs.length === hostIfs.size && ifs.every(same)) return 'host'
  // pasta copies the host's interface name and addresses into the namespace (MTU 65520).
  if (ifs.every((i) => hostIfs.has(i.name) && v4(i).join() === v4(hostIfs.get(i.name)).join())) return 'pasta'
  return 'bridge'
}

export interface Expected {
  kind: NetKind
  why: string
  /** the options of a default-network input (`pasta:-4` -> `-4`): the user's own tuning */
  options?: string
}

/** What `podman run` without --network should give, and where that expectation comes from. */
export function expectedDefault(info: PodmanInfo, podmanVersion: string, defaultNetwork?: string): Expected {
  if (defaultNetwork) {
    const [mode, ...rest] = defaultNetwork.split(':')
    const kind: NetKind = mode === 'private' ? 'bridge' : (mode as NetKind)
    return { kind, why: `default-network: ${defaultNetwork}`, ...(rest.length > 0 && { options: rest.join(':') }) }
  }
  if (info.rootless === false) return { kind: 'bridge', why: 'rootful podman' }
  if (info.rootlessNetworkCmd === 'pasta' || info.rootlessNetworkCmd === 'slirp4netns') {
    return { kind: info.rootlessNetworkCmd, why: `podman info rootlessNetworkCmd` }
  }
  const five = semver.gte(semver.coerce(podmanVersion) ?? '0.0.0', '5.0.0')
  return { kind: five ? 'pasta' : 'slirp4netns', why: `podman ${podmanVersion} default` }
}

export interface Reach {
  ok: boolean
  reason: string
}

// RFC 5737 documentation ranges: a sandbox that uses them is not on the internet.
const DOC_RANGES = [/^192\.0\.2\./, /^198\.51\.100\./, /^203\.0\.113\./]
const isDoc = (a: string) => DOC_RANGES.some((r) => r.test(a))
const NO_TRAFFIC = 'decided from /proc/net/route, interface addresses and /etc/resolv.conf; no traffic sent'

/** IPv4 internet plausibility from local configuration only: the suite never probes outward to decide. */
export function internet4(host: Facts): Reach {
  const gw = host.gw4[0]
  if (!gw) return { ok: false, reason: `no internet: no IPv4 default route (${NO_TRAFFIC})` }
  if (host.nameservers.length === 0)
    return { ok: false, reason: `no internet: no nameserver in /etc/resolv.conf (${NO_TRAFFIC})` }
  const addrs = v4(host.interfaces.find((i) => i.name === gw.dev)).map((a) => a.split('/')[0])
  if (isDoc(gw.via) || (addrs.length > 0 && addrs.every(isDoc))) {
    const what = `IPv4 default route via ${gw.via} on ${gw.dev} (address ${addrs.join(', ') || 'none'})`
    return {
      ok: false,
      reason:
        `no internet: ${what} is in an RFC 5737 documentation range, ` +
        `which the internet does not route (${NO_TRAFFIC})`,
    }
  }
  return { ok: true, reason: `IPv4 default route via ${gw.via} on ${gw.dev}, nameserver ${host.nameservers[0]}` }
}

/** IPv6 egress needs a default route AND a global unicast address (ULA fd00::/8 is not routed). */
export function internet6(host: Facts, four: Reach): Reach {
  if (!four.ok) return four
  const gw = host.gw6[0]
  if (!gw) return { ok: false, reason: 'no IPv6 default route' }
  const addrs = host.interfaces.flatMap((i) => i.addrs).map((a) => a.split('/')[0])
  // 2000::/3 is global unicast, except 2001:db8::/32 (documentation, RFC 3849).
  const global = addrs.filter((a) => /^[23][0-9a-f]{3}:/i.test(a) && !/^2001:0?db8:/i.test(a))
  if (global.length === 0) {
    const v6 = addrs.filter((a) => a.includes(':') && a !== '::1' && !/^fe80:/i.test(a))
    return { ok: false, reason: `no IPv6 internet: no global IPv6 address (have ${v6.join(', ') || 'none'})` }
  }
  return { ok: true, reason: `IPv6 default route via ${gw.via}, address ${global[0]}` }
}

export interface Capabilities {
  podman: string
  pasta: Reach
  slirp4netns: Reach
  netavark: Reach
  internet4: Reach
  internet6: Reach
  defaultKind: Expected
  /** pasta's version or package string, for version-dependent expectations */
  pastaVersion?: string
}

const atLeast = (v: string, min: string) => semver.gte(semver.coerce(v) ?? '0.0.0', min)
const yes = (reason: string): Reach => ({ ok: true, reason })
const no = (reason: string): Reach => ({ ok: false, reason })

export function pastaReach(info: PodmanInfo, podman: string): Reach {
  if (!atLeast(podman, '4.4.0')) return no(`pasta needs podman >= 4.4 (have ${podman})`)
  // podman info reports pasta from 4.6; before that it is only found by running it.
  if (atLeast(podman, '4.6.0') && !info.pasta.path) return no('pasta not found (podman info reports no pasta)')
  return yes(info.pasta.path ?? 'pasta')
}

export function slirpReach(info: PodmanInfo, podman: string): Reach {
  if (atLeast(podman, '6.0.0')) return no(`podman ${podman} has no slirp4netns support (removed in 6.0)`)
  if (!info.slirp4netns.path) return no('slirp4netns not found (podman info reports no slirp4netns)')
  return yes(info.slirp4netns.path)
}

export function netavarkReach(info: PodmanInfo): Reach {
  return info.networkBackend === 'netavark'
    ? yes('netavark')
    : no(`needs the netavark backend (have ${info.networkBackend ?? 'unknown'})`)
}
