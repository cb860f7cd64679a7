// Where each token may go, as data: the job's own token only to the runner's GitHub, an
// explicit one to api-url, neither over plain http except to loopback.
import { describe, expect, it } from '@jest/globals'
import { mayCarryToken, tokenPlan } from '../../src/ports/token-origin.js'

const GH = { GITHUB_API_URL: 'https://api.github.com', GITHUB_SERVER_URL: 'https://github.com' }
const GHES = { GITHUB_API_URL: 'https://ghes.example/api/v3', GITHUB_SERVER_URL: 'https://ghes.example' }

describe('tokenPlan', () => {
  it.each([
    [
      'job token, runner API',
      { apiUrl: 'https://api.github.com', token: '', jobToken: 'job' },
      GH,
      'job',
      ['https://api.github.com', 'https://github.com'],
    ],
    [
      'job token, GHES runner API',
      { apiUrl: 'https://ghes.example/api/v3', token: '', jobToken: 'job' },
      GHES,
      'job',
      ['https://ghes.example'],
    ],
    [
      'job token, another api-url: withheld',
      { apiUrl: 'https://mirror.example', token: '', jobToken: 'job' },
      GH,
      undefined,
      [],
    ],
    [
      'job token, api.github.com from a GHES runner: withheld',
      { apiUrl: 'https://api.github.com', token: '', jobToken: 'job' },
      GHES,
      undefined,
      [],
    ],
    [
      'explicit token, another api-url: that origin only',
      { apiUrl: 'https://mirror.example/api', token: 'mine', jobToken: 'job' },
      GH,
      'mine',
      ['https://mirror.example'],
    ],
    [
      'explicit token, loopback http mirror',
      { apiUrl: 'http://127.0.0.1:9', token: 'mine' },
      GH,
      'mine',
      ['http://127.0.0.1:9'],
    ],
    [
      'explicit token, plain http elsewhere: no origin may carry it',
      { apiUrl: 'http://mirror.example', token: 'mine' },
      GH,
      'mine',
      [],
    ],
    ['no token at all', { apiUrl: 'https://api.github.com', token: '' }, GH, undefined, []],
  ])('%s', (_label, inputs, env, token, origins) => {
    const plan = tokenPlan(inputs, env)
    expect(plan.token).toBe(token)
    expect(plan.tokenOrigins).toEqual(origins)
  })

  it('says why the job token was withheld', () => {
    const plan = tokenPlan({ apiUrl: 'https://mirror.example', token: '', jobToken: 'job' }, GH)
    expect(plan.withheld).toMatch(/not this runner's GitHub \(https:\/\/api\.github\.com\).*pass github-token/)
  })
})

it.each([
  ['https://x.example', true],
  ['http://127.0.0.1:80', true],
  ['http://127.1.2.3', true],
  ['http://[::1]:8080', true],
  ['http://localhost', true],
  ['http://127.0.0.1.evil.example', false],
  ['http://x.example', false],
])('mayCarryToken %s', (url, ok) => {
  expect(mayCarryToken(new URL(url))).toBe(ok)
})
