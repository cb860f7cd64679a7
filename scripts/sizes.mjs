// Files over 300 lines and functions over 40 lines in src/. Biome has no such rule, so the
// TypeScript compiler's own parser finds the functions. A function may run longer when a
// comment right before it (on it or on the statement that holds it) says why with the words
// "long because".
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import ts from 'typescript'

const MAX_FILE = 300
const MAX_FUNCTION = 40
const WHY = /long because/i

function tsFiles(d) {
  return readdirSync(d, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(d, e.name)
    if (e.isDirectory()) return tsFiles(p)
    return /\.m?ts$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : []
  })
}

const isFunction = (n) =>
  ts.isFunctionDeclaration(n) ||
  ts.isMethodDeclaration(n) ||
  ts.isArrowFunction(n) ||
  ts.isFunctionExpression(n) ||
  ts.isConstructorDeclaration(n) ||
  ts.isGetAccessorDeclaration(n) ||
  ts.isSetAccessorDeclaration(n)

const holdsComment = (n) => ts.isStatement(n) || ts.isClassElement(n) || ts.isPropertyAssignment(n)

/** The comments before the function and before each node up to the one that holds it. */
function saysWhy(text, node) {
  for (let n = node; n && !ts.isSourceFile(n); n = n.parent) {
    const comments = ts.getLeadingCommentRanges(text, n.getFullStart()) ?? []
    if (comments.some((c) => WHY.test(text.slice(c.pos, c.end)))) return true
    if (holdsComment(n)) return false
  }
  return false
}

function functionName(node, sf) {
  if (node.name) return node.name.getText(sf)
  const p = node.parent
  if ((ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p)) && p.name) return p.name.getText(sf)
  if (ts.isConstructorDeclaration(node)) return 'constructor'
  return '(anonymous)'
}

export function sizeProblems(root = 'src') {
  const problems = []
  const counts = { files: 0, functions: 0 }
  for (const file of tsFiles(root)) {
    const text = readFileSync(file, 'utf8')
    const lines = text.replace(/\n$/, '').split('\n').length
    if (lines > MAX_FILE) {
      counts.files++
      problems.push(`${file}: ${lines} lines (over ${MAX_FILE}: split it)`)
    }
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
    const visit = (node) => {
      if (isFunction(node) && node.body) {
        const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line
        const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line
        const length = end - start + 1
        if (length > MAX_FUNCTION && !saysWhy(text, node)) {
          counts.functions++
          const where = `${file}:${start + 1}`
          problems.push(
            `${where}: ${functionName(node, sf)} is ${length} lines (over ${MAX_FUNCTION}: split it or say why)`,
          )
        }
      }
      ts.forEachChild(node, visit)
    }
    visit(sf)
  }
  return { problems, counts }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { problems, counts } = sizeProblems()
  for (const p of problems) console.error(p)
  console.log(
    `files over ${MAX_FILE} lines: ${counts.files}; functions over ${MAX_FUNCTION} lines: ${counts.functions}`,
  )
  process.exit(problems.length ? 1 : 0)
}
