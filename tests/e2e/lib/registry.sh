# registry.sh: sourced by tests/e2e/test_registry*.sh and test_daemon.sh.
# Builds small images with umoci from a busybox-static rootfs, runs Docker
# Distribution (Debian's docker-registry) on 127.0.0.1 with filesystem storage
# under a temporary directory, pushes with skopeo, and stops every process it
# started (trap). Recipes: the project's fixture research, section 4.
set -euo pipefail

LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=${IVET_BUILD_DIR:?IVET_BUILD_DIR must name the build directory}
PULL=$BUILD/ivet_pull
IMAGEVET=${IMAGEVET:-$BUILD/imagevet}
T=$(mktemp -d "${TMPDIR:-/tmp}/ivet-e2e-reg.XXXXXX")
PIDS=()
SKOPEO=(skopeo --insecure-policy)
NFAIL=0

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
skip() { echo "SKIP: $*"; exit 77; }
need() { local c; for c in "$@"; do command -v "$c" >/dev/null 2>&1 || skip "$c is not installed (scripts/install-deps)"; done; }

stop_pid() {
  local p=$1 i
  kill -0 "$p" 2>/dev/null || return 0
  kill -TERM "$p" 2>/dev/null || true
  for i in $(seq 1 50); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$p" 2>/dev/null || true
}
cleanup() {
  local p
  for p in "${PIDS[@]+"${PIDS[@]}"}"; do stop_pid "$p"; done
  rm -rf "$T"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_http() {  # URL: wait up to 10 s for any HTTP answer
  local i
  for i in $(seq 1 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" != 000 ] && return 0
    sleep 0.1
  done
  log "no answer from $1"; return 1
}

# ---- checks: each prints PASS/FAIL and the test exits 1 at the end on any FAIL
ok() { echo "PASS: $*"; }
bad() { echo "FAIL: $*"; NFAIL=$((NFAIL + 1)); }
finish() { [ "${VERBOSE:-0}" = 1 ] && for f in "$T"/*.out; do echo "== $(basename "$f")"; cat "$f"; done; [ "$NFAIL" = 0 ] || { echo "$NFAIL check(s) failed"; exit 1; }; echo "all checks passed"; }

# run NAME CMD...: runs CMD, keeps stdout+stderr in $T/NAME.out and the status in RC
run() {
  local name=$1; shift
  set +e
  "$@" > "$T/$name.out" 2>&1
  RC=$?
  set -e
  OUT="$T/$name.out"
}
expect_rc() { if [ "$RC" = "$1" ]; then ok "$2 (exit $RC)"; else bad "$2: exit $RC, expected $1"; sed 's/^/    /' "$OUT"; fi; }
expect_out() { if grep -q -- "$1" "$OUT"; then ok "$2"; else bad "$2: '$1' not in output"; sed 's/^/    /' "$OUT"; fi; }
expect_no() { if grep -q -- "$1" "$OUT"; then bad "$2: '$1' in output"; sed 's/^/    /' "$OUT"; else ok "$2"; fi; }

# ---- images: busybox-static rootfs, umoci
make_rootfs() {  # DIR TAG
  mkdir -p "$1/bin" "$1/etc"
  cp /usr/bin/busybox "$1/bin/busybox"
  ln -sf busybox "$1/bin/sh"
  printf 'ID=fixture\nVERSION_ID=1\n' > "$1/etc/os-release"
  printf '%s\n' "$2" > "$1/etc/fixture"
}

# make_images: $T/oci with tags amd64 (2 layers), arm64 (1 layer), multi (index of both)
make_images() {
  local arch b idx dg sz
  [ -x /usr/bin/busybox ] && { ldd /usr/bin/busybox 2>&1 || true; } | grep -q 'not a dynamic' \
    || skip "busybox-static is not installed"
  umoci init --layout "$T/oci"
  for arch in amd64 arm64; do
    b="$T/bundle-$arch"
    umoci new --image "$T/oci:$arch"
    umoci unpack --image "$T/oci:$arch" "$b"
    make_rootfs "$b/rootfs" "$arch"
    umoci repack --refresh-bundle --image "$T/oci:$arch" --history.created_by "busybox rootfs ($arch)" "$b"
    if [ "$arch" = amd64 ]; then
      mkdir -p "$b/rootfs/srv"
      head -c 300000 /dev/urandom > "$b/rootfs/srv/random.bin"    # incompressible: a blob > 300 kB
      umoci repack --image "$T/oci:$arch" --history.created_by "add /srv/random.bin" "$b"
    fi
    umoci config --image "$T/oci:$arch" --os linux --architecture "$arch" --config.cmd /bin/sh
    rm -rf "$b"
  done
  idx="$T/index.json"
  jq -c -n --slurpfile L "$T/oci/index.json" '
    def d(t): $L[0].manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == t)
              | {mediaType, digest, size};
    {schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
     manifests: [ (d("amd64") + {platform: {architecture: "amd64", os: "linux"}}),
                  (d("arm64") + {platform: {architecture: "arm64", os: "linux", variant: "v8"}}) ]}' > "$idx"
  dg=$(sha256sum "$idx" | cut -d' ' -f1); sz=$(stat -c %s "$idx")
  mv "$idx" "$T/oci/blobs/sha256/$dg"
  jq --arg d "sha256:$dg" --argjson s "$sz" '.manifests += [{mediaType: "application/vnd.oci.image.index.v1+json",
      digest: $d, size: $s, annotations: {"org.opencontainers.image.ref.name": "multi"}}]' \
    "$T/oci/index.json" > "$T/layout-index.json"
  mv "$T/layout-index.json" "$T/oci/index.json"
  umoci gc --layout "$T/oci"
}

# ---- Docker Distribution
registry_start() {  # NAME PORT [extra yaml]: storage in $T/data-NAME
  local name=$1 port=$2 extra=${3:-}
  mkdir -p "$T/data-$name"
  cat > "$T/registry-$name.yml" <<EOC
version: 0.1
log:
  level: warn
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: $T/data-$name
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:$port
EOC
  [ -n "$extra" ] && printf '%s\n' "$extra" >> "$T/registry-$name.yml"
  docker-registry serve "$T/registry-$name.yml" >> "$T/registry-$name.log" 2>&1 &
  REG_PID=$!
  PIDS+=("$REG_PID")
  wait_http "http://127.0.0.1:$port/v2/"
}

push() {  # TAG DEST-REF [skopeo copy options...]
  local tag=$1 dest=$2; shift 2
  "${SKOPEO[@]}" copy -q --all --preserve-digests --dest-tls-verify=false "$@" "oci:$T/oci:$tag" "docker://$dest"
}

# digest of a tag in the layout: the manifest (or index) digest skopeo pushes with --preserve-digests
layout_digest() {
  jq -r --arg t "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' \
    "$T/oci/index.json"
}
