#!/usr/bin/env bash
# The one command that runs every test on a fresh Debian 12 machine: prepares the host
# (packages, trees, runner user, quirk fixes), installs dependencies, checks that dist/
# is the bundle of the sources, lints the action and workflows, then runs the unit and
# the real-Podman integration tests with the runner's Node 24.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

step() { printf '\n::group::%s\n' "$*"; }
end() { printf '::endgroup::\n'; }

step "host setup (the host quirks are left for the first-contact test)"
node_line=$(as_root env SSP_KEEP_QUIRKS=1 bash scripts/setup-test-host.sh | tail -n 1)
export SSP_NODE=${node_line#SSP_NODE=}
export PATH="$(dirname "$SSP_NODE"):$PATH"
node --version
quirks=()
[ "$(stat -c %a /dev/net/tun)" = 600 ] && quirks+=(tun)
grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null && quirks+=(cgroup)
export SSP_QUIRKS=$(IFS=,; echo "${quirks[*]}")
echo "host quirks present: ${SSP_QUIRKS:-none}"
end

step "dependencies"
# The registry reachable here lacks some optional platform packages (e.g. darwin builds of
# jest's resolver), which npm ci counts as a lock mismatch; npm install then installs
# exactly the locked versions that exist.
npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || npm install --no-audit --no-fund --loglevel=error
end

step "typecheck, bundle, dist check, lint"
npm run -s typecheck
npm run -s build
if git rev-parse --git-dir >/dev/null 2>&1 && [ -n "$(git status --porcelain -- dist)" ]; then
  git status --short -- dist
  echo "::error::dist/ is not the bundle of the committed sources: run npm run build and commit dist/." >&2
  exit 1
fi
npm run -s lint
end

results=$(mktemp -d)
status=0
# First, while the machine is as it came: the action meets the quirks itself.
NODE_OPTIONS=--experimental-vm-modules npx jest --selectProjects quirks --runInBand --json --outputFile "$results/quirks.json" || status=1
step "host quirk fixes for the rest of the run"
as_root bash scripts/setup-test-host.sh >/dev/null
end
NODE_OPTIONS=--experimental-vm-modules npx jest --selectProjects unit --json --outputFile "$results/unit.json" || status=1
NODE_OPTIONS=--experimental-vm-modules npx jest --selectProjects render --runInBand --json --outputFile "$results/render.json" || status=1
NODE_OPTIONS=--experimental-vm-modules npx jest --selectProjects integration --runInBand --json --outputFile "$results/integration.json" || status=1
node scripts/test-totals.mjs "$results"/*.json
exit $status
