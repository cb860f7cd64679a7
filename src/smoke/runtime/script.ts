// What a runtime-check container is asked and answers, and the program it runs: `node -e
// RUNTIME_SCRIPT '<json>'`, whose source is runtime-script.ts.

export type RuntimeRequest =
  | { mode: 'manifest'; root: string }
  | { mode: 'mutate'; root: string; seed: string }
  /** dir: a volume to write `ready` and `signal` into, besides stdout */
  | { mode: 'init'; dir?: string }
  | { mode: 'limits' }

export interface Entry {
  type: 'file' | 'dir' | 'symlink'
  mode: string
  size?: number
  sha256?: string
  /** files sharing an inode share this (the first path of the group) */
  linkGroup?: string
  target?: string
  xattrs?: Record<string, string>
}

export interface Manifest {
  entries: Record<string, Entry>
  /** what the mutations met on the way (an EXDEV directory rename) */
  notes?: string[]
}

export interface ReapResult {
  pid1: string
  zombies: string[]
}

export interface LimitsResult {
  controllers: string
  files: Record<string, string>
}

// Defined at build time (scripts/esbuild-options.mjs bundles runtime-script.ts into it); jest
// gets the same string as a global (jest.config.js).
declare const __RUNTIME_SCRIPT__: string
export const RUNTIME_SCRIPT: string = __RUNTIME_SCRIPT__
