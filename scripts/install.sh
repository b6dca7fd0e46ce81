#!/usr/bin/env bash
# Installs a pinned vanish release binary for this machine (Linux, x86_64 or
# aarch64: static musl, no dependencies) and verifies it against the release's
# SHA256SUMS before it is used. The GitHub Action (action.yml) runs this; it
# works as well on any Linux CI runner or laptop.
#
#   scripts/install.sh --version 0.1.0 --dir ~/.local/bin
#
# Options (each has an env mirror; the flag wins):
#   --version V      release to install, without the v          [VANISH_VERSION] (required)
#   --dir DIR        install DIR/vanish                        [VANISH_INSTALL_DIR] (default ~/.local/bin)
#   --base-url URL   where the release's files are: URL/SHA256SUMS, URL/vanish-linux-<arch>
#                    (http(s):// or file://)                   [VANISH_BASE_URL]
#                    (default https://github.com/$VANISH_REPO/releases/download/v<version>)
#   --repo OWNER/NAME  the GitHub repository of the default base URL [VANISH_REPO]
#   --sha256 HEX     expected SHA-256 of the binary; then SHA256SUMS is not fetched [VANISH_SHA256]
#   --arch ARCH      x86_64 or aarch64 (default: this machine's, from uname -m) [VANISH_ARCH]
#
# An installed DIR/vanish whose SHA-256 is already the expected one is kept
# (a restored cache): nothing is downloaded but SHA256SUMS.
# stdout: the installed binary's path. stderr: progress and errors.
# Exit status: 0 installed; 1 download failed or checksum mismatch (nothing
# installed); 2 usage error or unsupported machine.
set -euo pipefail

log() { printf 'install.sh: %s\n' "$*" >&2; }
usage() { printf 'install.sh: error: %s\n' "$1" >&2; [ -z "${2:-}" ] || printf '  hint: %s\n' "$2" >&2; exit 2; }
fail() { printf 'install.sh: error: %s\n' "$1" >&2; [ -z "${2:-}" ] || printf '  hint: %s\n' "$2" >&2; exit 1; }

version=${VANISH_VERSION:-}
dir=${VANISH_INSTALL_DIR:-${HOME:-/root}/.local/bin}
base_url=${VANISH_BASE_URL:-}
repo=${VANISH_REPO:-}
want=${VANISH_SHA256:-}
arch=${VANISH_ARCH:-}
while [ $# -gt 0 ]; do
  case $1 in
    --version|--dir|--base-url|--repo|--sha256|--arch)
      [ $# -ge 2 ] || usage "$1 needs a value"
      case $1 in
        --version) version=$2 ;; --dir) dir=$2 ;; --base-url) base_url=$2 ;;
        --repo) repo=$2 ;; --sha256) want=$2 ;; --arch) arch=$2 ;;
      esac
      shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) usage "unknown argument '$1'" "see --help" ;;
  esac
  shift
done

# Every problem with the input at once.
problems=()
version=${version#v}
[ -n "$version" ] || problems+=("no version: pass --version or set VANISH_VERSION")
[[ -z "$version" || "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] \
  || problems+=("--version '$version' is not a version such as 0.1.0")
os=$(uname -s)
[ "$os" = Linux ] || problems+=("$os is not supported: vanish releases are static Linux binaries")
[ -n "$arch" ] || arch=$(uname -m)
case $arch in
  x86_64|amd64|X64) arch=x86_64 ;;
  aarch64|arm64|ARM64) arch=aarch64 ;;
  *) problems+=("architecture '$arch' is not supported (x86_64 or aarch64)") ;;
esac
[[ -z "$want" || "$want" =~ ^[0-9a-f]{64}$ ]] || problems+=("--sha256 must be 64 lowercase hex digits")
if [ -z "$base_url" ]; then
  [ -n "$repo" ] || problems+=("no --base-url and no --repo: cannot tell where the release is")
  base_url="https://github.com/$repo/releases/download/v$version"
fi
if [ ${#problems[@]} -gt 0 ]; then
  for p in "${problems[@]}"; do printf 'install.sh: error: %s\n' "$p" >&2; done
  exit 2
fi
command -v curl >/dev/null || usage "curl is not installed" "apt-get install curl"
command -v sha256sum >/dev/null || usage "sha256sum is not installed" "apt-get install coreutils"

asset=vanish-linux-$arch
base_url=${base_url%/}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fetch() { # url dest
  curl --fail --silent --show-error --location --retry 3 --connect-timeout 20 --max-time 300 \
    --output "$2" "$1" 2>"$tmp/curl.err" \
    || fail "cannot download $1: $(tr '\n' ' ' < "$tmp/curl.err")" "is v$version released, with $asset?"
}

if [ -z "$want" ]; then
  fetch "$base_url/SHA256SUMS" "$tmp/SHA256SUMS"
  want=$(awk -v f="$asset" '$2 == f || $2 == "*" f { print $1 }' "$tmp/SHA256SUMS")
  [ -n "$want" ] || fail "$base_url/SHA256SUMS has no line for $asset"
fi

target=$dir/vanish
if [ -f "$target" ] && [ "$(sha256sum < "$target" | cut -d' ' -f1)" = "$want" ]; then
  log "vanish $version ($arch) already in $dir, checksum verified"
  printf '%s\n' "$target"
  exit 0
fi

log "downloading $base_url/$asset"
fetch "$base_url/$asset" "$tmp/$asset"
got=$(sha256sum < "$tmp/$asset" | cut -d' ' -f1)
[ "$got" = "$want" ] \
  || fail "$asset: checksum mismatch: expected $want, got $got; nothing installed" \
          "a corrupted download or a tampered release: do not use it"
mkdir -p "$dir"
chmod 0755 "$tmp/$asset"
mv -f "$tmp/$asset" "$target"
log "installed vanish $version ($arch) in $dir, checksum verified"
printf '%s\n' "$target"
