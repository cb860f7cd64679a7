// Where the step's time goes, phase by phase, for the job summary, the smoke report and
// `npm run bench`: the next slowdown is found at a glance.
export type Phase = 'resolve' | 'download' | 'verify' | 'unpack' | 'gate' | 'info' | 'smoke'
/** milliseconds per phase; a phase that did not run is absent */
export type PhaseTimes = Partial<Record<Phase, number>>

export const PHASES: readonly Phase[] = ['resolve', 'download', 'verify', 'unpack', 'gate', 'info', 'smoke']

export interface Clock {
  readonly times: PhaseTimes
  /** runs `fn` and adds its duration to `phase` (phases that run twice add up) */
  time<T>(phase: Phase, fn: () => Promise<T>): Promise<T>
  /** milliseconds since the clock started */
  elapsed(): number
}

export function startClock(now: () => number = () => performance.now()): Clock {
  const start = now()
  const times: PhaseTimes = {}
  return {
    times,
    async time(phase, fn) {
      const t = now()
      try {
        return await fn()
      } finally {
        times[phase] = Math.round((times[phase] ?? 0) + now() - t)
      }
    },
    elapsed: () => Math.round(now() - start),
  }
}
