import { afterEach, describe, expect, it } from '@jest/globals'
import { getInputs, InputError, parseVersionSpec, SMOKE_CHECK_IDS } from '../../src/inputs.js'
import { actionsEnv, type ActionsEnv } from '../helpers/actions-env.js'

let env: ActionsEnv | undefined
afterEach(() => env?.restore())
const withInputs = (inputs: Record<string, string>, extra: Record<string, string> = {}) => {
  env = actionsEnv(inputs, extra)
  return getInputs()
}

describe('podman-version', () => {
  it.each([
    ['latest', undefined, '*'],
    ['', undefined, '*'],
    ['5.7.1', '5.7.1', '5.7.1'],
    ['v5.7.1', '5.7.1', '5.7.1'],
    ['5', undefined, '>=5.0.0 <6.0.0-0'],
    ['5.7', undefined, '>=5.7.0 <5.8.0-0'],
    ['5.x', undefined, '>=5.0.0 <6.0.0-0'],
    ['^5.6', undefined, '>=5.6.0 <6.0.0-0'],
    ['>=5.6 <5.8', undefined, '>=5.6.0 <5.8.0-0'],
  ])('%s', (raw, exact, range) => {
    const spec = parseVersionSpec(raw)
    expect(spec.exact).toBe(exact)
    expect(spec.range).toBe(range)
    expect(spec.includePrerelease).toBe(false)
  })

  it('asks for prereleases only when the range names one', () => {
    expect(parseVersionSpec('6.0.0-rc.1').includePrerelease).toBe(true)
    expect(parseVersionSpec('>=6.0.0-rc.1').includePrerelease).toBe(true)
  })
})

describe('getInputs', () => {
  it('has sensible defaults', () => {
    const i = withInputs({}, { RUNNER_ENVIRONMENT: 'github-hosted' })
    expect(i).toMatchObject({
      source: 'pigfoot',
      variant: 'default',
      libc: 'static',
      owner: 'pigfoot',
      repo: 'static-rootless-container-tools',
      apiUrl: 'https://api.github.com',
      checkLatest: false,
      cache: true,
      allowSudo: true,
      cleanup: false,
      smokeTests: 'auto',
      smokeImage: 'host',
      smokeFailure: 'error',
      smokeTimeoutSec: 60,
      defaultNetwork: '',
    })
  })

  it('keeps sudo off and cleans up on self-hosted runners', () => {
    expect(withInputs({}, { RUNNER_ENVIRONMENT: 'self-hosted' })).toMatchObject({ allowSudo: false, cleanup: true })
  })

  it('anchors the signer identity even when the user does not', () => {
    const { signerIdentity } = withInputs({ 'signer-identity': 'https://github.com/me/repo/.*' })
    expect(signerIdentity.test('https://github.com/me/repo/.github/workflows/x.yml@refs/heads/main')).toBe(true)
    expect(signerIdentity.test('https://evil.example/?https://github.com/me/repo/x')).toBe(false)
  })

  it('splits a comma list of smoke checks', () => {
    expect(withInputs({ 'smoke-tests': 'publish, pasta-loopback' }).smokeTests).toEqual(['publish', 'pasta-loopback'])
  })

  it('refuses an unknown smoke check id, naming every known one, before anything runs', () => {
    expect(() => withInputs({ 'smoke-tests': 'publish,pubilsh' })).toThrow(InputError)
    expect(() => withInputs({ 'smoke-tests': 'publish,pubilsh' })).toThrow(
      `Invalid input 'smoke-tests': 'publish,pubilsh'. Allowed: ` +
        `auto | none | all | a comma list of ${SMOKE_CHECK_IDS.join(', ')}.`,
    )
  })

  // Every input with a bad value: one error that names the input, the value and the allowed values.
  it.each([
    ['podman-version', 'five', /'podman-version': 'five'.*latest/],
    ['variant', 'tiny', /'variant': 'tiny'. Allowed: standalone \| default \| full \| auto/],
    ['libc', 'musl', /'libc': 'musl'. Allowed: static \| glibc \| auto/],
    ['source', 'brew', /'source': 'brew'. Allowed: pigfoot \| mgoltzsche \| system/],
    ['repository', 'no-slash', /'repository': 'no-slash'. Allowed: OWNER\/REPO/],
    ['api-url', 'ftp://x', /'api-url': 'ftp:\/\/x'/],
    ['api-url', 'https://user:pw@api.example', /'api-url'/],
    ['check-latest', 'yes', /'check-latest': 'yes'. Allowed: true \| false/],
    ['cache', 'maybe', /'cache': 'maybe'/],
    ['verify-signature', 'always', /'verify-signature': 'always'. Allowed: auto \| true \| false/],
    ['signer-identity', '(', /'signer-identity': '\('/],
    ['source-key-fingerprint', 'abc', /'source-key-fingerprint': 'abc'.*40-hex/],
    ['install-missing', '1', /'install-missing': '1'/],
    ['allow-sudo', 'please', /'allow-sudo': 'please'. Allowed: auto \| true \| false/],
    ['apparmor', 'off', /'apparmor': 'off'. Allowed: profile \| sysctl \| none/],
    ['cleanup', 'no', /'cleanup': 'no'/],
    ['smoke-tests', 'publish;rm -rf', /'smoke-tests'/],
    ['smoke-image', 'UPPER CASE', /'smoke-image'/],
    ['smoke-failure', 'ignore', /'smoke-failure': 'ignore'. Allowed: error \| warning/],
    ['download-timeout', '1.5', /'download-timeout': '1.5'. Allowed: a whole number of seconds from 1 to 3600/],
    ['smoke-timeout', '0', /'smoke-timeout': '0'. Allowed: a whole number of seconds from 1 to 600/],
    ['default-network', 'pasta:"x"', /'default-network'/],
  ])('%s=%s', (name, value, message) => {
    expect(() => withInputs({ [name]: value })).toThrow(InputError)
    expect(() => withInputs({ [name]: value })).toThrow(message)
  })
})

describe('api-url and the tokens', () => {
  it("defaults api-url to the runner's own GITHUB_API_URL (GHES), else api.github.com", () => {
    expect(withInputs({}, { GITHUB_API_URL: 'https://ghes.example/api/v3' }).apiUrl).toBe('https://ghes.example/api/v3')
    env?.restore()
    delete process.env.GITHUB_API_URL
    expect(withInputs({}).apiUrl).toBe('https://api.github.com')
  })

  it('refuses an explicit github-token for a plain http api-url, without printing the token', () => {
    const err = (() => {
      try {
        withInputs({ 'api-url': 'http://mirror.example', 'github-token': 'ghs_secret123' })
      } catch (e) {
        return e
      }
    })()
    expect(err).toBeInstanceOf(InputError)
    expect(String(err)).toMatch(/'api-url': 'http:\/\/mirror\.example'.*https URL while github-token is set/)
    expect(String(err)).not.toContain('ghs_secret123')
  })

  it('allows http to loopback with a token, and http anywhere without one', () => {
    expect(withInputs({ 'api-url': 'http://127.0.0.1:8080', 'github-token': 'ghs_x1234' }).apiUrl).toBe(
      'http://127.0.0.1:8080',
    )
    env?.restore()
    expect(withInputs({ 'api-url': 'http://mirror.example', 'job-token': 'ghs_x1234' }).apiUrl).toBe(
      'http://mirror.example',
    )
  })
})

describe('source: archive', () => {
  it('needs archive; archive-sha256 is empty or 64 hex digits; no repository is implied', () => {
    expect(() => withInputs({ source: 'archive' })).toThrow(
      "Invalid input 'archive': ''. Allowed: a path or glob naming one local .tar.zst or .tar.gz " +
        '(required with source: archive).',
    )
    expect(() => withInputs({ source: 'archive', archive: 'a.tar.zst', 'archive-sha256': 'abc' })).toThrow(
      "Invalid input 'archive-sha256': 'abc'. Allowed: empty, or 64 hex digits.",
    )
    const sha = 'AB'.repeat(32)
    expect(withInputs({ source: 'archive', archive: 'build/*.tar.zst', 'archive-sha256': sha })).toMatchObject({
      source: 'archive',
      archive: 'build/*.tar.zst',
      archiveSha256: sha.toLowerCase(),
      owner: '',
      repo: '',
    })
  })
})
