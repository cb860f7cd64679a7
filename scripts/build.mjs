// Bundles each entry point into one CommonJS file the runner executes with node24.
import { build } from 'esbuild'

const entries = { main: 'src/main.ts', post: 'src/post.ts', report: 'src/report/main.ts' }
await Promise.all(
  Object.entries(entries).map(([name, entry]) =>
    build({
      entryPoints: [entry],
      outfile: `dist/${name}.cjs`,
      bundle: true,
      platform: 'node',
      target: 'node24',
      format: 'cjs',
      legalComments: 'none',
      // Some ESM dependencies read import.meta.url, which a CommonJS bundle does not have.
      banner: { js: "const __bundle_url = require('node:url').pathToFileURL(__filename).href;" },
      define: { 'import.meta.url': '__bundle_url' },
      logLevel: 'warning',
    }),
  ),
)
