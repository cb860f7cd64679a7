// Import cycles in src/, at file and at folder level. dpdm reads the import graph (type-only
// and dynamic imports count: either still ties two modules together). The folder graph
// collapses each file to its top folder under src/ (src/host/gate.ts -> host/; a file at the
// root stays itself), so host/ -> install/ -> host/ is a cycle even when no two files form one.
import path from 'node:path'
import { parseCircular, parseDependencyTree } from 'dpdm'

const SRC = path.resolve('src')
const rel = (f) => path.relative(process.cwd(), path.resolve(f))
const inSrc = (f) => f && path.resolve(f).startsWith(`${SRC}${path.sep}`)
const folderOf = (f) => {
  const [top, ...rest] = path.relative(SRC, path.resolve(f)).split(path.sep)
  return rest.length ? `${top}/` : top
}

/** Strongly connected components with more than one node (Tarjan), each sorted. */
function cyclicGroups(edges) {
  const index = new Map()
  const low = new Map()
  const stack = []
  const groups = []
  const visit = (v) => {
    index.set(v, index.size)
    low.set(v, index.get(v))
    stack.push(v)
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v), low.get(w)))
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v), index.get(w)))
    }
    if (low.get(v) !== index.get(v)) return
    const group = []
    for (let w = stack.pop(); ; w = stack.pop()) {
      group.push(w)
      if (w === v) break
    }
    if (group.length > 1) groups.push(group.sort())
  }
  for (const v of edges.keys()) if (!index.has(v)) visit(v)
  return groups
}

export async function importCycles() {
  const tree = await parseDependencyTree('src/**/*.ts', { tsconfig: 'tsconfig.json', transform: false })
  const problems = parseCircular(tree).map((c) => `file cycle: ${[...c, c[0]].map(rel).join(' -> ')}`)
  const edges = new Map()
  const example = new Map()
  for (const [file, deps] of Object.entries(tree)) {
    if (!inSrc(file)) continue
    const from = folderOf(file)
    if (!edges.has(from)) edges.set(from, new Set())
    for (const d of deps ?? []) {
      if (!inSrc(d.id) || folderOf(d.id) === from) continue
      edges.get(from).add(folderOf(d.id))
      if (!example.has(`${from} ${folderOf(d.id)}`))
        example.set(`${from} ${folderOf(d.id)}`, `${rel(file)} -> ${rel(d.id)}`)
    }
  }
  for (const group of cyclicGroups(edges)) {
    const inside = group.flatMap((a) => group.filter((b) => edges.get(a).has(b)).map((b) => example.get(`${a} ${b}`)))
    problems.push(`folder cycle: ${group.join(', ')}\n    ${inside.join('\n    ')}`)
  }
  return problems
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const problems = await importCycles()
  for (const p of problems) console.error(p)
  console.log(problems.length ? `${problems.length} import cycle(s)` : 'no import cycles (file or folder level)')
  process.exit(problems.length ? 1 : 0)
}
