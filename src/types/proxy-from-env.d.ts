// proxy-from-env 2 ships no types (DefinitelyTyped's describe its 1.x API).
declare module 'proxy-from-env' {
  /** The proxy URL for `url` from the *_PROXY / NO_PROXY variables in process.env, or ''. */
  export function getProxyForUrl(url: string | URL): string
}
