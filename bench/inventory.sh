#!/bin/sh
# bench/inventory.sh: what the package inventory adds to a scan. Builds a
# baseline imagevet without the inventory's work (-DIVET_BENCH_NO_INVENTORY)
# next to the normal one, then times `imagevet scan --format json` of each on
#   1. the Debian bookworm minbase fixture (docker-archive, ~78 MB, 88 dpkg packages),
#   2. an image whose one layer is this machine's /usr/bin (hundreds of ELF
#      executables: the worst case for the ELF scanner), built with tarfile,
# alternating runs, and prints the median CPU time (user + system) and the
# overhead.
#
# usage: bench/inventory.sh BUILD_DIR [RUNS]   (BUILD_DIR has imagevet and fixtures/)
set -eu
B=$(cd "$1" && pwd)
RUNS=${2:-5}
SRC=$(cd "$(dirname "$0")/.." && pwd)
BASE="$B/bench-noinv"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

cmake -S "$SRC" -B "$BASE" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIVET_TESTS=OFF \
    -DCMAKE_C_FLAGS=-DIVET_BENCH_NO_INVENTORY >/dev/null
cmake --build "$BASE" -j2 --target imagevet >/dev/null

python3 - "$W/usrbin.tar" <<'PY'
import hashlib, io, json, os, sys, tarfile
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w") as tf:
    for name in sorted(os.listdir("/usr/bin")):
        p = os.path.join("/usr/bin", name)
        if os.path.isfile(p) and not os.path.islink(p):
            tf.add(p, arcname="usr/bin/" + name, recursive=False)
layer = buf.getvalue()
cfg = json.dumps({"architecture": "amd64", "os": "linux",
                  "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer).hexdigest()]},
                  "history": [{"created_by": "COPY /usr/bin /usr/bin"}]}).encode()
man = json.dumps([{"Config": "config.json", "RepoTags": ["bench/usrbin:1"], "Layers": ["l/layer.tar"]}]).encode()
with tarfile.open(sys.argv[1], "w") as tf:
    for n, d in (("config.json", cfg), ("l/layer.tar", layer), ("manifest.json", man)):
        ti = tarfile.TarInfo(n); ti.size = len(d); tf.addfile(ti, io.BytesIO(d))
PY

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
run() { # binary image -> CPU seconds (user + system of the process and its threads:
         # less noisy than wall time on a shared machine; microsecond resolution)
    python3 -c '
import resource, subprocess, sys
subprocess.run([sys.argv[1], "scan", "--offline", "--format", "json", sys.argv[2]],
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.4f" % (u.ru_utime + u.ru_stime))' "$1" "$2"
}
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
echo "commit: $(git -C "$SRC" rev-parse --short HEAD), date: $(date -u +%Y-%m-%dT%H:%MZ), runs: $RUNS"
for img in "docker-archive:$B/fixtures/debian.docker.tar" "docker-archive:$W/usrbin.tar"; do
    : >"$W/a"; : >"$W/b"
    run "$B/imagevet" "$img" >/dev/null          # warm the page cache
    i=0
    while [ $i -lt "$RUNS" ]; do
        run "$BASE/imagevet" "$img" >>"$W/a"
        run "$B/imagevet" "$img" >>"$W/b"
        i=$((i + 1))
    done
    a=$(median <"$W/a"); b=$(median <"$W/b")
    pk=$("$B/imagevet" sbom --format json "$img" 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["packages"]))')
    echo "$img: CPU without inventory ${a}s, with ${b}s, overhead $(echo "scale=1; 100 * ($b - $a) / $a" | bc)%, $pk packages"
done
