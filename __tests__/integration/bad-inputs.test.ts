// Every input with a bad value, through dist/main.cjs as the runner runs it: exit 1 with
// exactly one ::error:: naming the input, the value and what is allowed; no request made,
// nothing written to PATH, outputs or the tool cache.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readdirSync } from 'node:fs'
import { type Mirror, startMirror } from '../../test-support/mirror/server.js'
import { createWorkspace, runAction, type Workspace } from '../../test-support/runner.js'

let mirror: Mirror
let work: Workspace
beforeAll(async () => {
  mirror = await startMirror({ repos: { 'local/none': [] } })
  work = await createWorkspace()
})
afterAll(async () => {
  await mirror?.close()
  await work?.remove()
})

const BAD: [string, string][] = [
  ['podman-version', 'five'],
  ['variant', 'tiny'],
  ['libc', 'musl'],
  ['source', 'brew'],
  ['repository', 'not a repo'],
  ['api-url', 'ftp://example.test'],
  ['check-latest', 'yes'],
  ['download-timeout', '0'],
  ['cache', 'maybe'],
  ['verify-signature', 'always'],
  ['signer-identity', '(unclosed'],
  ['source-key-fingerprint', 'ABCD'],
  ['install-missing', 'sometimes'],
  ['allow-sudo', 'please'],
  ['apparmor', 'off'],
  ['cleanup', 'later'],
  ['smoke-tests', 'publish;reboot'],
  ['smoke-image', 'Not An Image'],
  ['smoke-failure', 'ignore'],
  ['smoke-timeout', '9999'],
  ['default-network', 'pasta:$(id)'],
]

describe('bad inputs', () => {
  it.each(BAD)('%s: %s', async (name, value) => {
    mirror.resetRequests()
    const r = await runAction({
      entry: 'main',
      work,
      inputs: { 'api-url': mirror.url, repository: 'local/none', [name]: value },
    })
    expect(r.exitCode).toBe(1)
    expect(r.errors).toEqual([expect.stringContaining(`Invalid input '${name}': '${value}'. Allowed: `)])
    expect(mirror.requests).toEqual([])
    expect(r.path).toEqual([])
    expect(r.outputs).toEqual({})
    expect(readdirSync(work.toolCache)).toEqual([])
  })

  it('an unsupported runner architecture is a clear error', async () => {
    const r = await runAction({ entry: 'main', work, inputs: { 'api-url': mirror.url }, env: { RUNNER_ARCH: 'ARM' } })
    expect(r.exitCode).toBe(1)
    expect(r.errors).toEqual(["Unsupported runner architecture 'ARM'. Supported: X64 (amd64), ARM64 (arm64)."])
  })

  it('post after a main that stopped at its inputs is a safe no-op', async () => {
    await runAction({ entry: 'main', work, inputs: { variant: 'tiny' } })
    const post = await runAction({ entry: 'post', work, inputs: { variant: 'tiny' } })
    expect(post.exitCode).toBe(0)
    expect(post.errors).toEqual([])
    expect(post.stdout).toContain('Nothing to clean up')
  })
})
