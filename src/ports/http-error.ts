export class HttpError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly rateLimited = false,
    /** how long the server asked us to wait (Retry-After), or `final`: another try cannot help */
    readonly retry: { afterMs?: number; final?: boolean } = {},
  ) {
    super(message)
  }
}
