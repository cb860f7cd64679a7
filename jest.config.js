import { createDefaultEsmPreset } from 'ts-jest'
import { probeScript, runtimeScript } from './scripts/esbuild-options.mjs'

const preset = createDefaultEsmPreset({ tsconfig: './tsconfig.json' })
const shared = {
  ...preset,
  testEnvironment: 'node',
  // the bundles get it from esbuild's define (src/smoke/probe.ts)
  globals: { __PROBE_SCRIPT__: probeScript(), __RUNTIME_SCRIPT__: runtimeScript() },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
}

export default {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/__tests__/unit/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/__tests__/unit/timeout.ts'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/__tests__/integration/**/*.test.ts'],
      // testTimeout is global-only in jest 30: the integration project sets it in a setup file.
      setupFilesAfterEnv: ['<rootDir>/__tests__/integration/timeout.ts'],
    },
    {
      // Job summaries rendered as GitHub shows them, in headless Chromium (host packages
      // cmark-gfm and chromium, from scripts/setup-test-host.sh); no podman involved.
      ...shared,
      displayName: 'render',
      testMatch: ['<rootDir>/__tests__/render/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/__tests__/unit/timeout.ts'],
    },
    {
      ...shared,
      displayName: 'quirks',
      testMatch: ['<rootDir>/__tests__/quirks/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/__tests__/integration/timeout.ts'],
    },
  ],
}
