// The pigfoot install request the unit tests start from: the latest static amd64 default
// variant of o/r, unpacked under RUNNER_TEMP, no signature asked for. Each test file
// overrides what it is about (its API, its version, its signer and trust, its cache).
import { parseVersionSpec } from '../../src/inputs.js'
import type { InstallRequest } from '../../src/sources/pigfoot.js'

export const installRequest = (o: Partial<InstallRequest> = {}): InstallRequest => ({
  apiUrl: 'https://api.test',
  owner: 'o',
  repo: 'r',
  spec: parseVersionSpec('latest'),
  checkLatest: false,
  variant: 'default',
  libc: 'static',
  arch: 'amd64',
  temp: process.env.RUNNER_TEMP as string,
  verifySignature: 'false',
  signerIdentity: /^$/,
  signerIssuer: '',
  ...o,
})
