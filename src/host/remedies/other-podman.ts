import { type Check, ok, type Probe } from './check.js'

export function otherPodman(p: Probe): Check[] {
  const mine = p.installed?.realPath
  const others = p.podmans.filter((b) => b.realPath !== mine)
  const found = others.length ? others.map((b) => `${b.path} ${b.version ?? ''}`.trim()).join(', ') : 'none'
  const bare =
    p.podmans[0] && p.podmans[0].realPath !== mine
      ? `; a bare \`podman\` ran ${p.podmans[0].path} before this step (the installed one now comes first on PATH)`
      : ''
  const uid = p.facts.user.uid
  const lock = `/dev/shm/libpod_rootless_lock_${uid}`
  const clash = /failed to (open|create) \d+ locks in \S+: (numerical result out of range|file exists)/.exec(
    p.infoError ?? '',
  )
  // Another podman alone is normal (the runner image's own): a log line, not an annotation.
  // It warns only when the two really clash; the podman-coexist smoke check proves both work.
  const other: Check = {
    ...ok('other-podman', 'other podman', found, 'one podman'),
    ...(others.length > 0 && { message: `another podman is installed${bare}` }),
    ...(others.length > 0 && clash && { status: 'warn' as const }),
  }
  if (!clash) return [other]
  // The segment belongs to the other podman and its containers: deleting it could corrupt
  // them, and nothing could put it back. The action names the fix; the user decides.
  const fix = `rm -f ${lock} && ${mine ?? 'podman'} system renumber`
  return [
    other,
    {
      id: 'lock-clash',
      name: 'podman lock clash',
      found: clash[0],
      needed: 'a lock segment this podman can open',
      status: 'fail',
      plan: 'report',
      severity: 'error',
      message:
        `${lock} belongs to another podman, which this one cannot share; the action does not delete ` +
        `another podman's locks. When none of its containers is running: ${fix}`,
    },
  ]
}
