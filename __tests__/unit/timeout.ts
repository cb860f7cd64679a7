import { jest } from '@jest/globals'

// Real signing, real sockets and real tar on a 2-core machine that may be busy with the
// podman tests: give each unit test room before calling it hung.
jest.setTimeout(30_000)
