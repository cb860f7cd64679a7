// One set of esbuild options for every bundle: CommonJS for the runner's node24, with
// import.meta.url (read by some ESM dependencies) defined from the bundle's own path, and the
// smoke probe's program defined as the string __PROBE_SCRIPT__ (src/smoke/probe.ts). The
// step's bundles in dist/ leave the cold-only libraries to dist/cold.cjs (COLD_LIBS).
import path, { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
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
 * The libraries only a cold path uses: verifying a download (Sigstore, OpenPGP), unpacking it
 * (node-tar), the Actions cache client, a proxy (undici, the proxy agents) and the smoke
 * suite's TLS check (X.509). They are 4.4 MB of the 5.1 MB main.cjs was as one bundle, and
 * node reads and compiles every byte of a bundle it loads (about 0.15 s for 5 MB here): a
 * tool-cache hit never uses them.
 * So the step's bundles leave them to dist/cold.cjs, which the first use requires, and each
 * library is evaluated only when asked for. Only libraries go there, never our own modules:
 * the bundles share no state of ours (a library two hold, such as @actions/core, is
 * stateless across copies). Grouped by what is used together, one bundle each
 * (dist/cold-GROUP.cjs, behind cold.cjs): a signed download compiles Sigstore and node-tar,
 * 0.5 of the 4.7 MB, not OpenPGP, the Actions cache client or undici it does not use.
 */
export const COLD_GROUPS = {
  verify: ['@sigstore/bundle', '@sigstore/protobuf-specs', '@sigstore/verify', '@sigstore/tuf/seeds.json', 'tar'],
  pgp: ['openpgp'],
  x509: ['reflect-metadata', '@peculiar/x509'],
  cache: ['@actions/cache'],
  net: ['undici', 'http-proxy-agent', 'https-proxy-agent'],
}
export const COLD_LIBS = Object.values(COLD_GROUPS).flat()
const COLD_FILTER = new RegExp(`^(${COLD_LIBS.map((l) => l.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`)

/**
 * node's own networking modules, which a step's bundle loads only on first use: the libraries
 * every step evaluates (@actions/core, @actions/tool-cache, through @actions/http-client and
 * tunnel) and our own smoke and HTTP modules import them at the top, and loading http, https and
 * tls took 20-40 ms of every step's start-up here, though a tool-cache hit with no
 * smoke suite never opens a connection. The stand-in has a getter for each of the module's
 * exports that loads the real module. The names are node 24's (the runtime action.yml names),
 * written out rather than read from the node that builds: the bundle must be the same bytes
 * whichever node runs `npm run build` (node 20 and node 24 export different names).
 */
export const LAZY_BUILTINS = {
  http: [
    '_connectionListener',
    'METHODS',
    'STATUS_CODES',
    'Agent',
    'ClientRequest',
    'IncomingMessage',
    'OutgoingMessage',
    'Server',
    'ServerResponse',
    'createServer',
    'validateHeaderName',
    'validateHeaderValue',
    'get',
    'request',
    'setMaxIdleHTTPParsers',
    'setGlobalProxyFromEnv',
    'maxHeaderSize',
    'globalAgent',
    'WebSocket',
    'CloseEvent',
    'MessageEvent',
  ],
  https: ['Agent', 'globalAgent', 'Server', 'createServer', 'get', 'request'],
  tls: [
    'CLIENT_RENEG_LIMIT',
    'CLIENT_RENEG_WINDOW',
    'DEFAULT_CIPHERS',
    'DEFAULT_ECDH_CURVE',
    'DEFAULT_MIN_VERSION',
    'DEFAULT_MAX_VERSION',
    'getCiphers',
    'rootCertificates',
    'getCACertificates',
    'setDefaultCACertificates',
    'convertALPNProtocols',
    'checkServerIdentity',
    'createSecureContext',
    'SecureContext',
    'TLSSocket',
    'Server',
    'createServer',
    'connect',
  ],
}
const LAZY_FILTER = new RegExp(`^(node:)?(${Object.keys(LAZY_BUILTINS).join('|')})$`)

function lazyBuiltinStandIn(name) {
  const keys = JSON.stringify(LAZY_BUILTINS[name])
  return (
    `let m\nconst load = () => (m ??= require('node:${name}'))\n` +
    `for (const k of ${keys})\n` +
    '  Object.defineProperty(module.exports, k, {\n' +
    '    enumerable: true, get: () => load()[k], set: (v) => { load()[k] = v } })\n'
  )
}

const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: LAZY_FILTER }, (args) =>
      args.namespace === 'lazy-builtin'
        ? { path: args.path, external: true }
        : { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' },
    )
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      contents: lazyBuiltinStandIn(args.path),
      loader: 'js',
    }))
  },
}

/** The stand-in for a cold library in a step's bundle: it requires dist/cold.cjs on first use. */
const coldStandIn = (lib) => `module.exports = require('./cold.cjs')(${JSON.stringify(lib)})`

/**
 * undici, loaded when @actions/http-client first builds a proxy dispatcher, not at start-up.
 * http-client imports only `ProxyAgent` from it, and @actions/core imports http-client (for
 * OIDC tokens, never asked for here): evaluating undici's 0.8 MB was about a third of the
 * bundle's start-up, on every step, though only a download through a proxy uses it. The
 * stand-in's constructor returns the real ProxyAgent, so http-client gets exactly that.
 * With `cold`, undici is taken from dist/cold.cjs.
 */
const lazyUndici = (cold) => ({
  name: 'lazy-undici',
  setup(b) {
    // The stand-in's own require('undici') (namespace lazy-undici) resolves as usual.
    b.onResolve({ filter: /^undici$/ }, (args) =>
      args.namespace === 'file' && /[\\/]@actions[\\/]http-client[\\/]/.test(args.importer)
        ? { path: 'undici', namespace: 'lazy-undici', pluginData: dirname(args.importer) }
        : undefined,
    )
    const undici = cold ? "require('./cold.cjs')('undici')" : "require('undici')"
    b.onLoad({ filter: /.*/, namespace: 'lazy-undici' }, (args) => ({
      contents: `export class ProxyAgent { constructor(...a) { return new (${undici}.ProxyAgent)(...a) } }`,
      resolveDir: args.pluginData,
      loader: 'js',
    }))
  },
})

/** A stand-in's require('./cold.cjs') stays a require of the file beside the bundle. */
const coldExternal = {
  name: 'cold-external',
  setup(b) {
    b.onResolve({ filter: /^\.\/cold\.cjs$/ }, (args) =>
      args.namespace === 'file' ? undefined : { path: './cold.cjs', external: true },
    )
  },
}

/** A step's bundle: our sources' imports of a cold library go to dist/cold.cjs. */
const coldLibs = {
  name: 'cold-libs',
  setup(b) {
    b.onResolve({ filter: COLD_FILTER }, (args) =>
      args.namespace === 'file' && !/[\\/]node_modules[\\/]/.test(args.importer)
        ? { path: args.path, namespace: 'cold-lib' }
        : undefined,
    )
    b.onLoad({ filter: /.*/, namespace: 'cold-lib' }, (args) => ({ contents: coldStandIn(args.path), loader: 'js' }))
    coldExternal.setup(b)
  },
}

/** A function from a library's name to what `load` gives for it (`lib` is the name); unknown names throw. */
function chooser(libs, load, file) {
  const cases = libs.map((l) => `    case ${JSON.stringify(l)}: return ${load(l)}`).join('\n')
  const unknown = `throw new Error(${JSON.stringify(`${file} has no `)} + lib)`
  return `module.exports = (lib) => {\n  switch (lib) {\n${cases}\n  }\n  ${unknown}\n}\n`
}

const groupOf = (lib) => Object.keys(COLD_GROUPS).find((g) => COLD_GROUPS[g].includes(lib))

/** dist/cold.cjs, written as it is: each library from the group bundle that holds it. */
export const coldDispatcher = () =>
  `// Generated by scripts/build.mjs: each cold library from the bundle that holds it.\n${chooser(
    COLD_LIBS,
    (l) => `require('./cold-${groupOf(l)}.cjs')(lib)`,
    'cold.cjs',
  )}`

/**
 * dist/cold-GROUP.cjs: its libraries, each evaluated on its first call. Resolved as our
 * sources' `import` resolves it (a package's `import` export, not its `require` one), so a
 * library is the same code in either build. undici, which @actions/http-client in the cache
 * group asks for, comes from the net group through cold.cjs.
 */
export const coldBundleOptions = (group, outfile) => ({
  ...bundleOptions(COLD_ENTRY, outfile),
  entryPoints: undefined,
  stdin: {
    contents: chooser(COLD_GROUPS[group], (l) => `require(${JSON.stringify(l)})`, `cold-${group}.cjs`),
    resolveDir: ROOT,
    sourcefile: COLD_ENTRY,
    loader: 'js',
  },
  plugins: [asImport, lazyUndici(group !== 'net'), coldExternal],
})

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const COLD_ENTRY = path.join(ROOT, 'cold-entry.js')

/** The cold entry's require() of a library resolves as an `import` of it would. */
const asImport = {
  name: 'as-import',
  setup(b) {
    b.onResolve({ filter: COLD_FILTER }, async (args) => {
      if (args.kind !== 'require-call' || args.pluginData === 'as-import' || args.importer !== COLD_ENTRY)
        return undefined
      const { resolveDir, importer } = args
      const r = await b.resolve(args.path, { kind: 'import-statement', resolveDir, importer, pluginData: 'as-import' })
      return r.errors.length
        ? { errors: r.errors }
        : { path: r.path, namespace: r.namespace, sideEffects: r.sideEffects }
    })
  },
}

/** `cold`: a step's bundle in dist/, which leaves COLD_LIBS to dist/cold.cjs */
export const bundleOptions = (entry, outfile, { cold = false } = {}) => ({
  plugins: cold ? [lazyUndici(true), coldLibs, lazyBuiltins] : [lazyUndici(false)],
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
