#!/bin/sh
# secrets-accuracy.sh: measures the secret catalog (data/rules/secrets.rules)
# against the public test data in ../shared/testdata/secrets and the Alpine
# root filesystem, prints the figures and records them in
# bench/results/secrets-accuracy-<date>.md with the commit and the date.
#
#   bench/secrets-accuracy.sh [BUILD_DIR]      (default: build; needs test_secrets built)
#
# The figures come from tests/unit/test_secrets.c, which asserts the targets
# (recall >= 95 %, false positives <= 3 %, every Trivy line found, no high or
# critical finding on Alpine); this script only runs it and keeps the numbers.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
shared=${IVET_SHARED_DIR:-$src/../shared}
bin=$build/test_secrets
if [ ! -x "$bin" ]; then
    echo "secrets-accuracy: '$bin' not built (cmake --build $build --target test_secrets)" >&2
    exit 2
fi
if [ ! -d "$shared/testdata/secrets" ]; then
    echo "secrets-accuracy: no test data in '$shared/testdata/secrets' (set IVET_SHARED_DIR)" >&2
    exit 77
fi
status=0
out=$(IVET_SOURCE_DIR=$src IVET_SHARED_DIR=$shared "$bin" 2>&1) || status=$?
figures=$(printf '%s\n' "$out" | grep -E '^(gitleaks vectors|trivy expected pairs|alpine [0-9.]+|upstream families|cases\.tsv):' || true)
details=$(printf '%s\n' "$out" | grep -E '^(missed|false positive|trivy [a-z]|unexpected|LEAK|no positive)' | grep -v '^trivy expected pairs' || true)
alpine=$(printf '%s\n' "$out" | grep -E '^alpine /' || true)
printf '%s\n' "$figures"
[ -n "$details" ] && printf '%s\n' "$details"

# Cost: compile time of the catalog and scan throughput over the Alpine files.
perf=""
tarball=$shared/testdata/rootfs/alpine-minirootfs-3.20.3-x86_64.tar.gz
if [ -f "$tarball" ] && [ -f "$build/libimagevet.a" ]; then
    drv=$build/secrets_bench
    # shellcheck disable=SC2046
    if ${CC:-cc} -std=c11 -O2 -D_GNU_SOURCE -I"$src/include" -I"$src/src" "$src/bench/secrets_bench.c" \
        "$build/libimagevet.a" $(pkg-config --libs libisal libzstd libarchive openssl libcurl jansson libhs \
        yara sqlite3 yaml-0.1) -lpthread -lm -o "$drv"; then
        perf=$("$drv" "$src/data/rules/secrets.rules" "$tarball" 5 || true)
        printf '%s\n' "$perf"
    fi
fi

date=$(date -u +%Y-%m-%d)
commit=$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$src" status --porcelain -- data/rules 2>/dev/null | head -1)
[ -n "$dirty" ] && commit="$commit (data/rules modified)"
rules=$(grep -c '^\[SECRET-' "$src/data/rules/secrets.rules")
mkdir -p "$src/bench/results"
res=$src/bench/results/secrets-accuracy-$date.md
{
    echo "# Secret catalog accuracy, $date"
    echo
    echo "- commit: $commit"
    echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "- host: $(uname -srm)"
    echo "- rules: $rules in data/rules/secrets.rules"
    echo "- test data: shared/testdata/secrets (gitleaks b58d3f1 rule vectors, Trivy dc3c56e scanner tests), rootfs/alpine-minirootfs-3.20.3-x86_64"
    echo "- test result: $([ "$status" -eq 0 ] && echo 'all targets met' || echo "test_secrets exited $status")"
    echo
    echo "## Figures"
    echo
    printf '%s\n' "$figures" | sed 's/^/- /'
    echo
    echo "How they are counted: a gitleaks \`match\` sample is recalled when a rule mapped to that"
    echo "gitleaks rule (tests/fixtures/secrets/family-map.tsv) fires on it; a \`no_match\` sample is a"
    echo "false positive when a rule mapped to that gitleaks rule fires (the upstream test runs one"
    echo "rule at a time, so another family may legitimately match). Trivy rows that test custom"
    echo "YAML rule configs (rule1, multi-line) are not about the catalog and are left out."
    echo
    echo "## Cost (bench/secrets_bench.c: compile once, then best of 5 scans of every Alpine 3.20.3 file in memory)"
    echo
    echo "- cpu: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //') ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
    echo "- compiler: $(${CC:-cc} --version | head -1)"
    if [ -n "$perf" ]; then printf '%s\n' "$perf" | sed 's/^/- /'; else echo "- not measured (no Alpine tarball or no build/libimagevet.a)"; fi
    echo
    echo "## Misses and false positives"
    echo
    if [ -n "$details" ]; then printf '%s\n' "$details" | sed 's/^/- /'; else echo "none"; fi
    echo
    echo "## Findings on the clean Alpine root filesystem (any severity)"
    echo
    if [ -n "$alpine" ]; then printf '%s\n' "$alpine" | sed 's/^/- /'; else echo "none"; fi
} > "$res"
echo "written $res"
exit "$status"
