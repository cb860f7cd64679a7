// `npm run bench`: bundles bench/bench.ts (it uses the TypeScript sources and the test
// mirror) and runs it with this Node. Needs the prepared host (npm test does that once).
import { execFileSync } from 'node:child_process'
import { build } from 'esbuild'

await build({
  entryPoints: ['bench/bench.ts'],
  outfile: '.cache/bench.cjs',
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  logLevel: 'warning',
  banner: { js: "const __bundle_url = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__bundle_url' },
})
execFileSync(process.execPath, ['.cache/bench.cjs'], { stdio: 'inherit' })
