import type { BuildOptions } from 'esbuild'

export function bundleOptions(entry: string, outfile: string, o?: { cold?: boolean }): BuildOptions
export function coldBundleOptions(outfile: string): BuildOptions
export const COLD_LIBS: readonly string[]
export const LAZY_BUILTINS: Readonly<Record<'http' | 'https' | 'tls', readonly string[]>>
export function probeScript(): string
export function runtimeScript(): string
