#!/usr/bin/env bash
# bench/scan.sh: how fast one pass over a ~1 GB image is, against the floor
# `igzip -dc > /dev/null` (ISA-L decompression alone) on the same layer bytes.
#
# Builds, on tmpfs (inputs in the ordinary page cache go cold on this kind of
# VM), a single-layer OCI image from a debootstrap minbase tree plus the host's
# /usr (bin, sbin, include, libexec, share minus docs and locales; pigz -6) and a
# 3-layer variant of the same files (the tree; usr/bin, sbin, libexec, include;
# usr/share), then times:
#   - the floor, igzip -dc, per image
#   - bench/layer_bench (ivet_layer_scan alone, no analysis): one thread,
#     pipelined with the thread split before and after the diff_id digest,
#     each also with every file's content delivered
#   - imagevet scan --no-content and imagevet scan, with --threads 1 and 2
#   - the content cost (issue 3): PAIRS back-to-back pairs of `scan
#     --no-content` and `scan` at the default thread count, per image; each
#     pair gives one ratio, so a drift of the machine's speed between pairs
#     (10-15% here) does not decide the figure
# Each row is the best of REPS runs (wall time) with the peak RSS of the
# process (/usr/bin/time). Results go to bench/results/scan-<date>.md.
#
#   bench/scan.sh            REPS=2, PAIRS=8 by default; BENCH_DIR=/dev/shm/imagevet-bench
#   KEEP=1 bench/scan.sh     keep the generated images for the next run
#   ONLY_BUILD=1 KEEP=1 bench/scan.sh   make the images and stop (bench/registry.sh)
#   DEBOOTSTRAP_TREE=DIR     the minbase tree; default: the one the e2e fixtures
#                            keep (BUILD/fixtures/.work/rootfs-debian-*), made
#                            by tests/e2e/make-fixtures.sh when missing
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
WORK=${BENCH_DIR:-/dev/shm/imagevet-bench}
REPS=${REPS:-2}
PAIRS=${PAIRS:-8}
KEEP=${KEEP:-0}
DATE=$(date -u +%Y-%m-%d)
OUT=${OUT:-$ROOT/bench/results/scan-$DATE.md}
IMAGEVET=$BUILD/imagevet

die() { echo "scan.sh: $*" >&2; exit 2; }
for t in igzip pigz tar python3 cc /usr/bin/time; do
  command -v "$t" >/dev/null || die "missing $t (scripts/install-deps all)"
done

# ---- build
cmake --build "$BUILD" -j2 >/dev/null || die "build failed in $BUILD"
[ -x "$IMAGEVET" ] && [ -f "$BUILD/libimagevet.a" ] || die "no $IMAGEVET or libimagevet.a"
mkdir -p "$WORK"
BENCH_BIN=$WORK/layer_bench
# shellcheck disable=SC2046
cc -O2 -std=c11 -D_GNU_SOURCE -I"$ROOT/include" -I"$ROOT/src" "$ROOT/bench/layer_bench.c" \
  "$BUILD/libimagevet.a" $(pkg-config --libs libisal libzstd libarchive openssl libcurl jansson \
  libhs yara sqlite3 yaml-0.1) -lpthread -lm -lstdc++ -o "$BENCH_BIN"

# ---- inputs
TREE=${DEBOOTSTRAP_TREE:-}
if [ -z "$TREE" ]; then
  TREE=$(ls -d "$BUILD"/fixtures/.work/rootfs-debian-* 2>/dev/null | grep -v '\.done$' | head -1 || true)
  if [ -z "$TREE" ]; then
    "$ROOT/tests/e2e/make-fixtures.sh" "$BUILD/fixtures" >&2 || die "make-fixtures.sh failed"
    TREE=$(ls -d "$BUILD"/fixtures/.work/rootfs-debian-* | grep -v '\.done$' | head -1)
  fi
fi
[ -d "$TREE/usr/bin" ] || die "no debootstrap tree at '$TREE' (set DEBOOTSTRAP_TREE)"
# name: "tree" for the debootstrap tree, then paths under the host's /
SETS=(single "tree usr/bin usr/sbin usr/include usr/libexec usr/share"
      l1 "tree" l2 "usr/bin usr/sbin usr/libexec usr/include" l3 "usr/share")
make_tar() {   # name [tree] paths...
  local name=$1; shift
  [ -s "$WORK/$name.tar.gz" ] && return 0
  local tf=$WORK/$name.tar topt=(--sort=name --numeric-owner --exclude=usr/share/doc --exclude=usr/share/locale)
  rm -f "$tf"
  if [ "$1" = tree ]; then
    shift
    # shellcheck disable=SC2012
    tar -C "$TREE" "${topt[@]}" -cf "$tf" $(ls -A "$TREE") || die "tar of $TREE failed"
  fi
  if [ $# -gt 0 ]; then
    # shellcheck disable=SC2086
    tar -C / "${topt[@]}" -rf "$tf" $* 2>/dev/null || [ -s "$tf" ] || die "tar $name failed"
  fi
  pigz -6 -c "$WORK/$name.tar" > "$WORK/$name.tar.gz"
  # tar size and diff_id, kept so the tar itself need not stay in memory
  echo "$(stat -c %s "$WORK/$name.tar") sha256:$(sha256sum "$WORK/$name.tar" | cut -c1-64)" \
    > "$WORK/$name.meta"
}
# shellcheck disable=SC2086
for ((i = 0; i < ${#SETS[@]}; i += 2)); do make_tar "${SETS[i]}" ${SETS[i+1]}; done

# An OCI layout per image; blobs are hard links to the files above.
python3 - "$WORK" <<'PY'
import hashlib, json, os, sys
work = sys.argv[1]
def sha(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for b in iter(lambda: f.read(1 << 20), b''):
            h.update(b)
    return h.hexdigest()
def blob(d, data=None, path=None):
    dg = sha(path) if path else hashlib.sha256(data).hexdigest()
    dst = os.path.join(d, 'blobs', 'sha256', dg)
    if not os.path.exists(dst):
        if path:
            os.link(path, dst)
        else:
            open(dst, 'wb').write(data)
    return 'sha256:' + dg, os.path.getsize(dst)
def image(name, layers):
    d = os.path.join(work, name + '.oci')
    if os.path.exists(os.path.join(d, 'index.json')):
        return
    os.makedirs(os.path.join(d, 'blobs', 'sha256'), exist_ok=True)
    descs, diffs = [], []
    for l in layers:
        dg, size = blob(d, path=os.path.join(work, l + '.tar.gz'))
        descs.append({'mediaType': 'application/vnd.oci.image.layer.v1.tar+gzip', 'digest': dg, 'size': size})
        diffs.append(open(os.path.join(work, l + '.meta')).read().split()[1])
    cfg = json.dumps({'architecture': 'amd64', 'os': 'linux', 'created': '2026-01-01T00:00:00Z',
                      'config': {'User': '1000', 'Cmd': ['/bin/sh']},
                      'rootfs': {'type': 'layers', 'diff_ids': diffs},
                      'history': [{'created_by': 'bench layer ' + l} for l in layers]}).encode()
    cdg, csize = blob(d, data=cfg)
    man = json.dumps({'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.manifest.v1+json',
                      'config': {'mediaType': 'application/vnd.oci.image.config.v1+json', 'digest': cdg, 'size': csize},
                      'layers': descs}).encode()
    mdg, msize = blob(d, data=man)
    json.dump({'schemaVersion': 2, 'manifests': [{'mediaType': 'application/vnd.oci.image.manifest.v1+json',
               'digest': mdg, 'size': msize, 'annotations': {'org.opencontainers.image.ref.name': 'bench'}}]},
              open(os.path.join(d, 'index.json'), 'w'))
    open(os.path.join(d, 'oci-layout'), 'w').write('{"imageLayoutVersion": "1.0.0"}')
image('single', ['single'])
image('multi', ['l1', 'l2', 'l3'])
PY

rm -f "$WORK"/*.tar                    # only the compressed layers are needed now
if [ "${ONLY_BUILD:-0}" = 1 ]; then      # bench/registry.sh wants the images only
  echo "images in $WORK: single.oci, multi.oci (tag bench)" >&2
  exit 0
fi
size_of() { stat -c %s "$1"; }
tar_size() { cut -d' ' -f1 "$WORK/$1.meta"; }
TAR1=$(tar_size single); GZ1=$(size_of "$WORK/single.tar.gz")
TARM=$(( $(tar_size l1) + $(tar_size l2) + $(tar_size l3) ))
GZM=$(( $(size_of "$WORK/l1.tar.gz") + $(size_of "$WORK/l2.tar.gz") + $(size_of "$WORK/l3.tar.gz") ))
DIGEST1=sha256:$(sha256sum "$WORK/single.tar.gz" | cut -c1-64)
DIFF1=$(cut -d' ' -f2 "$WORK/single.meta")

# ---- measurements
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
ROWS=()
measure() {   # label ubytes cmd...: best wall of REPS, peak RSS of that run
  local label=$1 ubytes=$2; shift 2
  local best="" rss="" cpu="" note=""
  for ((r = 0; r < REPS; r++)); do
    local tf=$WORK/time.txt
    if ! /usr/bin/time -f '%e %M %U %S' -o "$tf" "$@" > "$WORK/out.txt" 2> "$WORK/err.txt"; then
      local rc
      rc=$(sed -n 's/^Command exited with non-zero status \([0-9]*\)/\1/p' "$tf")
      if [ "${rc:-2}" -ge 2 ]; then
        note="exit ${rc:-?}: $(tail -1 "$WORK/err.txt")"
      fi
    fi
    local wall kb c
    read -r wall kb c < <(tail -1 "$tf" | awk '{print $1, $2, $3 + $4}')
    if [ -z "$best" ] || awk "BEGIN{exit !($wall < $best)}"; then best=$wall; rss=$kb; cpu=$c; fi
  done
  local mbs
  mbs=$(awk "BEGIN{printf \"%.0f\", $ubytes / $best / 1e6}")
  ROWS+=("$label|$best|$cpu|$mbs|$(awk "BEGIN{printf \"%.1f\", $rss / 1024}")|$note")
  echo "$label: ${best}s (cpu ${cpu}s), $mbs U MB/s, $((rss / 1024)) MiB${note:+ ($note)}" >&2
}

OPTS=(scan --quiet --offline --format json -o /dev/null --cache-dir "$WORK/cache")
# warm-up: compiles the content rules into $WORK/cache/rules, so no timed run pays for it
"$IMAGEVET" "${OPTS[@]}" "oci:$WORK/multi.oci:bench" > /dev/null 2>&1 || true
measure "floor: igzip -dc (1 layer)" "$TAR1" sh -c "igzip -dc '$WORK/single.tar.gz' > /dev/null"
measure "layer_bench, one thread" "$TAR1" "$BENCH_BIN" --digest "$DIGEST1" --diff-id "$DIFF1" "$WORK/single.tar.gz"
for at in before after; do
  measure "layer_bench, pipelined, split $at diff_id" "$TAR1" "$BENCH_BIN" --pipelined=$at --digest "$DIGEST1" --diff-id "$DIFF1" "$WORK/single.tar.gz"
  measure "layer_bench, pipelined, split $at diff_id, all content" "$TAR1" "$BENCH_BIN" --pipelined=$at --content --digest "$DIGEST1" --diff-id "$DIFF1" "$WORK/single.tar.gz"
done
for th in 1 2; do
  measure "imagevet scan --no-content --threads $th (1 layer)" "$TAR1" "$IMAGEVET" "${OPTS[@]}" --no-content --threads "$th" "oci:$WORK/single.oci:bench"
  measure "imagevet scan --threads $th (1 layer)" "$TAR1" "$IMAGEVET" "${OPTS[@]}" --threads "$th" "oci:$WORK/single.oci:bench"
done
measure "floor: igzip -dc (3 layers, one after another)" "$TARM" sh -c "for l in l1 l2 l3; do igzip -dc '$WORK'/\$l.tar.gz; done > /dev/null"
for th in 1 2; do
  measure "imagevet scan --no-content --threads $th (3 layers)" "$TARM" "$IMAGEVET" "${OPTS[@]}" --no-content --threads "$th" "oci:$WORK/multi.oci:bench"
  measure "imagevet scan --threads $th (3 layers)" "$TARM" "$IMAGEVET" "${OPTS[@]}" --threads "$th" "oci:$WORK/multi.oci:bench"
done

# ---- content cost, paired: one ratio per back-to-back pair, default threads
PAIRED=()
paired() {   # label image
  local label=$1 img=$2 tf=$WORK/time.txt ratios="" cratios="" i w0 c0 w1 c1
  for ((i = 0; i < PAIRS; i++)); do
    /usr/bin/time -f '%e %U %S' -o "$tf" "$IMAGEVET" "${OPTS[@]}" --no-content "oci:$WORK/$img:bench" > /dev/null 2>&1 || true
    read -r w0 c0 < <(tail -1 "$tf" | awk '{print $1, $2 + $3}')
    /usr/bin/time -f '%e %U %S' -o "$tf" "$IMAGEVET" "${OPTS[@]}" "oci:$WORK/$img:bench" > /dev/null 2>&1 || true
    read -r w1 c1 < <(tail -1 "$tf" | awk '{print $1, $2 + $3}')
    ratios+="$(awk "BEGIN{printf \"%.3f\", $w1 / $w0}") "
    cratios+="$(awk "BEGIN{printf \"%.3f\", $c1 / $c0}") "
  done
  PAIRED+=("$label|$ratios|$cratios")
  echo "$label: wall ratios $ratios" >&2
}
paired "1 layer" single.oci
paired "3 layers" multi.oci

# ---- report
stats() {   # numbers on stdin -> "median max min"
  tr ' ' '\n' | grep . | sort -n |
    awk '{v[NR]=$1} END {m = NR % 2 ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2; printf "%.2f %.2f %.2f\n", m, v[NR], v[1]}'
}
mkdir -p "$(dirname "$OUT")"
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src include || echo "+dirty")
{
  echo "# imagevet scan benchmark, $DATE"
  echo
  echo "| | |"
  echo "|---|---|"
  echo "| CPU | $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores, flags: $(grep -m1 -o -w -e sha_ni -e avx2 -e avx512f /proc/cpuinfo | sort -u | tr '\n' ' ')|"
  echo "| commit | $COMMIT |"
  echo "| date | $(date -u '+%Y-%m-%d %H:%M UTC') |"
  echo "| compiler | $(cc --version | head -1) ($(grep -m1 CMAKE_BUILD_TYPE: "$BUILD/CMakeCache.txt" | cut -d= -f2)) |"
  echo "| load average | $LOAD0 before the runs, $(cut -d' ' -f1-3 /proc/loadavg) after (2 cores, shared machine) |"
  echo "| 1-layer image | $TAR1 bytes of tar, $GZ1 gzip (pigz -6, ratio $(awk "BEGIN{printf \"%.2f\", $TAR1/$GZ1}")) |"
  echo "| 3-layer image | $TARM bytes of tar, $GZM gzip |"
  echo "| reps | best of $REPS |"
  echo
  echo "U MB/s = uncompressed tar bytes / wall second. \"vs floor\" = wall / the floor's wall on"
  echo "the same image. CPU s = user + system seconds of the run (all threads): on a loaded"
  echo "machine it shows the work done better than the wall time does."
  echo
  echo "| run | wall s | CPU s | U MB/s | vs floor | peak RSS MiB | note |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  floor=""
  for row in "${ROWS[@]}"; do
    IFS='|' read -r label wall cpu mbs rss note <<< "$row"
    case $label in floor*) floor=$wall ;; esac
    ratio=$(awk "BEGIN{printf \"%.2fx\", $wall / $floor}")
    echo "| $label | $wall | $cpu | $mbs | $ratio | $rss | $note |"
  done
  echo
  echo "## Content cost: \`scan\` / \`scan --no-content\`, $PAIRS back-to-back pairs, default threads ($(nproc))"
  echo
  echo "Issue 3's budget is at most 1.25 (content analysis costs at most 25% more time)."
  echo
  echo "| image | median | max | min | every pair (wall) | median of CPU s ratios |"
  echo "|---|---:|---:|---:|---|---:|"
  for row in "${PAIRED[@]}"; do
    IFS='|' read -r label ratios cratios <<< "$row"
    read -r med max min < <(echo "$ratios" | stats)
    read -r cmed _ _ < <(echo "$cratios" | stats)
    echo "| $label | $med | $max | $min | $ratios| $cmed |"
  done
} > "$OUT"
echo "wrote $OUT" >&2
[ "$KEEP" = 1 ] || rm -rf "$WORK"
