import type { BuildOptions } from 'esbuild'

export function bundleOptions(entry: string, outfile: string): BuildOptions
export function probeScript(): string
export function runtimeScript(): string
