// Command line for scripts that run the action locally against a mirror:
//   cli build --root R --out DIR [--zstd-level N] [--version V] [--variants a,b] [--libcs a,b] [--omit x,y]
//   cli serve --repo OWNER/NAME=DIR [--repo ...] [--port P] [--page-size N] [--fillers OWNER/NAME] [--token T]
// `build` prints the manifest as JSON; `serve` prints the API URL, then serves until killed.
// `--fillers REPO` puts buildah/skopeo releases, a draft and a prerelease before REPO's own.
import { parseArgs } from 'node:util'
import { buildRelease, type Libc, type Variant } from './mirror/build.js'
import { pigfootFillers, releasesFromDir } from './mirror/fixtures.js'
import { startMirror, type ReleaseSpec } from './mirror/server.js'

const USAGE = `usage:
  cli build --root R --out DIR [--zstd-level N] [--version V] [--variants a,b] [--libcs a,b] [--omit x,y]
  cli serve --repo OWNER/NAME=DIR [--repo ...] [--port P] [--page-size N] [--fillers OWNER/NAME] [--token T]`

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  if (command === 'build') return build(rest)
  if (command === 'serve') return serve(rest)
  throw new UsageError(command ? `unknown command '${command}'` : 'no command')
}

async function build(args: string[]): Promise<void> {
  const { values: v } = parseArgs({
    args,
    strict: true,
    options: {
      root: { type: 'string' },
      out: { type: 'string' },
      'zstd-level': { type: 'string' },
      version: { type: 'string' },
      variants: { type: 'string' },
      libcs: { type: 'string' },
      omit: { type: 'string' },
    },
  })
  if (!v.root || !v.out) throw new UsageError('build needs --root and --out')
  const manifest = await buildRelease({
    root: v.root,
    outDir: v.out,
    version: v.version,
    zstdLevel: v['zstd-level'] === undefined ? undefined : integer(v['zstd-level'], '--zstd-level'),
    variants: list(v.variants) as Variant[] | undefined,
    libcs: list(v.libcs) as Libc[] | undefined,
    omit: list(v.omit),
  })
  process.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`)
}

async function serve(args: string[]): Promise<void> {
  const { values: v } = parseArgs({
    args,
    strict: true,
    options: {
      repo: { type: 'string', multiple: true },
      port: { type: 'string' },
      'page-size': { type: 'string' },
      fillers: { type: 'string', multiple: true },
      token: { type: 'string' },
    },
  })
  if (!v.repo?.length) throw new UsageError('serve needs at least one --repo OWNER/NAME=DIR')
  const repos: Record<string, ReleaseSpec[]> = {}
  for (const spec of v.repo) {
    const eq = spec.indexOf('=')
    if (eq <= 0) throw new UsageError(`--repo ${spec}: expected OWNER/NAME=DIR`)
    const name = spec.slice(0, eq)
    repos[name] ??= v.fillers?.includes(name) ? pigfootFillers() : []
    repos[name].push(...(await releasesFromDir(spec.slice(eq + 1))))
  }
  const mirror = await startMirror({
    repos,
    port: v.port === undefined ? undefined : integer(v.port, '--port'),
    pageSize: v['page-size'] === undefined ? undefined : integer(v['page-size'], '--page-size'),
    token: v.token,
  })
  process.stdout.write(`${mirror.url}\n`)
  const stop = () => void mirror.close().then(() => process.exit(0))
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}

class UsageError extends Error {}

const list = (s: string | undefined) => (s === undefined ? undefined : s.split(',').filter(Boolean))

function integer(s: string, what: string): number {
  const n = Number(s)
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${what} must be a non-negative integer, not '${s}'`)
  return n
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${usage ? `${USAGE}\n` : ''}`)
  process.exit(usage ? 2 : 1)
})
