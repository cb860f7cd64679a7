// What the bundle costs before the step's first line: undici (0.8 MB, pulled in by
// @actions/core through @actions/http-client) is evaluated only when a proxy dispatcher is
// built, and that dispatcher is still undici's own ProxyAgent.
import { describe, expect, it } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { build } from 'esbuild'
import { bundleOptions } from '../../scripts/esbuild-options.mjs'
import { nodeInTemp } from '../helpers/node-run.js'

/** undici's module sets this global dispatcher when it is evaluated (lib/global.js). */
const LOADED =
  "process.on('exit', () => console.log('undici ' + (Symbol.for('undici.globalDispatcher.1') in globalThis)))"

describe('the bundle at start-up', () => {
  it('main.cjs runs to its first input without evaluating undici', () => {
    const r = nodeInTemp(['--import', `data:text/javascript,${LOADED}`, path.resolve('dist/main.cjs')], {
      'INPUT_SMOKE-TESTS': 'nope',
    })
    expect(r.stdout).toContain("::error::Invalid input 'smoke-tests'")
    expect(r.stdout).toContain('undici false')
  })

  it("a proxy dispatcher from @actions/http-client is still undici's ProxyAgent", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ssp-bundle-'))
    const entry = path.join(dir, 'entry.mjs')
    writeFileSync(
      entry,
      "import { HttpClient } from '@actions/http-client'\n" +
        "import { ProxyAgent } from 'undici'\n" +
        "const d = new HttpClient('t').getAgentDispatcher('https://example.invalid/')\n" +
        'console.log(d instanceof ProxyAgent, typeof d.dispatch)\n',
    )
    const out = path.join(dir, 'entry.cjs')
    await build({ ...bundleOptions(entry, out), nodePaths: [path.resolve('node_modules')] })
    const r = nodeInTemp([out], { https_proxy: 'http://127.0.0.1:9' })
    expect(r.stderr).toBe('')
    expect(r.stdout.trim()).toBe('true function')
  })
})
