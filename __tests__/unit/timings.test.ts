// The step's phase clock: phases add up, nested phases count only for themselves.
import { describe, expect, it } from '@jest/globals'
import { type PhaseTimes, startClock } from '../../src/ports/timings.js'

const total = (t: PhaseTimes): number => Object.values(t).reduce((n, ms) => n + ms, 0)

/** A clock whose time moves only when the test says so. */
function manualTime() {
  let t = 1000
  return { now: () => t, advance: (ms: number) => (t += ms) }
}

describe('startClock', () => {
  it('records each phase, adds repeats up, and leaves phases that did not run out', async () => {
    const m = manualTime()
    const clock = startClock(m.now)
    await clock.time('download', async () => m.advance(300))
    await clock.time('verify', async () => m.advance(40))
    await clock.time('download', async () => m.advance(100))
    expect(clock.times).toEqual({ download: 400, verify: 40 })
    expect(total(clock.times)).toBe(440)
  })

  it('counts a nested phase only for itself, so the phases add up to the wall time', async () => {
    const m = manualTime()
    const clock = startClock(m.now)
    await clock.time('gate', async () => {
      m.advance(50)
      await clock.time('info', async () => m.advance(700))
      m.advance(25)
    })
    expect(clock.times).toEqual({ gate: 75, info: 700 })
    expect(total(clock.times)).toBe(775)
  })

  it('records the time of a phase that throws, and rethrows', async () => {
    const m = manualTime()
    const clock = startClock(m.now)
    const failing = clock.time('unpack', async () => {
      m.advance(90)
      throw new Error('audit failed')
    })
    await expect(failing).rejects.toThrow('audit failed')
    expect(clock.times).toEqual({ unpack: 90 })
  })
})
