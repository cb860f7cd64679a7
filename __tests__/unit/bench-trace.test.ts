// The bench's reading of `strace -f --pidns-translation`: who started each program, also
// when the step runs in a Debian tree's own pid namespace.
import { describe, expect, test } from '@jest/globals'
import { infoCalls, lookupMs, packageLookups, parseTrace } from '../../bench/trace.js'

const NODE = '/opt/node/bin/node'
const PODMAN = '/ws/tool-cache/podman-full-static/5.4.2/amd64/usr/local/bin/podman'

/**
 * A warm step inside a tree, as strace 6.1 prints it (trimmed): the line prefixes are
 * strace's pids, clone() returns the tree's, with strace's in a comment. node (12000, 7 in
 * the tree) asks `podman info`; podman's thread re-executes podman into the user namespace,
 * which looks up conmon's package; node runs pasta --version.
 */
const FORK = 'clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f)'
const THREAD = 'clone3({flags=CLONE_VM|CLONE_THREAD, child_tid=0x7f8f, exit_signal=0, stack=0x7f8e}'
const ns = (inTree: number, outside: number) => `${inTree} /* ${outside} in strace's PID NS */`
const exec = (file: string, argv: string[]) => `execve("${file}", [${argv.map((a) => `"${a}"`).join(', ')}], 0x2d) = 0`
const PASTA = '/ws/tool-cache/podman-full-static/5.4.2/amd64/usr/local/bin/pasta'
const TREE = [
  `12000 ${exec(NODE, [NODE, '/repo/dist/main.cjs'])}`,
  `12000 ${FORK} = ${ns(9, 12010)}`,
  `12010 ${exec(PODMAN, [PODMAN, 'info', '--format', 'json'])}`,
  `12010 ${THREAD} <unfinished ...>`,
  `12000 ${FORK} = ${ns(10, 12012)}`,
  `12010 <... clone3 resumed> => {parent_tid=[11]}, 88) = ${ns(11, 12011)}`,
  `12012 ${exec(PASTA, ['pasta', '--version'])}`,
  `12011 ${FORK} = ${ns(12, 12013)}`,
  `12013 ${exec(PODMAN, [PODMAN, 'info', '--format', 'json'])}`,
  '12013 vfork( <unfinished ...>',
  `12014 ${exec('/usr/bin/dpkg', ['/usr/bin/dpkg', '-S', '/ws/conmon'])}`,
  `12013 <... vfork resumed>)              = ${ns(13, 12014)}`,
  // dpkg -S runs dpkg-query in place (execvp, same pid): still the one lookup
  `12014 ${exec('/usr/bin/dpkg-query', ['dpkg-query', '--search', '--', '/ws/conmon'])}`,
].join('\n')

describe('bench trace: who started what', () => {
  test('in a pid namespace: podman re-executing itself is not a second ask; its lookups are podman’s', () => {
    const execs = parseTrace(TREE)
    expect(execs.map((x) => [x.pid, x.by])).toEqual([
      [12000, 'other'],
      [12010, 'action'],
      [12012, 'action'],
      [12013, 'podman'],
      [12014, 'podman'],
      [12014, 'podman'],
    ])
    expect(infoCalls(execs).map((x) => x.pid)).toEqual([12010])
    expect(packageLookups(execs).map((x) => [x.argv.join(' '), x.by])).toEqual([
      ['/usr/bin/dpkg -S /ws/conmon', 'podman'],
    ])
  })

  test('on the host (one pid namespace, no comment): the same attribution', () => {
    const host = TREE.replace(/= \d+ \/\* (\d+) in strace's PID NS \*\//g, '= $1')
    expect(parseTrace(host).map((x) => x.by)).toEqual(['other', 'action', 'action', 'podman', 'podman', 'podman'])
  })

  test('with -ttt: each lookup’s time and how its process ended, across the exec in place', () => {
    // strace -ttt puts the time after the pid; `+++ exited` is the pid's end, whatever it ran last
    const start = 1764530710.0
    const lines = TREE.split('\n')
    const time = (i: number) => (start + 0.002 * (i + 1)).toFixed(6)
    const timed = lines.map((l, i) => l.replace(/^(\d+) /, `$1 ${time(i)} `))
    const t = start + 0.002 * lines.length
    timed.push(`12014 ${(t + 0.0035).toFixed(6)} +++ exited with 2 +++`)
    timed.push(`12012 ${(t + 0.01).toFixed(6)} +++ exited with 0 +++`)
    const execs = parseTrace(timed.join('\n'))
    expect(execs.map((x) => x.by)).toEqual(['other', 'action', 'action', 'podman', 'podman', 'podman'])
    const [lookup] = packageLookups(execs)
    expect(lookup.argv.join(' ')).toBe('/usr/bin/dpkg -S /ws/conmon')
    expect(lookup.exit?.code).toBe(2)
    // dpkg is the third line from the end: two more lines of 2 ms, then 3.5 ms to its exit
    expect(lookupMs(lookup)).toBeCloseTo(7.5, 3)
    expect(execs.find((x) => x.argv[0] === 'pasta')?.exit?.code).toBe(0)
  })

  test('without times: no duration, exits still read', () => {
    const execs = parseTrace(`${TREE}\n12014 +++ exited with 2 +++`)
    const [lookup] = packageLookups(execs)
    expect(lookup.exit).toEqual({ at: undefined, code: 2 })
    expect(lookupMs(lookup)).toBeUndefined()
  })

  test('with -v: each exec’s environment, so a lookup can be run again as podman ran it', () => {
    const env = ['PATH=/usr/bin:/bin', 'DPKG_ADMINDIR=/nonexistent/setup-static-podman', 'A=say \\"hi\\"']
    const verbose = TREE.replace(
      `["/usr/bin/dpkg", "-S", "/ws/conmon"], 0x2d)`,
      `["/usr/bin/dpkg", "-S", "/ws/conmon"], [${env.map((e) => `"${e}"`).join(', ')}])`,
    )
    expect(verbose).not.toBe(TREE)
    const [lookup] = packageLookups(parseTrace(verbose))
    expect(lookup.argv).toEqual(['/usr/bin/dpkg', '-S', '/ws/conmon'])
    expect(lookup.env).toEqual(['PATH=/usr/bin:/bin', 'DPKG_ADMINDIR=/nonexistent/setup-static-podman', 'A=say "hi"'])
    // without -v strace prints only the pointer: no environment
    expect(packageLookups(parseTrace(TREE))[0].env).toBeUndefined()
  })
})
