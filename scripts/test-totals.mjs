// Prints one plain closing line for the whole run from jest's JSON reports.
import { readFileSync } from 'node:fs'

let passed = 0
let failed = 0
let skipped = 0
for (const file of process.argv.slice(2)) {
  try {
    const r = JSON.parse(readFileSync(file, 'utf8'))
    passed += r.numPassedTests
    failed += r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0)
    skipped += r.numPendingTests + r.numTodoTests
  } catch {
    failed += 1 // a suite that wrote no report did not pass
    console.log(`no report: ${file}`)
  }
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`)
