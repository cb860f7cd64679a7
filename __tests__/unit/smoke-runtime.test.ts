// The runtime checks that every podman job relies on (blocking): storage-integrity,
// exec-repeat, build; and init. Podman is scripted as data; files, tars and the runtime
// script are real. Each check: its pass, its fail and (where it has one) its skip path.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import type { Proc } from '../../src/ports/service.js'
import { XATTR } from '../../src/smoke/runtime/base.js'
import { leftoverTree } from '../../src/smoke/process-tree.js'
import type { Manifest } from '../../src/smoke/runtime/script.js'
import { storageWhy } from '../../src/smoke/runtime/storage.js'
import { INFO, json, runCheck } from '../helpers/runtime-suite.js'
import { regex } from '../helpers/regex.js'

const file = (sha256: string, extra: object = {}) => ({
  type: 'file',
  mode: '644',
  size: 3,
  sha256,
  linkGroup: undefined,
  xattrs: {},
  ...extra,
})
const MUTATED: Manifest = {
  entries: {
    'a.bin': file('aa', { linkGroup: 'a.bin' }),
    'a.link': file('aa', { linkGroup: 'a.bin' }),
    'b.bin': file('bb', { mode: '600', linkGroup: 'b.bin' }),
    'new.bin': file('nn', { size: 1 << 20, linkGroup: 'new.bin' }),
    sub2: { type: 'dir', mode: '755' },
    'sub2/c.txt': file('cc', { linkGroup: 'sub2/c.txt' }),
    'y.attr': file('yy', { linkGroup: 'y.attr', xattrs: { [XATTR.name]: XATTR.value } }),
  } as Manifest['entries'],
}

describe('storage-integrity', () => {
  const mutate = { '"mode":"mutate"': json(MUTATED), ' commit -q ': {} }

  it('passes when the committed image holds every file bit for bit; names driver and why', async () => {
    const { check, calls } = await runCheck('storage-integrity', { ...mutate, '"mode":"manifest"': json(MUTATED) })
    expect(check.status).toBe('passed')
    expect(check.details.summary).toMatch(
      regex(
        /^overlay \(native\) \(no storage.conf \(\/home\/u\/.config\/containers\/storage.conf, .*\): /,
        /podman's own choice.*\): 6 files equal/,
      ),
    )
    // the base image is imported once, the runtime containers have no network, commit goes to a tracked image
    expect(calls.filter((c) => c.includes(' import '))).toHaveLength(1)
    expect(calls.find((c) => c.includes('"mode":"mutate"'))).toMatch(
      / --network none --name \S+ --label \S+ -v \/usr:\/usr:ro -v \/opt\/node\/bin:\/opt\/node\/bin:ro /,
    )
    const image = / commit -q \S+ (\S+)/.exec(calls.find((c) => c.includes(' commit '))!)![1]
    // swept at the end: the container, then the committed image in one rmi with the base image
    const mutated = / commit -q (\S+) /.exec(calls.find((c) => c.includes(' commit '))!)![1]
    expect(calls.slice(-2)).toEqual([
      `/opt/podman/bin/podman rm -f -i -t 0 ${mutated}`,
      expect.stringMatching(new RegExp(`^/opt/podman/bin/podman rmi -f ${image} localhost/ssp-smoke-base:\\w+$`)),
    ])
  })

  it('fails naming the path that changed after commit (what fuse-overlayfs 1.16 did)', async () => {
    const corrupt = { entries: { ...MUTATED.entries, 'a.bin': { ...MUTATED.entries['a.bin'], sha256: 'xx' } } }
    const { check } = await runCheck('storage-integrity', { ...mutate, '"mode":"manifest"': json(corrupt) })
    expect(check.status).toBe('failed')
    expect(check.reason).toMatch(
      /^1 path\(s\) differ after podman commit and a new container \(overlay \(native\)\): a.bin: /,
    )
    expect(check.fix).toMatch(/remove mount_program/)
  })

  it('fails in the container when copy-up lost the xattr; a storage.conf forcing fuse-overlayfs is named', async () => {
    const lost = { entries: { ...MUTATED.entries, 'y.attr': { ...MUTATED.entries['y.attr'], xattrs: {} } } }
    const info = { ...INFO, store: { ...INFO.store, mountProgram: '/usr/bin/fuse-overlayfs' } }
    const conf = '[storage]\ndriver = "overlay"\n[storage.options.overlay]\nmount_program = "/usr/bin/fuse-overlayfs"\n'
    const readText = async (p: string) => (p === INFO.store?.configFile ? conf : undefined)
    const { check } = await runCheck(
      'storage-integrity',
      { '"mode":"mutate"': json(lost) },
      { info, inject: { readText } },
    )
    expect(check.status).toBe('failed')
    expect(check.reason).toBe(`in the container itself: y.attr lost its ${XATTR.name} xattr ({})`)
    expect(check.details).toMatchObject({
      driver: 'overlay',
      mountProgram: '/usr/bin/fuse-overlayfs',
      why: '/home/u/.config/containers/storage.conf sets driver "overlay" and mount_program "/usr/bin/fuse-overlayfs"',
    })
  })

  it('storageWhy: the first storage.conf found decides', async () => {
    const texts: Record<string, string> = { '/etc/containers/storage.conf': '[storage]\n# driver = "vfs"\n' }
    expect(await storageWhy({ readText: async (p) => texts[p] }, { configFile: '/nope' })).toBe(
      "/etc/containers/storage.conf sets no driver: podman's own choice for this kernel and file system",
    )
  })
})

describe('exec-repeat', () => {
  const target = { '-exec-repeat-target --label': { stdout: 'c0ffee\n' } }
  const EXEC = `^/opt/podman/bin/podman exec `
  const echo = (line: string) => ({ stdout: `${/echo (exec-\d+)$/.exec(line)![1]}\n` })

  it('passes when every serial and concurrent exec answers', async () => {
    const { check, calls } = await runCheck('exec-repeat', { ...target, [EXEC]: echo })
    expect(check.status).toBe('passed')
    expect(check.details.summary).toMatch(/^4 serial \+ 6 concurrent execs answered/)
    expect(calls.filter((c) => c.includes(' exec '))).toHaveLength(10)
  })

  it('a hanging exec fails within the deadline; what it left is killed', async () => {
    const procs: Proc[] = [
      { pid: 50, ppid: 1, cmdline: '/usr/bin/conmon --api-version 1 -c c0ffee -u e1 -e --exec-attach' },
      { pid: 51, ppid: 50, cmdline: 'sleep 3600' },
      { pid: 60, ppid: 1, cmdline: 'unrelated' },
    ]
    const killed: number[] = []
    const inject = { procs: { list: async () => procs, kill: (pid: number) => void killed.push(pid) } }
    const t = Date.now()
    const { check, calls } = await runCheck('exec-repeat', { ...target, [EXEC]: 'hang' }, { timeoutSec: 2, inject })
    expect(Date.now() - t).toBeLessThan(6000)
    expect(check.status).toBe('failed')
    expect(check.reason).toBe('1 of 1 podman exec hung past the 25 s deadline; killed 2 leftover process(es)')
    expect(killed.sort()).toEqual([50, 51])
    expect(calls.filter((c) => c.includes(' exec '))).toHaveLength(1) // no more after a hang
  })

  it('an exec that errors fails with its words', async () => {
    const inject = { procs: { list: async () => [], kill: () => undefined } }
    const { check } = await runCheck(
      'exec-repeat',
      { ...target, [EXEC]: { exitCode: 255, stderr: 'Error: OCI runtime error: crun: exec failed' } },
      { inject },
    )
    expect(check.reason).toBe(
      '4 of 4 podman exec failed: Error: OCI runtime error: crun: exec failed; no process left behind',
    )
  })

  it('leftoverTree: processes naming the container and their descendants, never this one', () => {
    const ps = [
      { pid: 1, ppid: 0, cmdline: 'init' },
      { pid: 5, ppid: 1, cmdline: 'conmon -c abc' },
      { pid: 6, ppid: 5, cmdline: 'crun exec' },
      { pid: 7, ppid: 6, cmdline: 'sleep' },
      { pid: 9, ppid: 1, cmdline: 'node smoke abc' },
    ]
    expect(leftoverTree(ps, 'abc', 9).map((p) => p.pid)).toEqual([5, 6, 7])
  })
})

describe('build', () => {
  const built = (calls: string[]) => () => {
    const file = / -f (\S+) /.exec(calls.find((c) => c.includes(' build '))!)![1]
    return { stdout: `${/echo (\w+) >/.exec(readFileSync(file, 'utf8'))![1]}\n640\n` }
  }

  it('passes when a container of the built image holds what RUN wrote; never pulls', async () => {
    const seen: string[] = []
    // the run's reply reads the Containerfile the check wrote, through the build call recorded
    const { check, calls } = await runCheck('build', {
      ' build ': (line: string) => {
        seen.push(line)
        return {}
      },
      '-build-run --label': built(seen),
    })
    expect(check.status).toBe('passed')
    expect(calls.find((c) => c.includes(' build '))).toMatch(
      / build --pull=never --network none -v \/usr:\/usr:ro -q -t localhost\/ssp-\w+-build-built /,
    )
  })

  it('fails when the built image lacks what RUN wrote', async () => {
    const { check } = await runCheck('build', { ' build ': {}, '-build-run --label': { stdout: 'other\n640\n' } })
    expect(check.reason).toBe('the built image does not hold what its RUN step wrote (got other mode 640)')
  })

  it('fails with podman build words', async () => {
    const { check } = await runCheck('build', {
      ' build ': { exitCode: 125, stderr: 'Error: building at STEP "RUN": exit status 1' },
    })
    expect(check.reason).toBe('podman build failed (exit 125)')
    expect(check.stderrTail).toBe('Error: building at STEP "RUN": exit status 1')
  })
})

describe('init', () => {
  const volume = (line: string) => /-v (\S+):\/ssp-ready /.exec(line)?.[1] as string
  /** the --init container as the script behaves: files on its volume (ready, then signal once killed) */
  const files = (r: object) => {
    let dir = ''
    return {
      '-init-target ': (line: string) => {
        dir = volume(line)
        writeFileSync(join(dir, 'ready'), JSON.stringify({ ready: true, ...r }))
        return { stdout: 'abc\n' }
      },
      ' kill --signal TERM ': () => {
        writeFileSync(join(dir, 'signal'), '{"signal":"SIGTERM","pid":7}')
        return {}
      },
    }
  }

  it('passes: catatonit as PID 1 reaps the orphan and forwards SIGTERM; one container, no log polling', async () => {
    const { check, calls } = await runCheck('init', files({ pid1: 'catatonit', zombies: [] }))
    expect(check.status).toBe('passed')
    expect(check.details.summary).toBe('PID 1 catatonit reaped an orphan; SIGTERM forwarded to the process under it')
    const podman = calls.filter((c) => c.startsWith('/opt/podman/bin/podman ') && !/ (import|rmi) /.test(c))
    expect(podman.map((c) => c.split(' ')[1])).toEqual(['run', 'kill', 'rm'])
    expect(podman[0]).toMatch(/ run -d .*--init -v \S+:\/ssp-ready .*"mode":"init","dir":"\/ssp-ready"/)
  })

  it('the same through podman logs when the volume stays empty (not writable)', async () => {
    let killed = false
    const ready = '{"ready":true,"pid1":"catatonit","zombies":[]}\n'
    const { check } = await runCheck('init', {
      '-init-target ': { stdout: 'abc\n' },
      ' kill --signal TERM ': () => {
        killed = true
        return {}
      },
      ' logs ': () => ({ stdout: killed ? `${ready}{"signal":"SIGTERM"}\n` : ready }),
    })
    expect(check.status).toBe('passed')
  })

  it('fails when a zombie stays', async () => {
    const { check } = await runCheck('init', files({ pid1: 'catatonit', zombies: ['9 (sleep) Z 1'] }))
    expect(check.reason).toBe('1 zombie(s) not reaped by catatonit')
  })

  it('fails with the script error, without waiting for a ready that never comes', async () => {
    const t = Date.now()
    const { check } = await runCheck('init', {
      '-init-target ': { stdout: 'abc\n' },
      ' logs ': { stdout: '{"error":"sh started no orphan"}\n' },
    })
    expect(check.reason).toBe('init: sh started no orphan')
    expect(Date.now() - t).toBeLessThan(5000)
  })

  it('skipped with the reason when podman finds no catatonit', async () => {
    const stderr =
      'Error: container-init binary not found on the host: stat /usr/libexec/podman/catatonit: ' +
      'no such file or directory'
    const { check } = await runCheck('init', { '-init-target ': { exitCode: 125, stderr } })
    expect(check.status).toBe('skipped')
    expect(check.reason).toBe(`no catatonit: podman found no init binary (${stderr})`)
  })
})
