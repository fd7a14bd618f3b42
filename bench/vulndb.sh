#!/bin/sh
# bench/vulndb.sh: `imagevet db import` speed on a large synthetic OSV dump.
#
# Generates N records (default 200000) shaped like real OSV PyPI/npm/Go/Maven
# records (aliases, summary, CVSS vector, one or two ECOSYSTEM/SEMVER ranges,
# some explicit version lists) into one all.zip with python3's zipfile, imports
# it into a fresh database and records records/s with the CPU, compiler,
# commit and date in bench/results/.
#
# usage: bench/vulndb.sh [BUILD_DIR] [N]     (BUILD_DIR default: build)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
n=${2:-200000}
bin="$here/$build/imagevet"
[ -x "$bin" ] || { echo "no $bin: build first" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

python3 - "$work/Synthetic" "$n" <<'PY'
import json, os, random, sys, zipfile
out, n = sys.argv[1], int(sys.argv[2])
os.makedirs(out)
rnd = random.Random(42)
ecos = [("PyPI", "ECOSYSTEM"), ("npm", "SEMVER"), ("Go", "SEMVER"), ("Maven", "ECOSYSTEM")]
vectors = ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
           "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H",
           "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"]
with zipfile.ZipFile(os.path.join(out, "all.zip"), "w", zipfile.ZIP_DEFLATED) as z:
    for i in range(n):
        eco, rtype = ecos[i % len(ecos)]
        name = "pkg-%d" % rnd.randrange(n // 3 + 1)
        if eco == "Maven":
            name = "org.example.g%d:%s" % (i % 97, name)
        a, b = rnd.randrange(5), rnd.randrange(20)
        events = [{"introduced": "0"}, {"fixed": "%d.%d.1" % (a, b)}]
        if i % 3 == 0:
            events += [{"introduced": "%d.0.0" % (a + 1)}, {"fixed": "%d.%d.2" % (a + 1, b)}]
        rec = {
            "schema_version": "1.6.0",
            "id": "SYN-%07d" % i,
            "modified": "2026-01-01T00:00:00Z",
            "published": "2025-06-01T00:00:00Z",
            "aliases": ["CVE-2025-%05d" % i, "GHSA-%04x-%04x-%04x" % (i % 65536, a, b)],
            "summary": "Synthetic vulnerability %d in %s" % (i, name),
            "details": "A long description. " * 10,
            "severity": [{"type": "CVSS_V3", "score": vectors[i % 3]}],
            "affected": [{
                "package": {"ecosystem": eco, "name": name},
                "ranges": [{"type": rtype, "events": events}],
                "versions": ["%d.%d.0" % (a, k) for k in range(i % 5)],
                "database_specific": {"source": "synthetic"},
            }],
            "references": [{"type": "WEB", "url": "https://example.org/%d" % i}],
        }
        z.writestr("SYN-%07d.json" % i, json.dumps(rec))
PY

zip="$work/Synthetic/all.zip"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
# first import into an empty database, then the same dump again (every
# record replaces its earlier version: what a daily `db update` does)
run() {
    /usr/bin/time -f "%U %S" -o "$work/time" "$bin" db --vulndb "$work/db.sqlite" import "$zip"
}
out=$(run); echo "$out"; cpu1=$(awk '{print $1 + $2}' "$work/time")
rate=$(echo "$out" | sed -n 's/.*(\([0-9]*\) records\/s).*/\1/p')
secs=$(echo "$out" | sed -n 's/.* in \([0-9.]*\)s .*/\1/p')
out2=$(run); echo "$out2"; cpu2=$(awk '{print $1 + $2}' "$work/time")
rate2=$(echo "$out2" | sed -n 's/.*(\([0-9]*\) records\/s).*/\1/p')
load1=$(cut -d' ' -f1-3 /proc/loadavg)

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$here/$build/CMakeCache.txt")
ccv=$("$cc" --version 2>/dev/null | head -1)
btype=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$here/$build/CMakeCache.txt")
commit=$(git -C "$here" rev-parse --short HEAD)
date=$(date -u +%Y-%m-%dT%H:%MZ)
mkdir -p "$here/bench/results"
res="$here/bench/results/vulndb-import-$(date -u +%Y%m%d-%H%M).txt"
{
    echo "benchmark: imagevet db import, synthetic OSV zip dump"
    echo "date: $date"
    echo "commit: $commit"
    echo "cpu: $cpu ($(nproc) online)"
    echo "compiler: $ccv ($btype)"
    echo "records: $n ($(du -k "$zip" | cut -f1) KiB zip)"
    echo "load average before/after: $load0 / $load1"
    echo "first import: $secs s wall, $rate records/s wall, $cpu1 CPU s, $(awk -v n="$n" -v c="$cpu1" 'BEGIN{printf "%d", n / c}') records per CPU second"
    echo "re-import:    $rate2 records/s wall, $cpu2 CPU s, $(awk -v n="$n" -v c="$cpu2" 'BEGIN{printf "%d", n / c}') records per CPU second"
    echo "target: >= 20000 records/s. The import is single-threaded; on a shared machine the"
    echo "wall-clock rate mostly measures the load (see the load average), CPU seconds do not."
} | tee "$res"
