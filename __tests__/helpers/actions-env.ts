// The real @actions/core and tool-cache read their files and dirs from the environment
// at call time: point them at a fresh temp dir per test.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export interface ActionsEnv {
  dir: string
  read(file: 'output' | 'state' | 'env' | 'path' | 'summary'): string
  restore(): void
}

const FILES = {
  output: 'GITHUB_OUTPUT',
  state: 'GITHUB_STATE',
  env: 'GITHUB_ENV',
  path: 'GITHUB_PATH',
  summary: 'GITHUB_STEP_SUMMARY',
} as const

export function actionsEnv(inputs: Record<string, string> = {}, extra: Record<string, string> = {}): ActionsEnv {
  const saved = { ...process.env }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ssp-unit-'))
  for (const k of Object.keys(process.env)) if (k.startsWith('INPUT_') || k.startsWith('STATE_')) delete process.env[k]
  for (const [name, file] of Object.entries(FILES)) {
    const p = path.join(dir, name)
    writeFileSync(p, '')
    process.env[file] = p
  }
  process.env.RUNNER_TEMP = path.join(dir, 'temp')
  process.env.RUNNER_TOOL_CACHE = path.join(dir, 'tool-cache')
  for (const [k, v] of Object.entries(inputs)) process.env[`INPUT_${k.replace(/ /g, '_').toUpperCase()}`] = v
  Object.assign(process.env, extra)
  return {
    dir,
    read: (f) => readFileSync(path.join(dir, f), 'utf8'),
    restore: () => {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k]
      Object.assign(process.env, saved)
    },
  }
}

/** Parses `name<<delimiter ... delimiter` file commands (and plain name=value lines). */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i])
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1)
      out[heredoc[1]] = lines.slice(i + 1, end).join('\n')
      i = end
    } else if (lines[i].includes('=')) {
      const at = lines[i].indexOf('=')
      out[lines[i].slice(0, at)] = lines[i].slice(at + 1)
    }
  }
  return out
}

export interface StdoutCapture {
  text(): string
  restore(): void
}

/** core.info/warning/error write workflow commands to stdout: capture them. */
export function captureStdout(): StdoutCapture {
  const chunks: string[] = []
  const original = process.stdout.write.bind(process.stdout)
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))
    return true
  }) as typeof process.stdout.write
  return {
    text: () => chunks.join(''),
    restore: () => {
      process.stdout.write = original
    },
  }
}
