import { jest } from '@jest/globals'

// Real podman, real trees: a test may run several action steps of many seconds each.
jest.setTimeout(600_000)
