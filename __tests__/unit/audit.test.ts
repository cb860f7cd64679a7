import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { auditTree } from '../../src/install/audit.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ssp-audit-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const TOP = 'podman-v5.7.1'
function good(): string {
  const top = path.join(dir, TOP)
  mkdirSync(path.join(top, 'usr/local/bin'), { recursive: true })
  writeFileSync(path.join(top, 'usr/local/bin/podman'), 'binary', { mode: 0o755 })
  symlinkSync('podman', path.join(top, 'usr/local/bin/docker'))
  symlinkSync('../bin/podman', path.join(top, 'usr/local/bin/podman-link'))
  return top
}

describe('auditTree', () => {
  it('accepts a release-shaped tree with inner relative links', async () => {
    good()
    await expect(auditTree(dir, TOP)).resolves.toMatchObject({ files: 6, bytes: 6 })
  })

  it('rejects a second top-level entry', async () => {
    good()
    writeFileSync(path.join(dir, 'extra'), '')
    await expect(auditTree(dir, TOP)).rejects.toThrow(
      `exactly one top-level directory ${TOP}/; it holds: extra, ${TOP}`,
    )
  })

  it('rejects the wrong top-level name', async () => {
    mkdirSync(path.join(dir, 'podman-v9.9.9'))
    await expect(auditTree(dir, TOP)).rejects.toThrow('it holds: podman-v9.9.9')
  })

  it('rejects a relative link that leaves the root', async () => {
    symlinkSync('../../../../etc/passwd', path.join(good(), 'usr/local/bin/escape'))
    await expect(auditTree(dir, TOP)).rejects.toThrow('usr/local/bin/escape -> ../../../../etc/passwd points outside')
  })

  it('rejects an absolute link', async () => {
    symlinkSync('/usr/bin/crun', path.join(good(), 'crun'))
    await expect(auditTree(dir, TOP)).rejects.toThrow('crun -> /usr/bin/crun points outside')
  })

  it('rejects setuid files', async () => {
    const f = path.join(good(), 'usr/local/bin/podman')
    chmodSync(f, 0o4755)
    await expect(auditTree(dir, TOP)).rejects.toThrow('usr/local/bin/podman is setuid/setgid')
  })

  it('rejects FIFOs (device nodes take root to create; they fail the same branch)', async () => {
    execFileSync('mkfifo', [path.join(good(), 'pipe')])
    await expect(auditTree(dir, TOP)).rejects.toThrow('pipe is a device, FIFO or socket')
  })

  it('enforces the size and entry caps', async () => {
    good()
    await expect(auditTree(dir, TOP, { maxBytes: 5, maxEntries: 100 })).rejects.toThrow('more than 5 bytes')
    await expect(auditTree(dir, TOP, { maxBytes: 100, maxEntries: 2 })).rejects.toThrow('more than 2 entries')
  })
})
