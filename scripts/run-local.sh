#!/usr/bin/env bash
# Runs the action end to end on this machine the way a GitHub runner would, as the
# unprivileged user `tester`: against the real GitHub releases API when it is reachable,
# otherwise against a local release mirror built from this machine's own Podman packages.
# usage: npm run local [-- VARIANT [PODMAN-VERSION]]     (VARIANT: standalone|default|full)
set -euo pipefail
cd "$(dirname "$0")/.."
VARIANT=${1:-default}
VERSION=${2:-latest}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

node_line=$(SSP_SKIP_TREES=1 as_root bash scripts/setup-test-host.sh | tail -n 1)
NODE=${node_line#SSP_NODE=}
CACHE=${SSP_CACHE:-/var/cache/setup-static-podman}
export PATH="$(dirname "$NODE"):$PATH"
# npm install when npm ci refuses the lock (optional platform packages the registry lacks).
[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || npm install --no-audit --no-fund --loglevel=error
npm run -s build
mkdir -p .cache
npx esbuild test-support/cli.ts --bundle --platform=node --target=node24 --format=cjs --log-level=warning --outfile=.cache/cli.cjs

MIRROR_PID=
cleanup() { [ -n "$MIRROR_PID" ] && kill "$MIRROR_PID" 2>/dev/null; true; }
trap cleanup EXIT
REPO=pigfoot/static-rootless-container-tools
if curl -fsS --max-time 5 -o /dev/null https://api.github.com/rate_limit 2>/dev/null; then
  API=https://api.github.com
  echo "== using the real GitHub releases API"
else
  echo "== no internet: building a local release mirror from this machine's Podman packages"
  REPO=local/static-rootless-container-tools
  as_root node .cache/cli.cjs build --root / --out "$CACHE/mirror/local-host" >/dev/null
  node .cache/cli.cjs serve --repo "$REPO=$CACHE/mirror/local-host" --fillers "$REPO" >.cache/mirror.url &
  MIRROR_PID=$!
  for _ in $(seq 50); do [ -s .cache/mirror.url ] && break; sleep 0.1; done
  API=$(head -n 1 .cache/mirror.url)
  case $API in http://127.0.0.1:*) echo "   mirror: $API" ;; *) echo "the local mirror did not start" >&2; exit 1 ;; esac
fi

WORK=$(as_root mktemp -d /var/tmp/ssp-local.XXXXXX)
for f in output state env path summary; do as_root touch "$WORK/$f"; done
as_root mkdir -p "$WORK/tool-cache" "$WORK/temp" "$WORK/home"
as_root chown -R tester: "$WORK"
UID_T=$(id -u tester)
# A fresh runtime dir, as a new runner has: podman 4 keeps its rootless network namespace
# and DNS server state there, and a killed earlier run would leave them stale.
XDG=$(as_root mktemp -d /tmp/ssp-xdg.XXXXXX)
as_root chown tester: "$XDG"
as_root chmod 0700 "$XDG"
run_step() { # entry, extra env...
  local entry=$1; shift
  as_root runuser -u tester -- env -i HOME="$WORK/home" PATH=/usr/local/bin:/usr/bin:/bin \
    XDG_RUNTIME_DIR="$XDG" GITHUB_ACTIONS=true RUNNER_OS=Linux RUNNER_ARCH=X64 \
    RUNNER_ENVIRONMENT=self-hosted RUNNER_TEMP="$WORK/temp" RUNNER_TOOL_CACHE="$WORK/tool-cache" \
    GITHUB_OUTPUT="$WORK/output" GITHUB_STATE="$WORK/state" GITHUB_ENV="$WORK/env" \
    GITHUB_PATH="$WORK/path" GITHUB_STEP_SUMMARY="$WORK/summary" PODMAN_IGNORE_CGROUPSV1_WARNING=1 \
    "INPUT_VARIANT=$VARIANT" "INPUT_PODMAN-VERSION=$VERSION" "INPUT_REPOSITORY=$REPO" "INPUT_API-URL=$API" \
    "$@" "$NODE" "dist/$entry.cjs"
}
echo "== main step"
rc=0; run_step main || rc=$?
echo "== outputs"; cat "$WORK/output"
echo "== summary (Markdown/HTML written to GITHUB_STEP_SUMMARY)"; cat "$WORK/summary"
if [ "$rc" = 0 ]; then
  echo "== the next step: podman from PATH runs a registry-free container"
  as_root runuser -u tester -- env -i HOME="$WORK/home" XDG_RUNTIME_DIR="$XDG" \
    PODMAN_IGNORE_CGROUPSV1_WARNING=1 PATH="$(tac "$WORK/path" | paste -sd:):/usr/bin:/bin" \
    sh -c 'R=$(mktemp -d); mkdir -p $R/etc $R/proc $R/sys $R/dev $R/tmp; for d in bin lib lib64 sbin; do ln -s usr/$d $R/$d; done
           command -v podman; podman run --rm -v /usr:/usr:ro --rootfs "$R" sh -c "echo hello from a rootless container; ip -4 -o addr"'
fi
echo "== post step"
STATE_ENV=()
while IFS= read -r line; do
  case $line in *'<<'*) key=${line%%<<*}; IFS= read -r val; STATE_ENV+=("STATE_$key=$val"); IFS= read -r _ ;; esac
done <"$WORK/state"
run_step post "${STATE_ENV[@]}"
echo "== workspace: $WORK"
exit "$rc"
