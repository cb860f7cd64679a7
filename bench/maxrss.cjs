// Preloaded into the bench's `node dist/main.cjs` (NODE_OPTIONS=--require): writes the
// process's peak RSS (kB) at exit. Other node processes that inherit NODE_OPTIONS write nothing.
const file = process.env.SSP_BENCH_RSS
if (file && /main\.cjs$/.test(process.argv[1] ?? ''))
  process.on('exit', () => require('node:fs').writeFileSync(file, String(process.resourceUsage().maxRSS)))
