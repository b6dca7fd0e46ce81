#!/usr/bin/env bash
# Installs what the tests and the demo need, idempotently (a second run does
# nothing): Debian packages, the musl target, a venv in .venv with
# tests/requirements.txt (moto's server, linters), and gitlab-ci-local (npm,
# pinned by tests/support/gitlab-ci-local/package-lock.json) in .tools/.
# Sourced by scripts/test.sh and scripts/demo.sh; exports VANISH_MOTO_SERVER
# and VANISH_GITLAB_CI_LOCAL.
#
# Needs a Debian-like machine with Rust (rustup); root or sudo for apt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)

log() { printf '==> %s\n' "$*" >&2; }

# 1. Debian packages the tests run (docker.io: the real engine for the container
#    tests and the demo, started by scripts/docker.sh; qemu-user-static: ARM64).
apt_pkgs=(busybox-static util-linux coreutils dash procps nginx-light python3 python3-venv
          docker.io qemu-user-static clang llvm  # clang, llvm: ring's C for musl (scripts/dist.sh)
          rsync)  # gitlab-ci-local copies the checkout and artifacts with it (tests/gitlab_ci.rs)
# Node.js and npm for gitlab-ci-local: the machine's own if it has them (this
# machine kind ships Node.js 20 with npm), else Debian's.
command -v npm >/dev/null 2>&1 || apt_pkgs+=(nodejs npm)
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

# 4. gitlab-ci-local, which runs the GitLab component's jobs on the local Docker
#    engine (tests/gitlab_ci.rs): `npm ci` from the committed lock file into
#    .tools/gitlab-ci-local (project-local, never global; .tools/ ignores
#    itself). 4.73.0 is the newest that runs on Node.js 20 (4.74 needs 22);
#    its dependencies need Node.js >= 20.19.
tools="$root/.tools"
gcl_src="$root/tests/support/gitlab-ci-local"
gcl_dir="$tools/gitlab-ci-local"
mkdir -p "$tools"
[ -f "$tools/.gitignore" ] || printf '*\n' > "$tools/.gitignore"
want=$(cat "$gcl_src/package.json" "$gcl_src/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ ! -x "$gcl_dir/node_modules/.bin/gitlab-ci-local" ] || [ "$(cat "$gcl_dir/.lock.sha" 2>/dev/null)" != "$want" ]; then
  log "installing gitlab-ci-local into $gcl_dir"
  rm -rf "$gcl_dir"
  mkdir -p "$gcl_dir"
  cp "$gcl_src/package.json" "$gcl_src/package-lock.json" "$gcl_dir/"
  if (cd "$gcl_dir" && npm ci --no-audit --no-fund --loglevel=error >&2); then
    echo "$want" > "$gcl_dir/.lock.sha"
  else
    log "npm ci failed: tests/gitlab_ci.rs will SKIP (and fail under CI=true)"
  fi
fi
export VANISH_GITLAB_CI_LOCAL="$gcl_dir/node_modules/.bin/gitlab-ci-local"
