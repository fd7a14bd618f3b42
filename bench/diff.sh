#!/usr/bin/env bash
# diff.sh: what `imagevet diff` costs, against the pass it is made of, in one
# run on one machine.
#
#   bench/diff.sh [BUILD_DIR]     (default: build)
#
# The image is bench/scan.sh's 3-layer image (~1.18 GB of tar; made by
# `ONLY_BUILD=1 KEEP=1 bench/scan.sh` into $BENCH_DIR when missing). Rows,
# REPS times each, interleaved (median reported):
#   scan --no-content      one pass: verify, inflate, walk, the checks without content rules
#   diff A A               two passes, each hashing every file (sha256), inventory only,
#                          then the comparison of the two trees
# The baseline is twice the scan row: diff reads the image twice.
# Results: bench/results/diff-<date>.md (CPU, commit, date).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
BENCH_DIR=${BENCH_DIR:-/dev/shm/imagevet-bench}
REPS=${REPS:-3}
IMAGEVET=$BUILD/imagevet
[ -x "$IMAGEVET" ] || { echo "build imagevet first ($BUILD)" >&2; exit 2; }
[ -f "$BENCH_DIR/multi.oci/index.json" ] || ONLY_BUILD=1 KEEP=1 BENCH_DIR=$BENCH_DIR BUILD=$BUILD "$ROOT/bench/scan.sh"
IMG="oci:$BENCH_DIR/multi.oci:bench"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
timeit() {  # NAME CMD...: wall and CPU seconds appended to $T/NAME
  local t0 t1 rc=0
  t0=$(date +%s.%N)
  /usr/bin/time -f '%U %S' -o "$T/cpu" "${@:2}" > /dev/null 2> "$T/err" || rc=$?
  t1=$(date +%s.%N)
  if [ "$rc" -ge 2 ]; then echo "$1 failed:" >&2; cat "$T/err" >&2; exit 1; fi
  awk -v a="$t0" -v b="$t1" -v c="$(awk '{print $1 + $2}' "$T/cpu")" 'BEGIN{printf "%.3f %.2f\n", b-a, c}' >> "$T/$1"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
for i in $(seq 1 "$REPS"); do
  echo "[bench/diff] run $i/$REPS" >&2
  timeit scan "$IMAGEVET" scan --offline --no-content -f json "$IMG"
  timeit diff "$IMAGEVET" diff -f json "$IMG" "$IMG"
done
WS=$(cut -d' ' -f1 "$T/scan" | median); CS=$(cut -d' ' -f2 "$T/scan" | median)
WD=$(cut -d' ' -f1 "$T/diff" | median); CD=$(cut -d' ' -f2 "$T/diff" | median)
DATE=$(date -u +%Y-%m-%d)
OUT="$ROOT/bench/results/diff-$DATE.md"
{
  echo "# imagevet diff against the pass it is made of ($DATE)"
  echo
  echo "- CPU: $(lscpu | sed -n 's/^Model name: *//p') ($(nproc) cores visible)"
  echo "- commit: $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src include || echo ' (+ local changes to src or include)')"
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "- load average before the runs: $LOAD (the machine is shared; compare rows of one run only)"
  echo "- image: bench/scan.sh's 3-layer image, $(cat "$BENCH_DIR"/l[123].meta | awk '{s += $1} END {printf "%.0f", s / 1e6}') MB of tar, from an OCI layout on tmpfs"
  echo "- runs: $REPS each, interleaved; medians"
  echo
  echo "| what | wall s | CPU s | runs (wall s) |"
  echo "|---|---:|---:|---|"
  echo "| \`scan --no-content\` (one pass) | $WS | $CS | $(cut -d' ' -f1 "$T/scan" | paste -sd' ') |"
  echo "| \`diff A A\` (two passes, every file hashed, trees compared) | $WD | $CD | $(cut -d' ' -f1 "$T/diff" | paste -sd' ') |"
  echo
  echo "diff / (2 x scan --no-content): wall $(awk -v a="$WD" -v b="$WS" 'BEGIN{printf "%.2f", a/(2*b)}'), CPU $(awk -v a="$CD" -v b="$CS" 'BEGIN{printf "%.2f", a/(2*b)}')"
} > "$OUT"
cat "$OUT"
