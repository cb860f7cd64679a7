// The runtime checks, as data: what every podman job does blocks (exec, storage, build),
// optional features are advisory. Each runs in containers of the local base image with
// --network none: they prove the runtime, not the network, and need no registry.
import type { Check } from '../check.js'
import { buildCheck, initCheck } from './basic.js'
import { podmanCoexist } from './coexist.js'
import { dockerApi } from './docker-api.js'
import { execRepeat } from './exec.js'
import { cgroupLimits, healthcheck } from './features.js'
import { storageIntegrity } from './storage.js'

const NONE = () => 'none (runtime)'

export const RUNTIME_CHECKS: readonly Check[] = [
  {
    id: 'storage-integrity',
    title: 'Storage: copy-up, links, xattrs survive commit',
    mode: NONE,
    needs: { baseImage: true },
    severity: 'blocking',
    why: 'every podman job writes through the storage driver',
    fix: 'remove mount_program (fuse-overlayfs) from storage.conf to use native overlay, then podman system reset',
    run: storageIntegrity,
  },
  {
    id: 'exec-repeat',
    title: 'podman exec, serial and concurrent, each under a deadline',
    mode: NONE,
    needs: { baseImage: true },
    severity: 'blocking',
    why: 'jobs exec into service containers all the time',
    fix: 'use another build of podman/crun/conmon: a hanging exec is a runtime bug, not a configuration',
    run: execRepeat,
  },
  {
    id: 'build',
    title: 'podman build with a RUN step, no registry',
    mode: NONE,
    needs: { baseImage: true },
    severity: 'blocking',
    why: 'building images is what most podman jobs do',
    run: buildCheck,
  },
  {
    id: 'init',
    title: '--init reaps and forwards signals',
    mode: NONE,
    needs: { baseImage: true },
    severity: 'advisory',
    why: 'only jobs that run with --init use catatonit',
    fix: 'install catatonit (variant full, or the distribution package) or set init_path in containers.conf',
    run: initCheck,
  },
  {
    id: 'cgroup-limits',
    title: '--memory, --pids-limit, --cpus enforced',
    mode: NONE,
    needs: { baseImage: true },
    severity: 'advisory',
    why: 'resource limits are an optional feature; without them containers run unlimited',
    run: cgroupLimits,
  },
  {
    id: 'healthcheck',
    title: '--health-cmd becomes healthy on its own',
    mode: NONE,
    needs: { baseImage: true },
    severity: 'advisory',
    why: 'only jobs that wait for a healthcheck need its timers',
    run: healthcheck,
  },
  {
    id: 'podman-coexist',
    title: 'Another podman on the machine works alongside',
    mode: NONE,
    needs: { baseImage: true },
    severity: 'advisory',
    why: 'matters to jobs that also call the other podman; a clash that breaks this one fails the blocking checks',
    fix: 'call one podman only (the installed one is first on PATH), or remove the other',
    run: podmanCoexist,
  },
  {
    id: 'docker-api',
    title: 'Docker-compatible API: _ping, create, start, wait',
    mode: () => 'none (API socket)',
    needs: { baseImage: true },
    severity: 'advisory',
    why:
      'only jobs that use the Docker API (testcontainers, the docker CLI) need it; blocking with docker-socket: ' +
      'true',
    fix: 'see the service log; podman system service must be able to create its socket',
    run: dockerApi,
  },
]
