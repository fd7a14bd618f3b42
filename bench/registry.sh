#!/usr/bin/env bash
# registry.sh: vetting an image straight from a local registry against copying
# it with skopeo, in one run on one machine.
#
#   bench/registry.sh [BUILD_DIR]     (default: build)
#
# The image is the ~1 GB 3-layer bench image of bench/scan.sh (a debootstrap
# tree, then /usr/bin..include, then /usr/share; made by `ONLY_BUILD=1 KEEP=1
# bench/scan.sh` into $BENCH_DIR when missing). SMALL=1 instead builds, once,
# a busybox-static base plus two layers of real files copied from this host's
# /usr (shared libraries, then /usr/share), a few hundred MB uncompressed. Starts
# Docker Distribution on 127.0.0.1 (free port, storage under $WORK), pushes the
# image with skopeo, then times, RUNS times each (median reported):
#   imagevet scan --offline           (pull + digest checks + decompress + full analysis)
#   imagevet scan --offline --no-content (the same without the content rules: what
#                                     remains when content analysis costs nothing)
#   imagevet scan --offline oci:      (the same image from the local OCI layout: no network)
#   ivet_pull                         (pull + blob digest checks only)
#   skopeo copy docker://... oci:...  (pull + digest checks + write to disk)
#   floor                             (no network, no hashing, no analysis: igzip -dc of
#                                     each layer blob of the local layout, two at a time:
#                                     less than any scanner that checks diff_ids must do)
# Each row also records the CPU seconds of the command and of the registry process
# during it (both compete for the same cores).
# Results: bench/results/registry-<date>.md (CPU, commit, date, sizes, timings).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
WORK=${WORK:-/tmp/ivet-bench-registry}
RUNS=${RUNS:-3}
LIB_MB=${LIB_MB:-180}            # MB of /usr/lib files in layer 2
SHARE_MB=${SHARE_MB:-120}        # MB of /usr/share files in layer 3
IMAGEVET=$BUILD/imagevet
PULL=$BUILD/ivet_pull
SKOPEO=(skopeo --insecure-policy)
PIDS=()
cleanup() { local p; for p in "${PIDS[@]+"${PIDS[@]}"}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
log() { printf '[bench/registry] %s\n' "$*" >&2; }
now() { date +%s.%N; }
for c in docker-registry skopeo umoci jq python3 curl; do
  command -v "$c" >/dev/null || { log "missing $c (scripts/install-deps)"; exit 2; }
done
[ -x "$IMAGEVET" ] && [ -x "$PULL" ] || { log "build imagevet and ivet_pull first ($BUILD)"; exit 2; }

copy_files() {  # SRC_DIR DEST_ROOT MB: regular files from SRC_DIR until MB are copied
  python3 - "$1" "$2" "$3" <<'PY'
import os, shutil, sys
src, dst, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]) << 20
total = 0
for d, dirs, files in os.walk(src):
    dirs.sort(); files.sort()
    for f in files:
        p = os.path.join(d, f)
        if not os.path.isfile(p) or os.path.islink(p):
            continue
        t = os.path.join(dst, os.path.relpath(p, "/"))
        os.makedirs(os.path.dirname(t), exist_ok=True)
        shutil.copy2(p, t)
        total += os.path.getsize(p)
        if total >= limit:
            sys.exit(0)
PY
}

build_image() {
  [ -f "$WORK/image.done" ] && return 0
  log "building the bench image in $WORK/oci (once)"
  rm -rf "$WORK/oci" "$WORK/bundle"; mkdir -p "$WORK"
  umoci init --layout "$WORK/oci"
  umoci new --image "$WORK/oci:bench"
  umoci unpack --image "$WORK/oci:bench" "$WORK/bundle"
  mkdir -p "$WORK/bundle/rootfs/bin" "$WORK/bundle/rootfs/etc"
  cp /usr/bin/busybox "$WORK/bundle/rootfs/bin/busybox"; ln -sf busybox "$WORK/bundle/rootfs/bin/sh"
  printf 'ID=bench\nVERSION_ID=1\n' > "$WORK/bundle/rootfs/etc/os-release"
  umoci repack --refresh-bundle --image "$WORK/oci:bench" --history.created_by "busybox base" "$WORK/bundle"
  copy_files /usr/lib/x86_64-linux-gnu "$WORK/bundle/rootfs" "$LIB_MB"
  umoci repack --refresh-bundle --image "$WORK/oci:bench" --history.created_by "COPY /usr/lib" "$WORK/bundle"
  copy_files /usr/share "$WORK/bundle/rootfs" "$SHARE_MB"
  umoci repack --image "$WORK/oci:bench" --history.created_by "COPY /usr/share" "$WORK/bundle"
  umoci config --image "$WORK/oci:bench" --os linux --architecture amd64 --config.user 1000 --config.cmd /bin/sh
  umoci gc --layout "$WORK/oci"
  rm -rf "$WORK/bundle"
  touch "$WORK/image.done"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }   # clock ticks
TICK=$(getconf CLK_TCK)
timeit() {  # NAME CMD...: appends the wall time to $WORK/t-NAME, the command's CPU seconds
            # to c-NAME and the registry's CPU seconds meanwhile to r-NAME
  local t0 r0 rc=0
  r0=$(cpu_of "$REGPID"); t0=$(now)
  /usr/bin/time -f '%U %S' -o "$WORK/cpu.txt" "${@:2}" > /dev/null 2> "$WORK/last.err" || rc=$?
  # a scan exits 1 when the verdict fails: that is a result, not an error
  if [ "$rc" -ge 2 ] || { [ "$rc" -eq 1 ] && [ "$1" != imagevet ] && [ "$1" != nocontent ] && [ "$1" != local ]; }; then
    log "$1 failed:"; cat "$WORK/last.err" >&2; exit 1
  fi
  awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "%.3f\n", b-a}' >> "$WORK/t-$1"
  tail -1 "$WORK/cpu.txt" | awk '{printf "%.2f\n", $1 + $2}' >> "$WORK/c-$1"
  awk -v a="$r0" -v b="$(cpu_of "$REGPID")" -v t="$TICK" 'BEGIN{printf "%.2f\n", (b-a)/t}' >> "$WORK/r-$1"
}

if [ "${SMALL:-0}" = 1 ]; then
  build_image
  SRC_OCI=$WORK/oci
  WHAT="busybox base + /usr/lib (${LIB_MB} MB) + /usr/share (${SHARE_MB} MB) layers, 3 layers"
else
  BENCH_DIR=${BENCH_DIR:-/dev/shm/imagevet-bench}
  [ -f "$BENCH_DIR/multi.oci/index.json" ] || ONLY_BUILD=1 KEEP=1 BENCH_DIR=$BENCH_DIR BUILD=$BUILD "$ROOT/bench/scan.sh"
  SRC_OCI=$BENCH_DIR/multi.oci
  WHAT="the bench/scan.sh 3-layer image (debootstrap tree; /usr/bin, sbin, libexec, include; /usr/share), $(python3 -c '
import json, sys
d = sys.argv[1]
man = json.load(open(d + "/index.json"))["manifests"][0]["digest"].split(":")[1]
cfg = json.load(open(d + "/blobs/sha256/" + man))["config"]["digest"].split(":")[1]
print(len(json.load(open(d + "/blobs/sha256/" + cfg))["rootfs"]["diff_ids"]), end="")' "$SRC_OCI") layers, $(cat "$BENCH_DIR"/l[123].meta | awk '{s += $1} END {printf "%.0f", s / 1e6}') MB of tar"
fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
R=127.0.0.1:$PORT
rm -rf "$WORK/data"; mkdir -p "$WORK/data"
cat > "$WORK/registry.yml" <<EOC
version: 0.1
log: {level: warn, fields: {service: registry}}
storage:
  filesystem: {rootdirectory: $WORK/data}
  cache: {blobdescriptor: inmemory}
http: {addr: "$R"}
EOC
docker-registry serve "$WORK/registry.yml" > "$WORK/registry.log" 2>&1 &
REGPID=$!
PIDS+=("$REGPID")
for _ in $(seq 1 100); do curl -s -o /dev/null "http://$R/v2/" && break; sleep 0.1; done
"${SKOPEO[@]}" copy -q --preserve-digests --dest-tls-verify=false "oci:$SRC_OCI:bench" "docker://$R/bench/image:latest"
MAN=$(jq -r '.manifests[0].digest' "$SRC_OCI/index.json")
COMP=$(jq '[.layers[].size] | add' "$SRC_OCI/blobs/sha256/${MAN#sha256:}")
jq -r '.layers[].digest' "$SRC_OCI/blobs/sha256/${MAN#sha256:}" | sed "s|^sha256:|$SRC_OCI/blobs/sha256/|" > "$WORK/blobs.txt"
# shellcheck disable=SC2016
FLOOR=(sh -c 'xargs -P 2 -I{} igzip -dc {} < "$1" > /dev/null' floor "$WORK/blobs.txt")
rm -f "$WORK"/t-* "$WORK"/c-* "$WORK"/r-*
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
for i in $(seq 1 "$RUNS"); do
  log "run $i/$RUNS"
  timeit imagevet "$IMAGEVET" scan --offline -f json --insecure-registry "$R" "$R/bench/image:latest"
  timeit nocontent "$IMAGEVET" scan --offline --no-content -f json --insecure-registry "$R" "$R/bench/image:latest"
  timeit local "$IMAGEVET" scan --offline -f json "oci:$SRC_OCI:bench"
  timeit ivet_pull "$PULL" --insecure-registry "$R" "docker://$R/bench/image:latest"
  rm -rf "$WORK/copy"
  timeit skopeo "${SKOPEO[@]}" copy -q --src-tls-verify=false "docker://$R/bench/image:latest" "oci:$WORK/copy:bench"
  timeit floor "${FLOOR[@]}"
done
UNC=$(du -sb "$WORK/copy" | cut -f1)
rm -rf "$WORK/copy"
TI=$(median < "$WORK/t-imagevet"); TL=$(median < "$WORK/t-local"); TP=$(median < "$WORK/t-ivet_pull"); TS=$(median < "$WORK/t-skopeo")
TF=$(median < "$WORK/t-floor"); TN=$(median < "$WORK/t-nocontent")
row() {  # NAME LABEL
  echo "| $2 | $(median < "$WORK/t-$1") | $(median < "$WORK/c-$1") | $(median < "$WORK/r-$1") | $(paste -sd' ' "$WORK/t-$1") |"
}
DATE=$(date -u +%Y-%m-%d)
OUTF="$ROOT/bench/results/registry-$DATE.md"
{
  echo "# Registry pull: imagevet scan vs skopeo copy ($DATE)"
  echo
  echo "- CPU: $(lscpu | sed -n 's/^Model name: *//p') ($(nproc) cores visible)"
  echo "- commit: $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src include || echo ' (+ local changes to src or include)')"
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "- compiler: $(cc --version | head -1); build type: $(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD/CMakeCache.txt" | grep . || echo 'RelWithDebInfo (default)')"
  echo "- load average before the runs: $LOAD (the machine is shared; compare rows of one run only)"
  echo "- tools: $(skopeo --version), $(docker-registry --version 2>&1 | head -1)"
  echo "- image: $WHAT,"
  echo "  $(awk -v b="$COMP" 'BEGIN{printf "%.1f", b/1e6}') MB compressed, skopeo's OCI copy $(awk -v b="$UNC" 'BEGIN{printf "%.1f", b/1e6}') MB on disk"
  echo "- registry: Docker Distribution on 127.0.0.1 over plain HTTP, filesystem storage (page cache warm)"
  echo "- runs: $RUNS each, interleaved; median wall time"
  echo
  echo "| what | median wall s | median CPU s | registry CPU s meanwhile | runs, wall (s) |"
  echo "|---|---:|---:|---:|---|"
  row imagevet "\`imagevet scan --offline\` (pull, verify, decompress, analyse)"
  row nocontent "\`imagevet scan --offline --no-content\` (the same, no content rules)"
  row local "\`imagevet scan --offline oci:\` (same image from a local layout)"
  row ivet_pull "\`ivet_pull\` (pull, verify blob digests)"
  row skopeo "\`skopeo copy docker:// oci:\` (pull, verify, write)"
  row floor "floor: \`igzip -dc\` of each local blob, 2 at a time (no network, no hashing, no analysis)"
  echo
  echo "imagevet / skopeo: $(awk -v a="$TI" -v b="$TS" 'BEGIN{printf "%.2f", a/b}'); no-content / skopeo: $(awk -v a="$TN" -v b="$TS" 'BEGIN{printf "%.2f", a/b}'); floor / skopeo: $(awk -v a="$TF" -v b="$TS" 'BEGIN{printf "%.2f", a/b}')"
} > "$OUTF"
cat "$OUTF"
