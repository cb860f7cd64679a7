// Where the token may go. The job's own token (input job-token, `${{ github.token }}`)
// belongs to the runner's GitHub: it goes to the origin of the runner's GITHUB_API_URL and
// that service's server (GITHUB_SERVER_URL, where release downloads live), nowhere else.
// Another api-url gets a token only when the user passes github-token for it. Never over
// plain http, except to loopback (a local mirror).
export const GITHUB_API = 'https://api.github.com'
const GITHUB_SERVER = 'https://github.com'

export interface TokenInputs {
  apiUrl: string
  /** github-token: passed explicitly by the workflow */
  token: string
  /** job-token: the job's own token, for the runner's GitHub only */
  jobToken?: string
}

export interface TokenPlan {
  token?: string
  tokenOrigins: string[]
  /** why no token goes out, when one was available (for the log) */
  withheld?: string
}

const LOOPBACK = /^(127(\.\d{1,3}){3}|\[::1\]|localhost)$/

/** https, or http to this machine: nothing else may carry a token. */
export const mayCarryToken = (u: URL): boolean =>
  u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.test(u.hostname))

const originOf = (url: string): string => new URL(url).origin

export function tokenPlan(i: TokenInputs, env: NodeJS.ProcessEnv): TokenPlan {
  const runnerApi = originOf(env.GITHUB_API_URL || GITHUB_API)
  const runnerServer = originOf(env.GITHUB_SERVER_URL || GITHUB_SERVER)
  const api = originOf(i.apiUrl)
  const origins = [...new Set(api === runnerApi ? [api, runnerServer] : [api])].filter((o) => mayCarryToken(new URL(o)))
  if (i.token) return { token: i.token, tokenOrigins: origins }
  if (!i.jobToken) return { tokenOrigins: [] }
  if (api !== runnerApi)
    return {
      tokenOrigins: [],
      withheld:
        `api-url ${api} is not this runner's GitHub (${runnerApi}): the job's token is not sent there; ` +
        `pass github-token for it`,
    }
  return { token: i.jobToken, tokenOrigins: origins }
}
