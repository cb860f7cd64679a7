// Asset names of the default source, as pure functions of what is being installed.
import type { Libc, Variant } from '../inputs.js'

/** The architectures releases publish assets for, by the names the assets carry. */
export type Arch = 'amd64' | 'arm64'

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
