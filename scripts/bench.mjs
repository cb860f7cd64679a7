// `npm run bench`: bundles bench/bench.ts (it uses the TypeScript sources and the test
// mirror) and runs it with this Node. Needs the prepared host (npm test does that once).
import { execFileSync } from 'node:child_process'
import { build } from 'esbuild'
import { bundleOptions } from './esbuild-options.mjs'

await build(bundleOptions('bench/bench.ts', '.cache/bench.cjs'))
execFileSync(process.execPath, ['.cache/bench.cjs'], { stdio: 'inherit' })
