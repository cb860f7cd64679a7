// Bundles each entry point into one CommonJS file the runner executes with node24.
import { build } from 'esbuild'
import { bundleOptions } from './esbuild-options.mjs'

const entries = { main: 'src/main.ts', post: 'src/post.ts', report: 'src/report/main.ts' }
await Promise.all(Object.entries(entries).map(([name, entry]) => build(bundleOptions(entry, `dist/${name}.cjs`))))
