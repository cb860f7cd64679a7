import { describe, expect, it } from '@jest/globals'
import { buildDropin, dropinDir } from '../../src/install/dropin.js'
import { LAYOUTS, resolveLayout } from '../../src/install/layout.js'
import { wiringFor } from '../../src/step/dropin.js'

const TC = '/opt/hostedtoolcache/podman-default-static/5.7.1/amd64'
const SYSTEM_HELPERS = ['/usr/local/libexec/podman', '/usr/local/lib/podman', '/usr/libexec/podman', '/usr/lib/podman']

describe('containers.conf drop-in', () => {
  it('pins the bundled crun and conmon, bundled helper dirs first, system defaults after', () => {
    const text = buildDropin(wiringFor(resolveLayout(TC, LAYOUTS.default), { defaultNetwork: '' }))
    const helpers = [`${TC}/usr/local/lib/podman`, `${TC}/usr/local/libexec/podman`, ...SYSTEM_HELPERS]
    expect(text).toBe(`# Written by setup-static-podman; later steps of this job use what it installed.

[engine]
runtime = "crun"
conmon_path = ["${TC}/usr/local/lib/podman/conmon"]
helper_binaries_dir = [${helpers.map((d) => `"${d}"`).join(', ')}]

[engine.runtimes]
crun = ["${TC}/usr/local/bin/crun"]
`)
  })

  it('full: pasta dir among the helpers and the bundled catatonit as init', () => {
    const text = buildDropin(wiringFor(resolveLayout(TC, LAYOUTS.full), { defaultNetwork: '' }))
    expect(text).toContain(`"${TC}/usr/local/libexec/podman", "${TC}/usr/local/bin", "/usr/local/libexec/podman"`)
    expect(text).toContain(`init_path = "${TC}/usr/local/lib/podman/catatonit"`)
  })

  it('standalone: pins nothing, keeps the system defaults', () => {
    const text = buildDropin(wiringFor(resolveLayout(TC, LAYOUTS.standalone), { defaultNetwork: '' }))
    expect(text).not.toContain('runtime')
    expect(text).not.toContain('conmon_path')
    expect(text).toContain(
      'helper_binaries_dir = ["/usr/local/libexec/podman", "/usr/local/lib/podman", "/usr/libexec/podman", ' +
        '"/usr/lib/podman"]',
    )
  })

  it('writes the default network and the no-systemd settings', () => {
    const text = buildDropin({ helperDirs: [], defaultNetwork: 'pasta:-4', noSystemd: true })
    expect(text).toContain('[containers]\nnetns = "pasta:-4"')
    expect(text).toContain('cgroup_manager = "cgroupfs"\nevents_logger = "file"')
  })

  it('escapes paths for TOML', () => {
    expect(buildDropin({ helperDirs: ['/a "b"\\c'] })).toContain('"/a \\"b\\"\\\\c"')
  })

  it('lives in the user config dir', () => {
    expect(dropinDir({}, '/home/runner')).toBe('/home/runner/.config/containers/containers.conf.d')
    expect(dropinDir({ XDG_CONFIG_HOME: '/x' }, '/home/runner')).toBe('/x/containers/containers.conf.d')
  })
})
