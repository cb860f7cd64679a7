// Scripted misbehaviour, as data: which requests it hits and what happens to each of them.
import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { type Readable, Transform } from 'node:stream'

export type FaultAction =
  /** answer normally */
  | 'ok'
  /** this status with a GitHub-style JSON error body (200 means answer normally) */
  | { status: number }
  /** 403 with `x-ratelimit-remaining: 0` and `x-ratelimit-reset: <epoch seconds>` */
  | { rateLimit: { reset?: number } }
  /** only the first half of the body; with the full Content-Length announced, or close-delimited */
  | { truncate: { withLength: boolean } }
  /** TCP reset right after the headers, or after half the body */
  | { reset: 'after-headers' | 'mid-body' }
  /** headers and the first bytes, then silence until the client gives up or the mirror closes */
  | { stall: { afterBytes?: number } }
  /** the full body with one byte inverted (offset defaults to the middle) */
  | { flipByte: { offset?: number } }

export interface Fault {
  /** exact URL path, with or without the query string */
  path?: string
  /** matches downloads of assets whose name satisfies it (the byte-serving URL only) */
  asset?: (name: string) => boolean
  /** shorthands, one per fault; a status list is a sequence whose last entry repeats */
  status?: number | readonly number[]
  rateLimit?: true | { reset?: number }
  truncate?: { withLength: boolean }
  reset?: 'after-headers' | 'mid-body'
  stall?: true | { afterBytes?: number }
  flipByte?: true | { offset?: number }
  /** the general form: one action per matching request, the last repeats */
  sequence?: readonly FaultAction[]
}

export interface FaultTarget {
  pathname: string
  search: string
  /** set when the request downloads an asset's bytes */
  assetName?: string
}

interface Armed {
  fault: Fault
  actions: readonly FaultAction[]
  hits: number
}

export class FaultTable {
  private armed: Armed[] = []

  set(faults: readonly Fault[]): void {
    this.armed = faults.map((fault) => ({ fault, actions: actionsOf(fault), hits: 0 }))
  }

  /** The action for this request (advancing the first matching fault's sequence), if any. */
  next(t: FaultTarget): FaultAction | undefined {
    const hit = this.armed.find(({ fault }) => matches(fault, t))
    if (!hit) return undefined
    return hit.actions[Math.min(hit.hits++, hit.actions.length - 1)]
  }
}

function matches(f: Fault, t: FaultTarget): boolean {
  if (f.path !== undefined) return f.path === t.pathname || f.path === t.pathname + t.search
  return f.asset !== undefined && t.assetName !== undefined && f.asset(t.assetName)
}

function actionsOf(f: Fault): readonly FaultAction[] {
  const given: FaultAction[][] = []
  if (f.sequence) given.push([...f.sequence])
  if (f.status !== undefined) {
    const list = typeof f.status === 'number' ? [f.status] : f.status
    given.push(list.map((s) => (s === 200 ? 'ok' : { status: s })))
  }
  if (f.rateLimit) given.push([{ rateLimit: f.rateLimit === true ? {} : f.rateLimit }])
  if (f.truncate) given.push([{ truncate: f.truncate }])
  if (f.reset) given.push([{ reset: f.reset }])
  if (f.stall) given.push([{ stall: f.stall === true ? {} : f.stall }])
  if (f.flipByte) given.push([{ flipByte: f.flipByte === true ? {} : f.flipByte }])
  if (given.length !== 1 || given[0].length === 0) {
    throw new Error(`a fault needs exactly one non-empty action (status, rateLimit, ..., or sequence): ${describe(f)}`)
  }
  if (f.path === undefined && f.asset === undefined) throw new Error(`a fault needs path or asset: ${describe(f)}`)
  return given[0]
}

const describe = (f: Fault) => JSON.stringify({ ...f, asset: f.asset ? '<predicate>' : undefined })

/** A response body that can be read whole or in part, more than once. */
export interface Body {
  size: number
  open(range?: { start: number; end: number }): Readable
}

export interface Reply {
  status: number
  headers: Record<string, string>
  body: Body
}

/** Sends `reply`, damaged as `action` says. Resolves once the response is over. */
export function sendReply(res: ServerResponse, reply: Reply, action: FaultAction | undefined, head: boolean): void {
  const { body } = reply
  const half = Math.floor(body.size / 2)
  const headers = { ...reply.headers, 'content-length': String(body.size) }
  const socket = res.socket as Socket
  if (!action || action === 'ok' || 'status' in action || 'rateLimit' in action || head) {
    res.writeHead(reply.status, headers)
    if (head) res.end()
    else body.open().pipe(res)
  } else if ('truncate' in action) {
    if (!action.truncate.withLength) {
      sendCloseDelimited(res, reply, half)
      return
    }
    res.writeHead(reply.status, headers)
    pipeThen(body.open({ start: 0, end: half }), res, () => socket.end())
  } else if ('reset' in action) {
    res.writeHead(reply.status, headers)
    res.flushHeaders()
    const upTo = action.reset === 'mid-body' ? half : 0
    pipeThen(body.open({ start: 0, end: upTo }), res, () => whenFlushed(socket, () => socket.resetAndDestroy()))
  } else if ('stall' in action) {
    res.writeHead(reply.status, headers)
    res.flushHeaders()
    const upTo = Math.min(action.stall.afterBytes ?? 1024, half)
    pipeThen(body.open({ start: 0, end: upTo }), res, () => undefined) // and then nothing, ever
  } else {
    res.writeHead(reply.status, headers)
    body
      .open()
      .pipe(flipAt(action.flipByte.offset ?? half))
      .pipe(res)
  }
}

/** No Content-Length and no chunking: the body ends when the connection does. */
function sendCloseDelimited(res: ServerResponse, reply: Reply, upTo: number): void {
  res.useChunkedEncodingByDefault = false
  res.shouldKeepAlive = false
  res.writeHead(reply.status, { ...reply.headers, connection: 'close' })
  reply.body.open({ start: 0, end: upTo }).pipe(res)
}

/** Streams [start, end) into res without ending it, then calls done. */
function pipeThen(src: Readable, res: ServerResponse, done: () => void): void {
  src.on('end', done)
  src.pipe(res, { end: false })
}

/** Calls fn once everything written so far has left for the kernel. */
function whenFlushed(socket: Socket, fn: () => void): void {
  socket.write(Buffer.alloc(0), () => fn())
}

function flipAt(offset: number): Transform {
  let seen = 0
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (offset >= seen && offset < seen + chunk.length) {
        chunk = Buffer.from(chunk)
        chunk[offset - seen] ^= 0xff
      }
      seen += chunk.length
      cb(null, chunk)
    },
  })
}
