import type { BuildOptions } from 'esbuild'

export function bundleOptions(entry: string, outfile: string, o?: { cold?: boolean }): BuildOptions
export function coldBundleOptions(group: string, outfile: string): BuildOptions
export function coldDispatcher(): string
export const COLD_GROUPS: Readonly<Record<string, readonly string[]>>
export const COLD_LIBS: readonly string[]
export const LAZY_BUILTINS: Readonly<Record<'http' | 'https' | 'tls', readonly string[]>>
export function probeScript(): string
export function runtimeScript(): string
