// Children get the job's environment without its secrets: the real Run port and the real
// unpacker spawn real processes that print their environment.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { run } from '../../src/ports/exec.js'
import { registerSecret, scrubEnv } from '../../src/ports/env.js'

const SECRETS = {
  'INPUT_GITHUB-TOKEN': 'ghs_inputtoken0001',
  ACTIONS_RUNTIME_TOKEN: 'runtime-token-0002',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc-token-0003',
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://oidc.example/0004',
  ACTIONS_RESULTS_URL: 'https://results.example/0005',
  GITHUB_TOKEN: 'ghs_envtoken0006',
}
const saved = { ...process.env }
beforeEach(() => {
  Object.assign(process.env, SECRETS, { SSP_KEEP: 'kept', SSP_COPY: 'copy of ghs_registered0007' })
})
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k]
  Object.assign(process.env, saved)
})

const envOf = async (opts: { env?: NodeJS.ProcessEnv; stream?: boolean; timeoutMs?: number }) =>
  (await run('env', [], opts)).stdout

describe('children never see the job tokens', () => {
  it.each([
    ['captured, inherited env', () => ({})],
    ['captured, an env the caller built from process.env', () => ({ env: { ...process.env, PATH: '/usr/bin:/bin' } })],
    ['streamed through @actions/exec', () => ({ stream: true })],
    ['captured with a timeout', () => ({ timeoutMs: 10_000 })],
  ])('%s', async (_label, opts) => {
    registerSecret('ghs_registered0007')
    const out = await envOf(opts())
    for (const [k, v] of Object.entries(SECRETS)) {
      expect(out).not.toContain(k)
      expect(out).not.toContain(v)
    }
    expect(out).not.toContain('ghs_registered0007')
    expect(out).toContain('SSP_KEEP=kept')
    expect(out).toMatch(/^PATH=/m)
  })

  it('scrubEnv keeps everything else as it is', () => {
    expect(
      scrubEnv({ HOME: '/h', INPUT_X: '1', actions_runtime_url: 'u', GH_TOKEN: 't', XDG_RUNTIME_DIR: '/r' }),
    ).toEqual({
      HOME: '/h',
      XDG_RUNTIME_DIR: '/r',
    })
  })
})
