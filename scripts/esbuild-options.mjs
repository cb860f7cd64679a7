// One set of esbuild options for every bundle: CommonJS for the runner's node24, with
// import.meta.url (read by some ESM dependencies) defined from the bundle's own path, and the
// smoke probe's program defined as the string __PROBE_SCRIPT__ (src/smoke/probe.ts).
import { dirname } from 'node:path'
import { buildSync } from 'esbuild'

const scripts = new Map()

/**
 * A container program bundled on its own into the text a container runs with `node -e`:
 * node >= 18 (a user's smoke-image may carry an older node than the action's), no comments
 * or whitespace (it travels in argv), names kept for readable errors.
 */
function containerScript(file) {
  if (scripts.has(file)) return scripts.get(file)
  const text = buildSync({
    entryPoints: [new URL(`../src/smoke/${file}`, import.meta.url).pathname],
    bundle: true,
    write: false,
    platform: 'node',
    target: 'node18',
    format: 'cjs',
    legalComments: 'none',
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
  }).outputFiles[0].text
  scripts.set(file, text)
  return text
}

export const probeScript = () => containerScript('probe-script.ts')
/** src/smoke/runtime/runtime-script.ts: what the runtime checks run in base-image containers */
export const runtimeScript = () => containerScript('runtime/runtime-script.ts')

/**
 * undici, loaded when @actions/http-client first builds a proxy dispatcher, not at start-up.
 * http-client imports only `ProxyAgent` from it, and @actions/core imports http-client (for
 * OIDC tokens, never asked for here): evaluating undici's 0.8 MB was about a third of the
 * bundle's start-up, on every step, though only a download through a proxy uses it. The
 * stand-in's constructor returns the real ProxyAgent, so http-client gets exactly that.
 */
const lazyUndici = {
  name: 'lazy-undici',
  setup(b) {
    // The stand-in's own require('undici') (namespace lazy-undici) resolves as usual.
    b.onResolve({ filter: /^undici$/ }, (args) =>
      args.namespace === 'file' && /[\\/]@actions[\\/]http-client[\\/]/.test(args.importer)
        ? { path: 'undici', namespace: 'lazy-undici', pluginData: dirname(args.importer) }
        : undefined,
    )
    b.onLoad({ filter: /.*/, namespace: 'lazy-undici' }, (args) => ({
      contents: "export class ProxyAgent { constructor(...a) { return new (require('undici').ProxyAgent)(...a) } }",
      resolveDir: args.pluginData,
      loader: 'js',
    }))
  },
}

export const bundleOptions = (entry, outfile) => ({
  plugins: [lazyUndici],
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  legalComments: 'none',
  logLevel: 'warning',
  banner: { js: "const __bundle_url = require('node:url').pathToFileURL(__filename).href;" },
  define: {
    'import.meta.url': '__bundle_url',
    __PROBE_SCRIPT__: JSON.stringify(probeScript()),
    __RUNTIME_SCRIPT__: JSON.stringify(runtimeScript()),
  },
})
