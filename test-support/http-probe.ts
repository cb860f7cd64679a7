// A low-level HTTP GET that reports exactly what arrived and how the response ended, so
// tests can tell a truncated, reset or stalled body apart (fetch would hide the difference).
import { get, type IncomingHttpHeaders } from 'node:http'

type Ending =
  /** the body ended as its framing said it would */
  | 'complete'
  /** the connection closed before the announced length arrived */
  | 'incomplete'
  /** a socket error (ECONNRESET, ...) */
  | 'error'
  /** nothing arrived for idleMs; the request is still open (see `finished`) */
  | 'idle'

export interface ProbeResult {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
  ending: Ending
  error?: string
  /** settles when the connection is finally over, with how it ended */
  finished: Promise<Exclude<Ending, 'idle'>>
  /** aborts the request (after an idle result) */
  abort(): void
}

export interface ProbeOptions {
  headers?: Record<string, string>
  /** resolve as 'idle' after this long without data (default 2000 ms) */
  idleMs?: number
}

export function probe(url: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const idleMs = opts.idleMs ?? 2000
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let settleFinished: (e: Exclude<Ending, 'idle'>) => void = () => undefined
    const finished = new Promise<Exclude<Ending, 'idle'>>((r) => (settleFinished = r))
    let report: ((ending: Ending, error?: string) => void) | undefined
    const req = get(url, { headers: { connection: 'close', ...opts.headers } }, (res) => {
      let idle: NodeJS.Timeout | undefined
      let reported = false
      report = (ending, error) => {
        clearTimeout(idle)
        if (ending !== 'idle') settleFinished(ending)
        if (reported) return
        reported = true
        const body = Buffer.concat(chunks)
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          ending,
          error,
          finished,
          abort: () => req.destroy(),
        })
      }
      const arm = () => {
        clearTimeout(idle)
        if (!reported) idle = setTimeout(() => report?.('idle'), idleMs)
      }
      arm()
      res.on('data', (b: Buffer) => {
        chunks.push(b)
        arm()
      })
      res.on('end', () => report?.(res.complete ? 'complete' : 'incomplete'))
      // A FIN before the announced length surfaces here as 'aborted'; a reset also hits req.
      res.on('error', (e) => report?.(res.complete ? 'complete' : 'incomplete', e.message))
      res.on('close', () => report?.(res.complete ? 'complete' : 'incomplete'))
    })
    req.on('error', (e) => {
      if (report) report('error', (e as NodeJS.ErrnoException).code ?? e.message)
      else reject(e)
    })
  })
}
