// The environment every child gets: the job's own, minus what authenticates the job. tar,
// zstd, ldd, each podman found on PATH, the installed podman and whatever it leaves running
// (conmon, pasta, containers) have no use for the action's inputs, the runner's service
// tokens or the repository token, and a child that logs or leaks its environment must not
// carry them.
const DROPPED = [/^INPUT_/i, /^ACTIONS_/i, /^GITHUB_TOKEN$/i, /^GH_TOKEN$/i, /^GH_ENTERPRISE_TOKEN$/i]

const secrets = new Set<string>()

/** A value (the token) no child may see under any name. */
export function registerSecret(value: string): void {
  if (value.length >= 4) secrets.add(value)
}

export function scrubEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || DROPPED.some((re) => re.test(k))) continue
    if ([...secrets].some((s) => v.includes(s))) continue
    out[k] = v
  }
  return out
}

/** The process environment, scrubbed: what a child gets when the caller names none. */
export const childEnv = (env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv => scrubEnv(env)
