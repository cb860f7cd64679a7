// What goes where in a pigfoot/static-rootless-container-tools podman archive, as data,
// and where a Debian root keeps each piece (see /work/shared/notes/release-layout.md).
export type Libc = 'static' | 'glibc'
export type Variant = 'default' | 'standalone' | 'full'

export const ALL_LIBCS: readonly Libc[] = ['static', 'glibc']
export const ALL_VARIANTS: readonly Variant[] = ['default', 'standalone', 'full']

export interface BinarySpec {
  /** component name, as `omit` refers to it */
  name: string
  /** path inside the archive's top directory */
  dest: string
  /** candidates inside the root, first existing wins */
  sources: readonly string[]
  variants: readonly Variant[]
  /** absent from the root -> absent from the archive (quadlet is only there when built) */
  optional?: boolean
  /** only in these architectures' assets: passt builds pasta.avx2 on x86_64 only */
  arches?: readonly string[]
}

const DF: readonly Variant[] = ['default', 'full']
const FULL: readonly Variant[] = ['full']
const LIBS = ['usr/lib/podman', 'usr/libexec/podman']
const inLibs = (name: string) => LIBS.map((d) => `${d}/${name}`)

// Debian 12 keeps rootlessport in /usr/lib/podman, Debian 13+ in /usr/libexec/podman;
// catatonit in /usr/libexec/podman is a symlink to /usr/bin/catatonit everywhere.
export const BINARIES: readonly BinarySpec[] = [
  { name: 'podman', dest: 'podman', sources: ['usr/bin/podman'], variants: ['standalone'] },
  { name: 'podman', dest: 'usr/local/bin/podman', sources: ['usr/bin/podman'], variants: DF },
  { name: 'crun', dest: 'usr/local/bin/crun', sources: ['usr/bin/crun'], variants: DF },
  {
    name: 'conmon',
    dest: 'usr/local/lib/podman/conmon',
    sources: ['usr/bin/conmon', 'usr/libexec/podman/conmon'],
    variants: DF,
  },
  { name: 'rootlessport', dest: 'usr/local/lib/podman/rootlessport', sources: inLibs('rootlessport'), variants: DF },
  {
    name: 'quadlet',
    dest: 'usr/local/libexec/podman/quadlet',
    sources: inLibs('quadlet'),
    variants: DF,
    optional: true,
  },
  // On Debian 12 pasta is a symlink to passt: the copy keeps the name pasta, which is
  // what selects pasta mode at run time.
  { name: 'pasta', dest: 'usr/local/bin/pasta', sources: ['usr/bin/pasta'], variants: FULL },
  {
    name: 'pasta.avx2',
    dest: 'usr/local/bin/pasta.avx2',
    sources: ['usr/bin/pasta.avx2'],
    variants: FULL,
    arches: ['amd64'],
  },
  { name: 'fuse-overlayfs', dest: 'usr/local/bin/fuse-overlayfs', sources: ['usr/bin/fuse-overlayfs'], variants: FULL },
  { name: 'netavark', dest: 'usr/local/lib/podman/netavark', sources: inLibs('netavark'), variants: FULL },
  { name: 'aardvark-dns', dest: 'usr/local/lib/podman/aardvark-dns', sources: inLibs('aardvark-dns'), variants: FULL },
  {
    name: 'catatonit',
    dest: 'usr/local/lib/podman/catatonit',
    sources: ['usr/bin/catatonit', 'usr/libexec/podman/catatonit'],
    variants: FULL,
  },
]

export const CONFIG_FILES = [
  'policy.json',
  'registries.conf',
  'containers.conf',
  'storage.conf',
  'seccomp.json',
] as const
export type ConfigFile = (typeof CONFIG_FILES)[number]

/** Debian ships containers.conf and seccomp.json in /usr/share/containers, the rest in /etc. */
export const configSources = (name: ConfigFile): string[] => [`etc/containers/${name}`, `usr/share/containers/${name}`]

/** Used when the root has no such file: the smallest content podman accepts. */
export const MINIMAL_CONFIG: Record<ConfigFile, string> = {
  'policy.json': '{\n  "default": [{ "type": "insecureAcceptAnything" }]\n}\n',
  'registries.conf': 'unqualified-search-registries = ["docker.io"]\n',
  'containers.conf': '[containers]\n\n[engine]\n\n[network]\n',
  // No mount_program: forcing fuse-overlayfs is what corrupts images on GitHub runners.
  'storage.conf': '[storage]\ndriver = "overlay"\n',
  'seccomp.json': '{\n  "defaultAction": "SCMP_ACT_ALLOW"\n}\n',
}

/** Copied storage.conf files keep everything except a forced mount_program. */
export function neutralizeStorageConf(text: string): string {
  return text.replace(/^(\s*mount_program\s*=)/gm, '# $1')
}

export const SYSTEMD_DIRS = ['system', 'user'] as const
/** Generator links the podman Makefile creates next to quadlet (relative, inside the tree). */
export const GENERATOR_LINKS: readonly { dest: string; target: string }[] = [
  {
    dest: 'usr/local/lib/systemd/system-generators/podman-system-generator',
    target: '../../../libexec/podman/quadlet',
  },
  { dest: 'usr/local/lib/systemd/user-generators/podman-user-generator', target: '../../../libexec/podman/quadlet' },
]

export const tagFor = (version: string): string => `podman-v${version}`

export function assetName(version: string, arch: string, libc: Libc, variant: Variant): string {
  const suffix = variant === 'default' ? '' : `-${variant}`
  return `${tagFor(version)}-linux-${arch}-${libc}${suffix}.tar.zst`
}

export function readme(version: string, arch: string, libc: Libc, variant: Variant, root: string): string {
  return [
    `podman v${version} (${variant}, linux/${arch}, ${libc})`,
    '',
    'TEST BUILD laid out like pigfoot/static-rootless-container-tools, made from the',
    `binaries of the Debian root ${root}. They are dynamically linked against that`,
    `root's libraries whatever the libc label says, so this archive runs only there.`,
    '',
  ].join('\n')
}
