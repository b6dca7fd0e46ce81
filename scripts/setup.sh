#!/usr/bin/env bash
# Installs what the tests and the demo need, idempotently (a second run does
# nothing): Debian packages, the musl target, and a venv in .venv with
# tests/requirements.txt (moto's server, linters). Sourced by scripts/test.sh
# and scripts/demo.sh; exports VANISH_MOTO_SERVER.
#
# Needs a Debian-like machine with Rust (rustup); root or sudo for apt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)

log() { printf '==> %s\n' "$*" >&2; }

# 1. Debian packages the tests run (docker.io: the real engine for the container
#    tests and the demo, started by scripts/docker.sh; qemu-user-static: ARM64).
apt_pkgs=(busybox-static util-linux coreutils dash procps nginx-light python3 python3-venv
          docker.io qemu-user-static clang llvm)  # clang, llvm: ring's C for musl (scripts/dist.sh)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  log "installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. The musl targets for the static supervisor (best effort: the static-binary
#    test falls back to a glibc +crt-static build when it is unavailable).
if command -v rustup >/dev/null 2>&1; then
  rustup target list --installed 2>/dev/null | grep -q x86_64-unknown-linux-musl \
    || rustup target add x86_64-unknown-linux-musl >/dev/null 2>&1 \
    || log "musl target unavailable; the static test will use glibc +crt-static"
  # ARM64 (linked by rust-lld, see .cargo/config.toml; tests/init_arm64.rs).
  rustup target list --installed 2>/dev/null | grep -q aarch64-unknown-linux-musl \
    || rustup target add aarch64-unknown-linux-musl >/dev/null 2>&1 \
    || log "aarch64 musl target unavailable; tests/init_arm64.rs will fail"
fi

# 3. Python tools in a venv (moto's server for the AWS tests, linters).
venv="$root/.venv"
stamp="$venv/.requirements.sha"
want=$(sha256sum tests/requirements.txt | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "creating $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r tests/requirements.txt
  echo "$want" > "$stamp"
fi
export VANISH_MOTO_SERVER="$venv/bin/moto_server"
