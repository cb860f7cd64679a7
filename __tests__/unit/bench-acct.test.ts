// The bench's reading of `sa -u` (GNU acct 6.6): a smoke step's CPU by program, the runner
// user's processes only, node under its own name.
import { describe, expect, test } from '@jest/globals'
import { parseSaUser } from '../../bench/acct.js'

/** As `sa -u pacct` printed it here (trimmed): the command may hold spaces, `*` marks a fork. */
const SA = [
  'root       0.29 cpu   367488k mem   3140 io npm run bench   ',
  'tester     0.11 cpu   354048k mem   1155 io podman          ',
  'tester     0.10 cpu   354048k mem   1155 io podman          *',
  'tester     0.02 cpu     1939k mem    287 io crun            ',
  'tester     0.00 cpu     2218k mem     95 io conmon          *',
  'tester     0.34 cpu   101984k mem   1137 io MainThread      ',
  'tester     0.20 cpu     1060k mem   2049 io tar             ',
  'tester     1.25 cpu     1060k mem   2049 io my tool         ',
  '',
].join('\n')

describe('parseSaUser', () => {
  test('sums CPU and processes by program, the largest first, root left out', () => {
    const by = parseSaUser(SA)
    expect(by.map((p) => p.program)).toEqual(['my tool', 'node', 'podman', 'tar', 'crun', 'conmon'])
    const podman = by.find((p) => p.program === 'podman')
    expect(podman?.procs).toBe(2)
    expect(podman?.cpuS).toBeCloseTo(0.21, 5)
    expect(by.find((p) => p.program === 'npm run bench')).toBeUndefined()
  })

  test('a line of another shape counts for nothing', () => {
    expect(parseSaUser('sa: ERROR -- print_stats_nicely called with num_calls == 0\n')).toEqual([])
  })
})
