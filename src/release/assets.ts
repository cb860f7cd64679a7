// Asset names of the default source, as pure functions of what is being installed.
import type { Arch } from '../step/context.js'
import type { Libc, Variant } from '../inputs.js'

export interface Target {
  version: string
  variant: Variant
  libc: Libc
  arch: Arch
}

const SUFFIX: Record<Variant, string> = { default: '', standalone: '-standalone', full: '-full' }

export const tagFor = (version: string): string => `podman-v${version}`

/** `podman-v5.7.1-linux-amd64-static-full.tar.zst` */
export function assetName(t: Target): string {
  return `${tagFor(t.version)}-linux-${t.arch}-${t.libc}${SUFFIX[t.variant]}.tar.zst`
}

export const CHECKSUMS = 'checksums.txt'
export const bundleName = (asset: string): string => `${asset}.bundle`
