// What the bundle costs before the step's first line: undici (0.8 MB, pulled in by
// @actions/core through @actions/http-client) is evaluated only when a proxy dispatcher is
// built, and that dispatcher is still undici's own ProxyAgent. The libraries only a cold path
// uses are not in dist/main.cjs at all but in dist/cold.cjs, which main loads on first use:
// each of them is the same library there as an import of it is.
import { describe, expect, it } from '@jest/globals'
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { build } from 'esbuild'
import { bundleOptions, COLD_GROUPS, COLD_LIBS, LAZY_BUILTINS } from '../../scripts/esbuild-options.mjs'
import { nodeInTemp, nodeInTempAsync } from '../helpers/node-run.js'

/**
 * Printed at exit: undici's module sets this global dispatcher when it is evaluated
 * (lib/global.js), and require.cache names every bundle loaded.
 */
const LOADED =
  "import { createRequire } from 'node:module'; const { cache } = createRequire('/');" +
  "process.on('exit', () => console.log('undici ' + (Symbol.for('undici.globalDispatcher.1') in globalThis)," +
  "'bundles ' + Object.keys(cache).map((f) => f.split('/').pop()).join(',')))"
/** Which of node's networking modules the process has loaded so far. */
const NETWORKING =
  "const networking = () => ['http', 'https', 'tls']" +
  ".filter((m) => process.moduleLoadList.includes('NativeModule ' + m)).join(',') || 'none';"

/** dist/cold.cjs and the group bundles behind it */
const COLD_FILES = readdirSync('dist').filter((f) => /^cold(-[a-z0-9]+)?\.cjs$/.test(f))
const copyCold = (dir: string) => {
  for (const f of COLD_FILES) copyFileSync(path.join('dist', f), path.join(dir, f))
}

/** An entry file bundled for a temp dir as dist/ is (`cold`: beside copies of dist/cold*.cjs). */
async function bundleIn(source: string, cold: boolean): Promise<{ dir: string; out: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ssp-bundle-'))
  const entry = path.join(dir, 'entry.mjs')
  writeFileSync(entry, source)
  const out = path.join(dir, 'entry.cjs')
  await build({ ...bundleOptions(entry, out, { cold }), nodePaths: [path.resolve('node_modules')] })
  if (cold) copyCold(dir)
  return { dir, out }
}

describe('the bundle at start-up', () => {
  it('main.cjs runs to its first input without evaluating undici or loading cold.cjs', () => {
    const r = nodeInTemp(['--import', `data:text/javascript,${LOADED}`, path.resolve('dist/main.cjs')], {
      'INPUT_SMOKE-TESTS': 'nope',
    })
    expect(r.stdout).toContain("::error::Invalid input 'smoke-tests'")
    expect(r.stdout).toContain('undici false bundles main.cjs\n')
  })

  it('main.cjs runs to its first input without loading http, https or tls', () => {
    const atExit = `${NETWORKING}process.on('exit', () => console.log('networking ' + networking()))`
    const r = nodeInTemp(['--import', `data:text/javascript,${atExit}`, path.resolve('dist/main.cjs')], {
      'INPUT_SMOKE-TESTS': 'nope',
    })
    expect(r.stdout).toContain("::error::Invalid input 'smoke-tests'")
    expect(r.stdout).toContain('networking none\n')
  })

  // The names are written out so that any node builds the same bundle; they must be node 24's.
  it.each(['http', 'https', 'tls'] as const)("the %s stand-in has a getter for each of node 24's exports", (name) => {
    expect(process.versions.node.split('.')[0]).toBe('24')
    expect(LAZY_BUILTINS[name]).toEqual(Object.keys(process.getBuiltinModule(name)))
  })

  // Imported as a namespace, as a default and by name, each is node's own module once used.
  it.each([false, true])(
    "http, https and tls are loaded on first use, and are node's own (step bundle: %s)",
    async (cold) => {
      const { out } = await bundleIn(
        "import * as http from 'node:http'\nimport https from 'https'\nimport { connect } from 'node:tls'\n" +
          `${NETWORKING}const before = networking()\n` +
          'const own = (m) => process.getBuiltinModule(m)\n' +
          "console.log(before, http.get === own('http').get, https.request === own('https').request, " +
          "connect === own('tls').connect, networking())\n",
        cold,
      )
      const r = nodeInTemp([out])
      expect(r.stderr).toBe('')
      expect(r.stdout).toBe(`${cold ? 'none' : 'http,https,tls'} true true true http,https,tls\n`)
    },
  )

  it.each([false, true])(
    "a proxy dispatcher from @actions/http-client is still undici's ProxyAgent (cold bundle: %s)",
    async (cold) => {
      const { out } = await bundleIn(
        "import { HttpClient } from '@actions/http-client'\n" +
          "import { ProxyAgent } from 'undici'\n" +
          "const d = new HttpClient('t').getAgentDispatcher('https://example.invalid/')\n" +
          'console.log(d instanceof ProxyAgent, typeof d.dispatch)\n',
        cold,
      )
      const r = nodeInTemp(['--import', `data:text/javascript,${LOADED}`, out], { https_proxy: 'http://127.0.0.1:9' })
      expect(r.stderr).toBe('')
      expect(r.stdout).toBe(`true function\nundici true bundles entry.cjs${cold ? ',cold.cjs,cold-net.cjs' : ''}\n`)
    },
  )
})

/**
 * Every cold library as an entry sees it: its export names and their types (seeds.json: its
 * default, the JSON), and reflect-metadata's global.
 */
const EVERY_LIB =
  COLD_LIBS.map((lib, i) =>
    lib.endsWith('.json') ? `import l${i} from '${lib}' with { type: 'json' }` : `import * as l${i} from '${lib}'`,
  ).join('\n') +
  "\nconst show = (m) => Object.keys(m).filter((k) => k !== 'default').sort()" +
  ".map((k) => `${k}:${typeof m[k]}`).join(' ')\n" +
  `console.log(JSON.stringify({ ${COLD_LIBS.map((l, i) => `${JSON.stringify(l)}: show(l${i})`).join(', ')} }))\n` +
  "console.log('Reflect.getMetadata', typeof Reflect.getMetadata)\n"

/** esbuild's bundles name each file they hold in a comment line before its code. */
const holds = (bundle: string, lib: string) =>
  bundle.includes(`\n// node_modules/${lib}/`) || bundle.includes(`\n// node_modules/${lib}\n`)

describe('the cold libraries', () => {
  // The proxy agents are in cold.cjs: our HTTP port still reaches a plain http proxy with the
  // absolute URL (http-proxy-agent) and asks it for a CONNECT tunnel for https (https-proxy-agent).
  it('carry a request of our HTTP port through a proxy', async () => {
    const seen: string[] = []
    const proxy = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`)
      res.setHeader('content-type', 'application/json').end('{"via":"proxy"}')
    })
    proxy.on('connect', (req, client: Socket) => {
      seen.push(`CONNECT ${req.url}`)
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n')
    })
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
    const ports = path.resolve('src/ports/http.ts')
    try {
      const { out } = await bundleIn(
        `import { createHttp } from '${ports}'\n` +
          'const h = createHttp({ deadlineMs: 2000 })\n' +
          "h.getJson('http://mirror.test/x').then((r) => console.log(JSON.stringify(r.body)))\n" +
          "  .then(() => h.getJson('https://api.test/y')).catch((e) => console.log(String(e)))\n",
        true,
      )
      const r = await nodeInTempAsync([out], { http_proxy: url, https_proxy: url })
      expect(r.stderr).toBe('')
      expect(r.stdout).toMatch(/^\{"via":"proxy"\}\n.*HTTP 407/)
      expect(seen).toEqual(['GET http://mirror.test/x', 'CONNECT api.test:443'])
    } finally {
      proxy.closeAllConnections()
      proxy.close()
    }
  })

  it("are not in main.cjs or post.cjs; each is in its group's bundle and in no other", () => {
    for (const bundle of ['main', 'post']) {
      const text = readFileSync(`dist/${bundle}.cjs`, 'utf8')
      for (const lib of COLD_LIBS) expect([bundle, lib, holds(text, lib)]).toEqual([bundle, lib, false])
    }
    for (const [group, libs] of Object.entries(COLD_GROUPS)) {
      const text = readFileSync(`dist/cold-${group}.cjs`, 'utf8')
      for (const lib of COLD_LIBS) expect([group, lib, holds(text, lib)]).toEqual([group, lib, libs.includes(lib)])
    }
    expect(COLD_FILES.sort()).toEqual(['cold.cjs', ...Object.keys(COLD_GROUPS).map((g) => `cold-${g}.cjs`)].sort())
  })

  it('a signed download loads only the verify group: Sigstore and node-tar', () => {
    const probe =
      "const c = require('./cold.cjs'); c('@sigstore/verify'); c('tar'); " +
      "console.log(Object.keys(require.cache).map((f) => f.split('/').pop()).join(','))"
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ssp-bundle-'))
    copyCold(dir)
    writeFileSync(path.join(dir, 'probe.cjs'), probe)
    const r = nodeInTemp([path.join(dir, 'probe.cjs')])
    expect(r.stderr).toBe('')
    expect(r.stdout.trim()).toBe('probe.cjs,cold.cjs,cold-verify.cjs')
  })

  it('are, through cold.cjs, what a single bundle holds', async () => {
    const seen = async (cold: boolean) => {
      const { out } = await bundleIn(EVERY_LIB, cold)
      const r = nodeInTemp(['--import', `data:text/javascript,${LOADED}`, out])
      expect(r.stderr).toBe('')
      return r.stdout.split('\n')
    }
    const [single, split] = [await seen(false), await seen(true)]
    const libs = JSON.parse(single[0]) as Record<string, string>
    expect(Object.keys(libs)).toEqual([...COLD_LIBS])
    expect(libs.openpgp).toContain('readKey:function')
    expect(libs['@sigstore/tuf/seeds.json']).toBe('https://tuf-repo-cdn.sigstore.dev:object')
    expect(single[1]).toBe('Reflect.getMetadata function')
    expect(split.slice(0, 2)).toEqual(single.slice(0, 2))
    const groups = Object.keys(COLD_GROUPS).map((g) => `cold-${g}.cjs`)
    expect([single[2], split[2]]).toEqual([
      'undici true bundles entry.cjs',
      `undici true bundles entry.cjs,cold.cjs,${groups.join(',')}`,
    ])
  })
})
