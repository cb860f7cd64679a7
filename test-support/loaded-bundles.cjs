// Preloaded into a step's `node dist/main.cjs` (NODE_OPTIONS=--require): writes at exit the
// names of the bundles the process loaded (dist/main.cjs, and dist/cold.cjs with the group
// bundles a cold path asked for), one a line. Other node processes that inherit NODE_OPTIONS
// write nothing.
const file = process.env.SSP_LOADED_BUNDLES
if (file && /main\.cjs$/.test(process.argv[1] ?? ''))
  process.on('exit', () => {
    const bundles = Object.keys(require.cache).filter((f) => f.endsWith('.cjs') && f !== __filename)
    require('node:fs').writeFileSync(file, bundles.map((f) => require('node:path').basename(f)).join('\n'))
  })
