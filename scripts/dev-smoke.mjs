// Development driver for the smoke suite (runtime and network) against a real podman, outside the action.
//   node scripts/dev-smoke.mjs build OUT.cjs          (bundles src/smoke with esbuild)
//   node OUT.cjs [ids|auto|all] [report.json]         (as the unprivileged user; PODMAN=path,
//   SMOKE_IMAGE, SMOKE_TIMEOUT, SMOKE_CONCURRENCY, SMOKE_DEFAULT_NETWORK)
import { build } from 'esbuild'
import { probeScript, runtimeScript } from './esbuild-options.mjs'

const ENTRY = `
import { run as realRun } from './src/ports/exec.js'
import { writeFileSync } from 'node:fs'
import { podmanInfo } from './src/host/info.js'
import { runSmokeSuite } from './src/smoke/index.js'
import { smokeHeadline } from './src/smoke/report.js'
const podman = process.env.PODMAN || '/usr/bin/podman'
const sel = process.argv[2] || 'auto'
const select = ['auto', 'all', 'none'].includes(sel) ? sel : sel.split(',')
const t0 = Date.now()
const calls = []
// SMOKE_TRACE=FILE: every command the suite ran, with its start and duration (ms from the start)
const run = async (cmd, args, opts) => {
  const start = Date.now() - t0
  const r = await realRun(cmd, args, opts)
  const line = [cmd.split('/').pop(), ...args].join(' ').slice(0, 160)
  calls.push({ start, ms: Date.now() - t0 - start, cmd: line, exit: r.exitCode })
  return r
}
async function main() {
const mem = { rss: 0, heap: 0, external: 0, arrayBuffers: 0 }
const sample = () => {
  const m = process.memoryUsage()
  const now = { rss: m.rss, heap: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers }
  for (const k of Object.keys(mem)) mem[k] = Math.max(mem[k], now[k])
}
const sampler = setInterval(sample, 50)
const info = await podmanInfo(run, podman)
const report = await runSmokeSuite(run, {
  podman, env: process.env, info, podmanVersion: info.version || '0.0.0', select,
  image: process.env.SMOKE_IMAGE || 'host', timeoutSec: Number(process.env.SMOKE_TIMEOUT || 60),
  reportPath: process.argv[3] || '/tmp/smoke-report.json', concurrency: Number(process.env.SMOKE_CONCURRENCY || 4),
  defaultNetwork: process.env.SMOKE_DEFAULT_NETWORK || undefined,
})
const pad = (s, n) => String(s).padEnd(n)
for (const c of report.checks) {
  const outcome = c.status === 'passed' ? c.details.summary || '' : c.reason
  console.log(pad(c.id, 26), pad(c.mode, 38), pad(c.status, 8), pad((c.durationMs / 1000).toFixed(2) + 's', 7), outcome)
}
console.log(smokeHeadline(report))
clearInterval(sampler)
if (process.env.SMOKE_TRACE) writeFileSync(process.env.SMOKE_TRACE, JSON.stringify(calls, null, 1))
const MiB = (n) => (n / 1048576).toFixed(0) + ' MiB'
const maxRss = (process.resourceUsage().maxRSS / 1024).toFixed(0)
const s = (ms) => (ms / 1000).toFixed(2) + ' s'
console.log(\`wall \${s(report.wallMs)}, sum of checks \${s(report.checksMs)}, \` +
  \`peak rss \${MiB(mem.rss)} (maxRSS \${maxRss} MiB), heapUsed \${MiB(mem.heap)}, \` +
  \`external \${MiB(mem.external)}, arrayBuffers \${MiB(mem.arrayBuffers)}\`)
}
main().catch((e) => { console.error(e); process.exit(1) })
`

const [cmd, out] = process.argv.slice(2)
if (cmd !== 'build' || !out) {
  console.error('usage: node scripts/dev-smoke.mjs build OUT.cjs')
  process.exit(2)
}
await build({
  stdin: { contents: ENTRY, resolveDir: new URL('..', import.meta.url).pathname, loader: 'ts' },
  outfile: out,
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  logLevel: 'warning',
  define: { __PROBE_SCRIPT__: JSON.stringify(probeScript()), __RUNTIME_SCRIPT__: JSON.stringify(runtimeScript()) },
})
