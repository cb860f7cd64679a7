// What podman printed, turned into a check's words: the JSON line a container program
// prints, and a failed command's reason with a hint where podman's message hides the cause.
import { lastLine } from '../ports/exec.js'
import type { ExecResult } from '../ports/types.js'

/** Known podman messages whose cause is not in the message itself. */
const HINTS: [RegExp, string][] = [
  [
    /failed to mount runtime directory for rootless netns/,
    'podman < 5 leaves a stale $XDG_RUNTIME_DIR/netns/rootless-netns-* after a failed network helper start; ' +
      'remove it (it is not a mount) or use a fresh XDG_RUNTIME_DIR',
  ],
]

export function failureText(r: ExecResult, timeoutMs: number): string {
  if (r.timedOut) return `timed out (smoke-timeout ${timeoutMs / 1000} s)`
  const hint = HINTS.find(([re]) => re.test(r.stderr))?.[1]
  return `failed (exit ${r.exitCode}): ${lastLine(r)}${hint ? ` (hint: ${hint})` : ''}`
}

export function jsonLine<T>(stdout: string): T | undefined {
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.trim().startsWith('{'))
  try {
    return line ? (JSON.parse(line) as T) : undefined
  } catch {
    return undefined
  }
}
