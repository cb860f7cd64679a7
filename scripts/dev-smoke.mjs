// Development driver for the smoke suite (runtime and network) against a real podman, outside the action.
//   node scripts/dev-smoke.mjs build OUT.cjs          (bundles src/smoke with esbuild)
//   node OUT.cjs [ids|auto|all] [report.json]         (as the unprivileged user; PODMAN=path,
//   SMOKE_IMAGE, SMOKE_TIMEOUT, SMOKE_CONCURRENCY, SMOKE_DEFAULT_NETWORK)
import { build } from 'esbuild'
import { probeScript, runtimeScript } from './esbuild-options.mjs'

const ENTRY = `
import { run } from './src/ports/exec.js'
import { podmanInfo } from './src/host/info.js'
import { runSmokeSuite, smokeFailureDetails, smokeHeadline } from './src/smoke/index.js'
const podman = process.env.PODMAN || '/usr/bin/podman'
const sel = process.argv[2] || 'auto'
const select = ['auto', 'all', 'none'].includes(sel) ? sel : sel.split(',')
async function main() {
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
for (const d of smokeFailureDetails(report)) console.log('---', d.label, '\\n' + d.text)
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
