#!/usr/bin/env bash
# The README's test command: installs what the tests need (scripts/setup.sh),
# builds both binaries, and runs every test in the workspace.
#
#   scripts/test.sh                    # everything
#   scripts/test.sh -E 'test(pid1)'    # extra args go to cargo nextest (or cargo test)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

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
