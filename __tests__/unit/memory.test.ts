// The reclaimer: a young-generation collection per RECLAIM_EVERY bytes read, seen through
// node's own GC performance entries; and a real download through the Http port runs them as
// the body streams, so its 64 KiB read buffers are freed and reused instead of piling up.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { constants, PerformanceObserver } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { createHttp } from '../../src/ports/http.js'
import { RECLAIM_EVERY, reclaimer } from '../../src/ports/memory.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'ssp-memory-'))
const SIZE = 24 * 1024 ** 2
let server: http.Server
let url: string

beforeAll(async () => {
  const chunk = Buffer.alloc(64 * 1024, 3)
  server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-length': String(SIZE) })
    let sent = 0
    const more = () => {
      while (sent < SIZE) {
        sent += chunk.length
        if (!res.write(chunk)) return void res.once('drain', more)
      }
      res.end()
    }
    more()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/asset`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
  rmSync(dir, { recursive: true, force: true })
})

/** Young-generation collections that ran while `fn` did. */
async function minorCollections(fn: () => Promise<unknown> | unknown): Promise<number> {
  let count = 0
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) count++
  })
  obs.observe({ entryTypes: ['gc'] })
  await fn()
  await sleep(50) // gc entries are delivered after the collection, on a later tick
  obs.disconnect()
  return count
}

describe('reclaimer', () => {
  it('runs one young-generation collection per RECLAIM_EVERY bytes', async () => {
    const reclaim = reclaimer()
    const many = await minorCollections(() => {
      for (let i = 0; i < 4 * 16; i++) reclaim(RECLAIM_EVERY / 16)
    })
    expect(many).toBeGreaterThanOrEqual(4)
  })

  it('runs while a download streams: a 24 MiB body is collected every 2 MiB or so', async () => {
    const dest = path.join(dir, 'asset')
    const got = await minorCollections(() => createHttp({ deadlineMs: 30_000 }).download(url, dest))
    expect(statSync(dest).size).toBe(SIZE)
    // SIZE / RECLAIM_EVERY = 12; batches end at 256 KiB steps, so a few fewer may fire
    expect(got).toBeGreaterThanOrEqual(SIZE / RECLAIM_EVERY - 2)
  })
})
