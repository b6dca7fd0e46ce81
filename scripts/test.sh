#!/usr/bin/env bash
# The README's test command: installs what the tests need (scripts/setup.sh),
# builds both binaries, and runs every test in the workspace.
#
#   scripts/test.sh                    # everything
#   scripts/test.sh -E 'test(pid1)'    # extra args go to cargo nextest (or cargo test)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

# The Docker engine for the container tests: started here if none answers, and
# stopped at the end only if this run started it.
pidfile=${VANISH_DOCKERD_PIDFILE:-/tmp/vanish-dockerd.pid}
had_engine=0
[ -f "$pidfile" ] && had_engine=1
if scripts/docker.sh start; then
  if [ "$had_engine" = 0 ] && [ -f "$pidfile" ]; then trap 'scripts/docker.sh stop' EXIT; fi
else
  log "no Docker engine: the container tests print SKIP (and fail under CI=true)"
fi

# 4. Build both binaries (the end-to-end tests drive them), then test.
log "building"
cargo build --workspace --all-targets --locked
if cargo nextest --version >/dev/null 2>&1; then
  # nextest does not run doctests; run them first so that nextest's summary
  # is the last word.
  cargo test --workspace --locked --doc -q
  cargo nextest run --workspace --locked --no-fail-fast "$@"
else
  cargo test --workspace --locked --no-fail-fast "$@"
fi
