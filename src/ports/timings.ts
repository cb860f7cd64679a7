// Where the step's time goes, phase by phase, for the job summary, the smoke report and
// `npm run bench`: the next slowdown is found at a glance. The clock is a port like the
// others: install, sources, host and step time through it and the report only reads its
// times, so it sits at the leaf of the import graph (under report/ it closed a folder cycle).
export type Phase = 'resolve' | 'download' | 'verify' | 'unpack' | 'gate' | 'info' | 'smoke'
/** milliseconds per phase; a phase that did not run is absent */
export type PhaseTimes = Partial<Record<Phase, number>>

export const PHASES: readonly Phase[] = ['resolve', 'download', 'verify', 'unpack', 'gate', 'info', 'smoke']

export interface Clock {
  readonly times: PhaseTimes
  /**
   * Runs `fn` and adds its time to `phase` (a phase that runs twice adds up). Phases nest: a
   * phase timed inside another (podman info inside the gate) counts only for itself, so the
   * phases add up to the step's time.
   */
  time<T>(phase: Phase, fn: () => Promise<T>): Promise<T>
  /** milliseconds since the clock started */
  elapsed(): number
}

export function startClock(now: () => number = () => performance.now()): Clock {
  const start = now()
  const times: PhaseTimes = {}
  const open = new Set<{ inner: number }>()
  return {
    times,
    async time(phase, fn) {
      const frame = { inner: 0 }
      const outer = [...open]
      open.add(frame)
      const t = now()
      try {
        return await fn()
      } finally {
        const ms = now() - t
        open.delete(frame)
        for (const o of outer) o.inner += ms
        times[phase] = Math.round((times[phase] ?? 0) + ms - frame.inner)
      }
    },
    elapsed: () => Math.round(now() - start),
  }
}
