// action.yml is the contract: every input the code reads is declared (and nothing else),
// every output the code sets is declared, and the defaults parse.
import { afterEach, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import yaml from 'js-yaml'
import { Outputs } from '../../src/step/outputs.js'
import { getInputs } from '../../src/inputs.js'
import { actionsEnv, type ActionsEnv } from '../helpers/actions-env.js'

interface ActionYml {
  inputs: Record<string, { description: string; default?: string }>
  outputs: Record<string, { description: string }>
  runs: { using: string; main: string; post: string }
}
const action = yaml.load(readFileSync('action.yml', 'utf8')) as ActionYml

let env: ActionsEnv | undefined
afterEach(() => env?.restore())

/** Records which INPUT_* variables getInputs() reads. */
function inputsRead(): Set<string> {
  const read = new Set<string>()
  const real = process.env
  process.env = new Proxy(real, {
    get(target, key) {
      if (typeof key === 'string' && key.startsWith('INPUT_')) read.add(key.slice(6).toLowerCase())
      return Reflect.get(target, key)
    },
  })
  try {
    getInputs()
  } finally {
    process.env = real
  }
  return read
}

describe('action.yml', () => {
  it('declares exactly the inputs the code reads', () => {
    env = actionsEnv()
    expect([...inputsRead()].sort()).toEqual(Object.keys(action.inputs).sort())
  })

  it('declares exactly the outputs the code sets', () => {
    expect(Object.values(Outputs).sort()).toEqual(Object.keys(action.outputs).sort())
  })

  it('runs on node24 with main and post bundles', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/main.cjs', post: 'dist/post.cjs' })
  })

  it('has defaults that parse, with the token coming from the workflow', () => {
    const defaults = Object.fromEntries(Object.entries(action.inputs).map(([k, v]) => [k, v.default ?? '']))
    defaults['job-token'] = 'ghs_example'
    env = actionsEnv(defaults)
    expect(() => getInputs()).not.toThrow()
    // the job's token is a default only for the runner's own GitHub; github-token is explicit
    expect(action.inputs['job-token'].default).toBe('${{ github.token }}')
    expect(action.inputs['github-token'].default).toBe('')
  })
})

describe('README', () => {
  const readme = readFileSync('README.md', 'utf8')
  it('documents every input and output', () => {
    const missing = [...Object.keys(action.inputs), ...Object.keys(action.outputs)].filter(
      (n) => !readme.includes(`\`${n}\``),
    )
    expect(missing).toEqual([])
  })
})
