// What the probe found of one piece: its own module, so the probe and pasta's fallbacks share it.
import type * as parse from './parse.js'

export interface Found {
  /** undefined: podman would not find it */
  path?: string
  /** semver (pasta: YYYY.M.D); undefined with a path: present, version unknown */
  version?: string
  /** what the tool printed (first line), for the report */
  raw?: string
  via?: 'podman info' | 'version' | 'package' | 'help'
  /** newuidmap/newgidmap: setuid root or the matching file capability */
  setuid?: boolean
  note?: string
  /** version unknown, but pinned between these (pasta: silence through a pipe, --help options) */
  bounds?: parse.VersionBounds
}
