// The bundled entry files as the runner starts them, with a promise rejected that nobody
// awaits (set off by a preloaded module): the guard reports it as an annotation; without it
// node would end with a stack trace and no annotation.
import { describe, expect, it } from '@jest/globals'
import os from 'node:os'
import path from 'node:path'
import { guardRejections } from '../../src/ports/guard.js'
import { nodeInTemp } from '../helpers/node-run.js'

const STRAY = 'data:text/javascript,setTimeout(() => Promise.reject(new Error("stray rejection")), 0)'

const start = (bundle: string, env: Record<string, string> = {}) =>
  nodeInTemp(['--import', STRAY, path.resolve('dist', bundle)], env)

describe('entry files guard against unhandled rejections', () => {
  it('main: reported as a step failure (next to the bad input that stops it early)', () => {
    const r = start('main.cjs', { 'INPUT_SMOKE-TESTS': 'nope' })
    expect(r.stdout).toContain('::error::Unexpected error: stray rejection')
    expect(r.stdout).toContain("::error::Invalid input 'smoke-tests': 'nope'")
    expect(r.stderr).not.toContain('at Timeout')
    expect(r.status).toBe(1)
  })

  it('post: a warning only, the job stays green', () => {
    const r = start('post.cjs')
    expect(r.stdout).toContain('::warning::Unexpected error: stray rejection')
    expect(r.stderr).not.toContain('at Timeout')
    expect(r.status).toBe(0)
  })

  it('report action: reported as a step failure', () => {
    const r = start('report.cjs', { INPUT_REPORTS: path.join(os.tmpdir(), 'ssp-entry-no-such-dir') })
    expect(r.stdout).toContain('::error::Unexpected error: stray rejection')
    expect(r.stderr).not.toContain('at Timeout')
    expect(r.status).toBe(1)
  })

  it('the guard hands the reason to the reporter', () => {
    const handlers: ((reason: unknown) => void)[] = []
    const reported: string[] = []
    guardRejections((m) => reported.push(m), { on: (_: string, h: (r: unknown) => void) => handlers.push(h) } as never)
    for (const h of handlers) h(new Error('boom'))
    for (const h of handlers) h('plain text')
    expect(reported).toEqual(['Unexpected error: boom', 'Unexpected error: plain text'])
  })
})
