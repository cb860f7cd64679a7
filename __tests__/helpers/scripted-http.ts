// The one scripted Http port of the unit tests: URLs answered from data, every request
// recorded, an unknown URL (or a number) answered as the real client fails for that status.
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { HttpError } from '../../src/ports/http.js'
import type { Http } from '../../src/ports/types.js'

/** bytes, or the HTTP status the real client would throw HttpError for */
export type Answer = string | Buffer | number | undefined

export interface Script {
  /** getJson: the body, and the Link header of a paged listing */
  json?: (url: string) => { body: unknown; link?: string } | undefined
  /** download */
  file?: (url: string) => Answer
}

export interface ScriptedHttp extends Http {
  /** every URL asked for, in order */
  requests: string[]
}

const statusError = (status = 404) => new HttpError(`HTTP ${status}`, status)

export function scriptedHttp(script: Script): ScriptedHttp {
  const requests: string[] = []
  return {
    requests,
    async getJson(url, opts = {}) {
      opts.signal?.throwIfAborted()
      requests.push(url)
      const page = script.json?.(url)
      if (!page) throw statusError()
      return { body: page.body, headers: new Headers(page.link ? { link: page.link } : {}) }
    },
    async download(url, dest, opts = {}) {
      opts.signal?.throwIfAborted()
      requests.push(url)
      const body = script.file?.(url)
      if (body === undefined || typeof body === 'number') throw statusError(body)
      writeFileSync(dest, body)
      return { path: dest, bytes: Buffer.byteLength(body), sha256: createHash('sha256').update(body).digest('hex') }
    },
  }
}
