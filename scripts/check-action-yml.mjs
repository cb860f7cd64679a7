// action-validator's schema predates `runs.using: node24`, the runtime the runner uses
// today. Validate every action file with that one value swapped for the newest the schema
// knows, and check separately that node24 is what the file declares.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const files = ['action.yml', 'report/action.yml']
const dir = mkdtempSync(path.join(os.tmpdir(), 'action-yml-'))
let failed = false
for (const file of files) {
  let text
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    continue // report/action.yml arrives with the report action
  }
  if (!/^\s+using: node24\s*$/m.test(text)) {
    console.error(`${file}: runs.using must be node24`)
    failed = true
  }
  const copy = path.join(dir, path.basename(path.dirname(path.resolve(file))) + '-action.yml')
  writeFileSync(copy, text.replace(/^(\s+using:) node24\s*$/m, '$1 node20'))
  try {
    execFileSync('npx', ['action-validator', copy], { stdio: 'inherit' })
    console.log(`${file}: valid`)
  } catch {
    console.error(`${file}: action-validator found errors`)
    failed = true
  }
}
process.exit(failed ? 1 : 0)
