# lib.sh: shared helpers for the end-to-end tests (sourced, not run).
# Usage in a test: . "$(dirname "$0")/lib.sh" "$@"   (first argument: the fixture dir)
set -u
FIX=${1:-${IVET_BUILD_DIR:-build}/fixtures}
IMAGEVET=${IMAGEVET:-imagevet}
TMP=$(mktemp -d /tmp/ivet-e2e.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
FAILS=0

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
pass() { echo "ok: $*"; }
finish() { if [ "$FAILS" -gt 0 ]; then echo "$FAILS check(s) failed"; exit 1; fi; echo "all checks passed"; exit 0; }

# need FILE...: skip when a fixture is missing (make-fixtures.sh skipped it)
need() {
  local f
  for f in "$@"; do [ -e "$f" ] || skip "fixture '$f' is missing (tests/e2e/make-fixtures.sh did not build it)"; done
}

# scan NAME IMAGE [ARGS...]: $TMP/NAME.json, $TMP/NAME.err, $TMP/NAME.rc
scan() {
  local name=$1; shift
  local rc=0
  "$IMAGEVET" scan --format json "$@" > "$TMP/$name.json" 2> "$TMP/$name.err" || rc=$?
  echo "$rc" > "$TMP/$name.rc"
  return 0
}
rc_of() { cat "$TMP/$1.rc"; }

# The scan orchestrator may not exist yet: then these tests cannot run. The
# probe names a missing file, so a working scan answers at once (exit 2).
require_scan() {
  command -v "$IMAGEVET" > /dev/null 2>&1 || [ -x "$IMAGEVET" ] || skip "no imagevet binary (set IMAGEVET)"
  scan probe "oci-archive:$TMP/no-such-image.tar"
  if grep -qi "not implemented" "$TMP/probe.err"; then
    skip "imagevet scan is not implemented yet: $(head -1 "$TMP/probe.err")"
  fi
}

# json NAME PYTHON-EXPR: evaluates EXPR with `r` bound to the report; prints the result
json() {
  python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(json.dumps(v, sort_keys=True) if not isinstance(v, str) else v)' "$TMP/$1.json" "$2"
}

# the layers as "digest diff_id" lines, and the findings as a sorted set
layers_of() { json "$1" '[(l.get("digest"), l.get("diff_id")) for l in r["image"]["layers"]]'; }
diff_ids_of() { json "$1" '[l.get("diff_id") for l in r["image"]["layers"]]'; }
# Findings about the image's content and configuration. Publisher, name and
# popularity checks are left out: they depend on the names a transport carries
# (a docker-archive's RepoTags, an OCI layout's ref.name), not on the image.
findings_of() { json "$1" 'sorted(set((f.get("id"), f.get("path") or "", f.get("severity")) for f in r.get("findings", []) if f.get("category") not in ("publisher", "name", "popularity")))'; }

# expect_status NAME WANT...: the exit status is one of WANT; a 0 or 1 must also
# come with a complete report (a sanitizer abort exits 1 too)
expect_status() {
  local name=$1 got; shift
  got=$(rc_of "$name")
  for w in "$@"; do
    [ "$got" = "$w" ] || continue
    if [ "$got" = 0 ] || [ "$got" = 1 ]; then
      if ! python3 -c 'import json,sys; r = json.load(open(sys.argv[1])); assert r["schema"] == "imagevet/report/v1"' \
           "$TMP/$name.json" 2> /dev/null; then
        fail "$name: exit status $got without a valid report; stderr: $(head -3 "$TMP/$name.err")"
        return 1
      fi
    fi
    return 0
  done
  fail "$name: exit status $got, expected $*; stderr: $(head -3 "$TMP/$name.err")"
  return 1
}
