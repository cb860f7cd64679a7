// Bundles each entry point into one CommonJS file the runner executes with node24.
import { writeFile } from 'node:fs/promises'
import { build } from 'esbuild'
import { bundleOptions, COLD_GROUPS, coldBundleOptions, coldDispatcher } from './esbuild-options.mjs'

const entries = { main: 'src/main.ts', post: 'src/post.ts', report: 'src/report/main.ts' }

/**
 * Every bundle pure ASCII. Node reads a script with any non-ASCII byte as a two-byte string:
 * for the 5 MB main bundle that is about 0.1 s of every step's start-up (a slow UTF-8 decode,
 * then a slower compile). esbuild escapes non-ASCII in code already; what is left is in the
 * dependencies' comments it keeps (`response’s`), where `\u2019` is just as readable.
 */
const ascii = (text) => text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)

async function bundle(options) {
  const r = await build({ ...options, write: false })
  for (const f of r.outputFiles) await writeFile(f.path, ascii(f.text))
}

await Promise.all([
  ...Object.entries(entries).map(([name, entry]) => bundle(bundleOptions(entry, `dist/${name}.cjs`, { cold: true }))),
  ...Object.keys(COLD_GROUPS).map((g) => bundle(coldBundleOptions(g, `dist/cold-${g}.cjs`))),
  writeFile('dist/cold.cjs', coldDispatcher()),
])
