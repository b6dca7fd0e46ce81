#!/usr/bin/env bash
# Builds every release artifact into dist/ (or $VANISH_DIST_DIR), smoke-tests
# each binary, writes SHA256SUMS, and builds the container images with the
# local Docker engine. The release workflow (.github/workflows/release.yml)
# runs exactly this.
#
#   scripts/dist.sh                 # everything, both architectures
#   scripts/dist.sh --init-only     # only vanish-init (binaries + image): the fast part CI runs
#   scripts/dist.sh --cli-test-image  # CI's test build of the CLI image (x86_64 unless --arch):
#                                   # the launcher built with the fast `ci-image` cargo
#                                   # profile, everything under dist/test/, the image tagged
#                                   # vanish:<version>-<arch>-ci-test: never a release artifact
#   scripts/dist.sh --no-images     # no docker builds (dist/image/ is still made)
#   scripts/dist.sh --arch aarch64  # one architecture (x86_64 or aarch64; repeatable)
#   scripts/dist.sh --manifest      # also a multi-arch manifest list per image, pushed to a
#                                   # loopback registry (Debian's docker-registry) and
#                                   # recorded in dist/manifests/<image>.json
#
# Artifacts (static musl ELF, no interpreter, no shared libraries):
#   dist/vanish-init-linux-x86_64   dist/vanish-init-linux-aarch64   (< 699 KB each)
#   dist/vanish-linux-x86_64        dist/vanish-linux-aarch64
#   dist/SHA256SUMS                 (`sha256sum -c` format, over the files built)
#   dist/image/{amd64,arm64}/…      the images' build contexts (root filesystems)
# Images (tags prefixed by $VANISH_IMAGE_PREFIX, default vanish-dist/):
#   vanish-init:<version>-<arch>    FROM scratch, just /vanish-init (for COPY --from=)
#   vanish:<version>-<arch>         FROM scratch: /usr/local/bin/vanish, CA roots
#                                   (Debian's ca-certificates), busybox for CI shells
#
# --cli-test-image makes the CLI image that CI's container tests run (tests/dist_images.rs,
# tests/gitlab_ci.rs) without the release build's optimisation time: the same Dockerfile,
# contents and smoke tests, but the launcher is a `ci-image` build (the dev profile,
# unoptimised, stripped; see Cargo.toml). Cold, it cost 681 CPU-seconds (601 s user, 81 s
# system: 37.6 min of wall time on the 2 shared cores at a mean load of 9.7); warm, 3 s.
# So that it cannot pass for a release: its files are under dist/test/
# (dist/test/vanish-linux-<arch>, dist/test/SHA256SUMS, dist/test/image/), which the
# release workflow never reads; its tag ends in -ci-test (vanish:<version>-<arch>-ci-test);
# and it carries the labels vanish.test-image=true and vanish.build-profile=ci-image.
#
# How the cross build works (measured; see the commit that introduced it):
# - Pure Rust links with rust-lld and Rust's own self-contained musl, for
#   both architectures: no C toolchain for the target is needed.
# - The launcher's only C is `ring` (rustls's crypto provider, chosen over
#   aws-lc-sys for this): its C and assembly need no libc headers, so
#   Debian's clang cross-compiles it with `--target=`; llvm-ar archives it.
# - aarch64 binaries are smoke-tested under qemu-aarch64-static (Debian
#   qemu-user-static), the same checks as x86_64 run natively.
#
# Needs: rustup (adds the two musl targets), clang and llvm-ar (Debian clang),
# qemu-user-static for aarch64, busybox-static (x86_64) and apt for Debian's
# arm64 busybox-static, ca-certificates, and docker for the images.
# $CARGO_TARGET_DIR is honoured (default: target/).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'dist.sh: error: %s\n' "$*" >&2; exit 1; }
usage() { printf 'dist.sh: error: %s (see --help)\n' "$*" >&2; exit 2; }

init_only=0
cli_test=0
images=1
manifest=0
archs=()
while [ $# -gt 0 ]; do
  case $1 in
    --init-only) init_only=1 ;;
    --cli-test-image) cli_test=1 ;;
    --no-images) images=0 ;;
    --manifest) manifest=1 ;;
    --arch) [ $# -ge 2 ] || usage "--arch needs x86_64 or aarch64"; archs+=("$2"); shift ;;
    --arch=*) archs+=("${1#--arch=}") ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) usage "unknown argument '$1'" ;;
  esac
  shift
done
if [ "$cli_test" = 1 ]; then
  [ "$init_only" = 0 ] || usage "--cli-test-image and --init-only exclude each other"
  [ "$manifest" = 0 ] || usage "--manifest is for release images, not --cli-test-image"
  [ ${#archs[@]} -gt 0 ] || archs=(x86_64)
fi
[ ${#archs[@]} -gt 0 ] || archs=(x86_64 aarch64)
for a in "${archs[@]}"; do
  case $a in x86_64|aarch64) ;; *) usage "--arch $a: expected x86_64 or aarch64" ;; esac
done

dist=${VANISH_DIST_DIR:-$root/dist}
# The launcher's cargo profile, and what marks a test build (see the header).
launcher_profile=release
tag_suffix=""
if [ "$cli_test" = 1 ]; then
  dist=$dist/test
  launcher_profile=ci-image
  tag_suffix=-ci-test
fi
prefix=${VANISH_IMAGE_PREFIX:-vanish-dist/}
target_dir=${CARGO_TARGET_DIR:-$root/target}
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
[ -n "$version" ] || die "no workspace version in Cargo.toml"
max_init_bytes=699000   # vanish-init must stay under 699 KB on every architecture

docker_arch() { case $1 in x86_64) echo amd64 ;; aarch64) echo arm64 ;; esac; }

# --- toolchain -----------------------------------------------------------------
for a in "${archs[@]}"; do
  rustup target list --installed | grep -qx "$a-unknown-linux-musl" \
    || rustup target add "$a-unknown-linux-musl" >&2
done
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found ($2)"; }
need readelf "apt-get install binutils"
if [ "$init_only" = 0 ]; then
  need clang "apt-get install clang: it compiles ring's C for the target"
  need llvm-ar "apt-get install llvm (comes with Debian's clang)"
fi
for a in "${archs[@]}"; do
  [ "$a" = aarch64 ] && need qemu-aarch64-static "apt-get install qemu-user-static: the aarch64 smoke tests"
done

# Linkers and C compilers per target, through env (not .cargo/config.toml).
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER=rust-lld
export CC_aarch64_unknown_linux_musl=clang AR_aarch64_unknown_linux_musl=llvm-ar
export CC_x86_64_unknown_linux_musl=clang AR_x86_64_unknown_linux_musl=llvm-ar
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

mkdir -p "$dist"

# --- build ---------------------------------------------------------------------
# vanish-init with fat LTO (the size profile: every byte ships in every
# review-app image); the launcher with the workspace's release profile (no
# LTO: a fast build, see Cargo.toml), or with --cli-test-image the ci-image
# profile. Separate target dirs, so that neither build invalidates the
# other's dependencies.
for a in "${archs[@]}"; do
  triple=$a-unknown-linux-musl
  if [ "$cli_test" = 0 ]; then
    log "cargo build --release -p vanish-init --target $triple (fat LTO)"
    CARGO_PROFILE_RELEASE_LTO=fat \
      cargo build --release --locked -p vanish-init --target "$triple" --target-dir "$target_dir/dist-init"
    install -m 0755 "$target_dir/dist-init/$triple/release/vanish-init" "$dist/vanish-init-linux-$a"
  fi
  [ "$init_only" = 1 ] && continue
  log "cargo build --profile $launcher_profile -p vanish --target $triple"
  cargo build --profile "$launcher_profile" --locked -p vanish --target "$triple" --target-dir "$target_dir"
  install -m 0755 "$target_dir/$triple/$launcher_profile/vanish" "$dist/vanish-linux-$a"
done

# --- smoke tests ---------------------------------------------------------------
# Each binary is static, runs on its architecture, and does what it is for;
# the aarch64 binaries must answer exactly as the x86_64 ones do.
runner() { case $1 in x86_64) [ "$(uname -m)" = x86_64 ] || echo qemu-x86_64-static ;; aarch64) [ "$(uname -m)" = aarch64 ] || echo qemu-aarch64-static ;; esac; }
expect() { # what, want, got
  [ "$2" = "$3" ] || die "smoke test: $1: expected '$2', got '$3'"
}
smoke_one() { # arch binary-name; prints a transcript that must match across archs
  local a=$1 name=$2 bin=$dist/$2-linux-$1 run
  run=$(runner "$a")
  [ -x "$bin" ] || die "$bin is missing"
  ! readelf -lW "$bin" | grep -q 'INTERP' || die "$bin is dynamically linked (has PT_INTERP)"
  readelf -hW "$bin" | grep -q "Machine:.*$( [ "$a" = x86_64 ] && echo X86-64 || echo AArch64)" \
    || die "$bin is not an $a ELF"
  local v rc
  v=$($run "$bin" --version) || die "$bin --version failed"
  expect "$name --version" "$name $version" "$v"
  case $name in
    vanish-init)
      local size
      size=$(stat -c %s "$bin")
      [ "$size" -lt "$max_init_bytes" ] || die "$bin is $size bytes: over the $max_init_bytes limit"
      # PID 1 duties need a namespace; here: it runs a command and passes its
      # exit status through (the host's /bin/sh, exec'd by the emulated binary).
      rc=0; $run "$bin" -q -- /bin/sh -c 'exit 7' || rc=$?
      expect "vanish-init -- sh -c 'exit 7'" 7 "$rc"
      rc=0; $run "$bin" -q --ttl 1s --grace 1s -- /bin/sh -c 'sleep 30' || rc=$?
      expect "vanish-init --ttl 1s expiry exit code" 0 "$rc"
      echo "$name $a size=$size"
      ;;
    vanish)
      # Pure commands: the same bytes on every architecture.
      $run "$bin" iam-policy | sha256sum | cut -d' ' -f1
      # `render` of the one-file example, in the environment its golden was
      # made in (tests/support/render.rs), is byte for byte the golden.
      # shellcheck disable=SC2086 # $run is empty (native) or the emulator
      (cd examples/one-file && env -i PATH="$PATH" VANISH_NOW=2026-11-21T12:00:00Z \
        AWS_REGION=eu-west-1 CI_MERGE_REQUEST_IID=42 CI_COMMIT_REF_NAME=feature/login \
        GITLAB_USER_LOGIN=ann NO_COLOR=1 $run "$bin" render 2>/dev/null | cmp -s - render.golden.json) \
        || die "$bin render differs from examples/one-file/render.golden.json"
      # The HTTPS client and its crypto provider start (no panic): a refused
      # TLS connection on loopback is an ordinary AWS-call failure.
      rc=0
      AWS_ACCESS_KEY_ID=AKIDSMOKE AWS_SECRET_ACCESS_KEY=smoke AWS_EC2_METADATA_DISABLED=true \
        AWS_MAX_ATTEMPTS=1 $run "$bin" -q ls --region us-east-1 --endpoint-url https://127.0.0.1:9 \
        >/dev/null 2>&1 || rc=$?
      [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] || die "$name ls against a closed port: exit $rc (a panic or signal?)"
      echo "ls-exit=$rc"
      echo "$name $a size=$(stat -c %s "$bin")"
      ;;
  esac
}
names=(vanish-init vanish)
[ "$init_only" = 0 ] || names=(vanish-init)
[ "$cli_test" = 0 ] || names=(vanish)
for name in "${names[@]}"; do
  first=""
  for a in "${archs[@]}"; do
    run_with=$(runner "$a")
    log "smoke test $name ($a${run_with:+ under $run_with})"
    transcript=$(smoke_one "$a" "$name")
    printf '%s\n' "$transcript" | sed -n 's/^\(.* size=.*\)$/    \1/p' >&2
    body=$(printf '%s\n' "$transcript" | grep -v ' size=' || true)
    if [ -z "$first" ]; then first=$body
    else expect "$name on $a answers as on ${archs[0]}" "$first" "$body"; fi
  done
done

# --- checksums -----------------------------------------------------------------
artifacts=()
for name in "${names[@]}"; do for a in "${archs[@]}"; do artifacts+=("$name-linux-$a"); done; done
(cd "$dist" && printf '%s\n' "${artifacts[@]}" | LC_ALL=C sort | xargs sha256sum > SHA256SUMS)
(cd "$dist" && sha256sum --quiet -c SHA256SUMS) || die "SHA256SUMS does not verify"
log "dist: $(wc -l < "$dist/SHA256SUMS") files in $dist/SHA256SUMS"

# --- images --------------------------------------------------------------------
# Build contexts: dist/image/<docker arch>/{init,cli}/ are the images' root
# filesystems (made even with --no-images: the release workflow builds the
# multi-arch images from them with buildx). The Dockerfiles
# (packaging/docker/) COPY "${TARGETARCH}/…": buildx sets TARGETARCH itself,
# the classic builder gets it substituted here.
ca=/etc/ssl/certs/ca-certificates.crt
[ "$init_only" = 1 ] || [ -s "$ca" ] || die "$ca is missing (apt-get install ca-certificates)"

busybox_for() { # arch → path of a static busybox for it
  if [ "$1" = "$(uname -m)" ]; then
    if [ ! -x /bin/busybox ] || readelf -lW /bin/busybox | grep -q INTERP; then
      die "/bin/busybox is not static (apt-get install busybox-static)"
    fi
    echo /bin/busybox; return
  fi
  # Debian's busybox-static for the other architecture, downloaded with apt
  # into a private state directory (the machine's apt setup is not changed).
  local d=$target_dir/dist-apt/$1 arch
  arch=$(docker_arch "$1")
  if [ ! -x "$d/root/bin/busybox" ]; then
    mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/root"
    local o=(-o "APT::Architecture=$arch" -o "APT::Architectures::=$arch"
             -o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache" -o Debug::NoLocking=1)
    apt-get "${o[@]}" -qq update >&2 || die "apt-get update for $arch failed"
    (cd "$d" && apt-get "${o[@]}" -qq download "busybox-static:$arch" >&2) \
      || die "cannot download busybox-static:$arch with apt"
    dpkg-deb -x "$d"/busybox-static_*.deb "$d/root"
  fi
  echo "$d/root/bin/busybox"
}

for a in "${archs[@]}"; do
  ctx=$dist/image/$(docker_arch "$a")
  rm -rf "$ctx"
  mkdir -p "$ctx"
  if [ "$cli_test" = 0 ]; then
    mkdir -p "$ctx/init"
    cp "$dist/vanish-init-linux-$a" "$ctx/init/vanish-init"
  fi
  [ "$init_only" = 1 ] && continue
  mkdir -p "$ctx/cli/bin" "$ctx/cli/usr/local/bin" "$ctx/cli/etc/ssl/certs" "$ctx/cli/tmp"
  chmod 1777 "$ctx/cli/tmp"
  cp "$dist/vanish-linux-$a" "$ctx/cli/usr/local/bin/vanish"
  cp "$ca" "$ctx/cli/etc/ssl/certs/ca-certificates.crt"
  cp "$(busybox_for "$a")" "$ctx/cli/bin/busybox"
  # The applets as symlinks (GitLab's runner needs sh, mkdir, rm, …); the
  # list is the host busybox's (the same Debian package, another arch).
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -s busybox "$ctx/cli/bin/$applet"
  done
done

[ "$images" = 1 ] || { log "done: $dist (no images)"; exit 0; }
need docker "apt-get install docker.io; scripts/docker.sh start"
docker version --format '{{.Server.Version}}' >/dev/null || die "no Docker engine answers (scripts/docker.sh start)"
images_built=()
for a in "${archs[@]}"; do
  da=$(docker_arch "$a")
  for image in "${names[@]}"; do
    tag=${prefix}$image:$version-$da$tag_suffix
    labels=()
    [ "$cli_test" = 0 ] || labels=(--label vanish.test-image=true --label "vanish.build-profile=$launcher_profile"
      --label "org.opencontainers.image.description=vanish CLI: a CI test build ($launcher_profile profile), not a release")
    # The classic builder commits `ARG` as a step of the engine's own
    # platform, and then refuses to COPY onto it for another one (Docker
    # 20.10); so it gets the Dockerfile with TARGETARCH already substituted.
    sed "/^ARG TARGETARCH\$/d; s/\${TARGETARCH}/$da/g" "packaging/docker/$image.Dockerfile" \
      | docker build -q --platform "linux/$da" ${labels[@]+"${labels[@]}"} -f - -t "$tag" "$dist/image" >/dev/null 2>"$dist/image/build.log" \
      || die "docker build $tag failed: $(cat "$dist/image/build.log")"
    images_built+=("$tag")
  done
done
log "images: ${images_built[*]}"

# --- multi-arch manifest lists ---------------------------------------------------
# `docker manifest` reads and writes manifests only in a registry, and this
# engine has no buildx; so --manifest runs Debian's registry (the binary from
# the docker-registry package, downloaded with apt, not installed as a
# service) on a loopback port for the length of this script, pushes the
# per-arch images, and pushes one manifest list per image. The release
# workflow builds the same lists with buildx from the same contexts.
if [ "$manifest" = 1 ]; then
  [ ${#archs[@]} -eq 2 ] || usage "--manifest needs both architectures"
  reg=$target_dir/dist-apt/registry
  if [ ! -x "$reg/root/usr/bin/docker-registry" ]; then
    mkdir -p "$reg/root"
    (cd "$reg" && apt-get -qq download docker-registry >&2) || die "cannot download docker-registry with apt"
    dpkg-deb -x "$reg"/docker-registry_*.deb "$reg/root"
  fi
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  rm -rf "$reg/data"
  printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
    "$reg/data" "$port" > "$reg/config.yml"
  "$reg/root/usr/bin/docker-registry" serve "$reg/config.yml" > "$reg/registry.log" 2>&1 &
  reg_pid=$!
  pushed=()
  cleanup_registry() {
    kill "$reg_pid" 2>/dev/null || true
    wait "$reg_pid" 2>/dev/null || true
    [ ${#pushed[@]} -eq 0 ] || docker rmi "${pushed[@]}" >/dev/null 2>&1 || true
    rm -rf "$reg/data"
  }
  trap cleanup_registry EXIT
  for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break
    kill -0 "$reg_pid" 2>/dev/null || die "the registry exited: $(cat "$reg/registry.log")"
    sleep 0.1
  done
  curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null || die "the registry does not answer on 127.0.0.1:$port"
  mkdir -p "$dist/manifests"
  for image in vanish-init vanish; do
    [ "$image" = vanish ] && [ "$init_only" = 1 ] && continue
    list=127.0.0.1:$port/$image:$version
    parts=()
    for da in amd64 arm64; do
      docker tag "${prefix}$image:$version-$da" "$list-$da"
      pushed+=("$list-$da")
      docker push -q "$list-$da" >/dev/null || die "docker push $list-$da failed"
      parts+=("$list-$da")
    done
    docker manifest rm "$list" >/dev/null 2>&1 || true
    docker manifest create --insecure "$list" "${parts[@]}" >/dev/null
    docker manifest push --purge --insecure "$list" >/dev/null
    docker manifest inspect --insecure "$list" > "$dist/manifests/$image.json"
    log "manifest list $image:$version (linux/amd64, linux/arm64) -> dist/manifests/$image.json"
  done
fi
log "done: $dist"
