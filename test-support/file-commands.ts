// Reads what an action step wrote the way the runner does: the GITHUB_OUTPUT / STATE / ENV
// files (`name<<delimiter` heredocs and plain `name=value`), GITHUB_PATH lines, and the
// `::error::`-style workflow commands and secret masks in its stdout.

/** Parses a key-value file command file; later values win, like the runner. */
export function parseKeyValueFile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (line === '') continue
    const heredoc = /^([^=]+?)<<(.+)$/.exec(line)
    const eq = line.indexOf('=')
    if (heredoc && (eq < 0 || eq > line.indexOf('<<'))) {
      const [, name, delimiter] = heredoc
      const end = lines.indexOf(delimiter, i + 1)
      if (end < 0) throw new Error(`file command ${name}: no closing delimiter ${delimiter}`)
      out[name] = lines.slice(i + 1, end).join('\n')
      i = end
    } else if (eq > 0) {
      out[line.slice(0, eq)] = line.slice(eq + 1)
    } else {
      throw new Error(`file command line is neither name=value nor name<<delimiter: ${line}`)
    }
  }
  return out
}

export function parsePathFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
}

export interface WorkflowCommands {
  errors: string[]
  warnings: string[]
  /** values registered with `::add-mask::` */
  masks: string[]
}

export function parseWorkflowCommands(stdout: string): WorkflowCommands {
  const found: WorkflowCommands = { errors: [], warnings: [], masks: [] }
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^::(error|warning|add-mask)(?: [^:]*)?::(.*)$/.exec(line)
    if (!m) continue
    const message = unescapeData(m[2])
    if (m[1] === 'error') found.errors.push(message)
    else if (m[1] === 'warning') found.warnings.push(message)
    else if (message) found.masks.push(message)
  }
  return found
}

/** What the job log would show: add-mask lines gone, every masked value as `***`. */
export function maskedLog(text: string, masks: readonly string[]): string {
  let out = text
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n')
  for (const secret of [...masks].sort((a, b) => b.length - a.length)) out = out.replaceAll(secret, '***')
  return out
}

function unescapeData(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
}
