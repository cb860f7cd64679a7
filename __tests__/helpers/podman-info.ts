// `podman info` of the Debian 12 host's podman 4.3.1 (slirp4netns default, netavark), as parsed.
import type { PodmanInfo } from '../../src/host/info.js'

export const INFO_431: PodmanInfo = {
  version: '4.3.1',
  ociRuntime: {},
  conmon: {},
  pasta: {},
  slirp4netns: { path: '/usr/bin/slirp4netns' },
  netavark: {},
  aardvarkDns: {},
  networkBackend: 'netavark',
  rootless: true,
}
