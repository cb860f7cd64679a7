// The smoke check ids, as data only: the inputs module validates `smoke-tests` against this
// list without loading the suite, and the check tables are typed against it.
export const SMOKE_CHECK_IDS = [
  'storage-integrity',
  'exec-repeat',
  'build',
  'init',
  'cgroup-limits',
  'healthcheck',
  'podman-coexist',
  'docker-api',
  'tls-volume',
  'custom-network',
  'default-network',
  'publish',
  'pasta-loopback',
  'pasta-map-gw',
  'slirp4netns-loopback',
  'port-handler-slirp4netns',
  'port-handler-rootlesskit',
  'host-containers-internal',
  'network-host',
  'network-none',
  'internet-dns',
  'internet-https',
  'internet-ipv6',
  'internet-throughput',
] as const

export type CheckId = (typeof SMOKE_CHECK_IDS)[number]

export const isCheckId = (id: string): id is CheckId => (SMOKE_CHECK_IDS as readonly string[]).includes(id)

/** The `smoke-tests` input: a keyword or the ids to run. */
export type Selection = 'auto' | 'none' | 'all' | readonly CheckId[]
