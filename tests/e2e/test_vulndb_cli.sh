#!/usr/bin/env bash
# imagevet vercmp and imagevet db from the command line: answers and exit
# statuses, the batch mode on the shared dpkg vectors (checked against the
# file's expected column), db import of the shared vulnerability data into a
# fresh database, db status, and errors that exit 2.
. "$(dirname "$0")/lib.sh" "$@"
command -v "$IMAGEVET" > /dev/null 2>&1 || [ -x "$IMAGEVET" ] || skip "no imagevet binary (set IMAGEVET)"
SH=${IVET_SHARED_DIR:-$(dirname "$0")/../../../shared}/testdata
[ -d "$SH/versions" ] && [ -d "$SH/vulndb" ] || skip "no ../shared/testdata"

vc() {  # ECO A B WANT_OUTPUT WANT_STATUS
  local out rc=0
  out=$("$IMAGEVET" vercmp "$1" "$2" "$3" 2>/dev/null) || rc=$?
  if [ "$out" = "$4" ] && [ "$rc" = "$5" ]; then pass "vercmp $1 $2 $3 -> '$out' ($rc)"
  else fail "vercmp $1 $2 $3: got '$out' ($rc), expected '$4' ($5)"; fi
}
vc apk 1.2.3-r1 1.2.3_rc1 ">" 0
vc deb 1:1.0 2.0 ">" 0
vc dpkg 1.0~rc1 1.0 "<" 0
vc rpm 1.0-1.el9 1.0-1.el9 "=" 0
vc pypi 1.0.post1 1.0 ">" 0
vc go v2.0.0+incompatible v2.0.0 "=" 0
vc maven 1.0-SNAPSHOT 1.0 "<" 0
vc semver 1.0.0-alpha 1.0.0 "<" 0
vc deb 1.0- 1.0 "" 2
vc cobol 1 2 "" 2
"$IMAGEVET" vercmp deb 2> "$TMP/usage.err" && fail "vercmp without versions succeeded" || pass "vercmp usage error"

# batch: one answer per pair, '!' for an invalid pair, exit 2 when any was invalid
out=$(printf '1.0 2.0\n1.0- 1.0\n\n2.0 1.0 extra\n3 3\n' | "$IMAGEVET" vercmp deb - ) && rc=0 || rc=$?
[ "$out" = "$(printf '<\n!\n!\n=')" ] && [ "$rc" = 2 ] && pass "batch answers and status" || fail "batch: '$out' ($rc)"
grep -v '^#' "$SH/versions/dpkg.tsv" | awk -F'\t' 'NF == 3 { print $1 " " $2 }' > "$TMP/pairs"
grep -v '^#' "$SH/versions/dpkg.tsv" | awk -F'\t' 'NF == 3 { print ($3 < 0 ? "<" : ($3 > 0 ? ">" : "=")) }' > "$TMP/want"
# a version with a leading space cannot travel in the whitespace-separated batch format
paste -d'|' "$TMP/pairs" "$TMP/want" | grep -v '^ ' > "$TMP/rows"
cut -d'|' -f1 "$TMP/rows" | "$IMAGEVET" vercmp deb - > "$TMP/got" || true
cut -d'|' -f2 "$TMP/rows" > "$TMP/want2"
n=$(wc -l < "$TMP/rows")
if cmp -s "$TMP/got" "$TMP/want2" && [ "$n" -gt 14000 ]; then pass "batch agrees with $n dpkg vectors"
else fail "batch disagrees with dpkg vectors ($(diff "$TMP/got" "$TMP/want2" | grep -c '^<') rows)"; fi

# db import / status
DB="$TMP/db/vulndb.sqlite"
"$IMAGEVET" db --vulndb "$DB" status > "$TMP/status0.out" 2>&1 && fail "status without a database succeeded" || pass "status without a database fails"
if "$IMAGEVET" db --vulndb "$DB" import "$SH/vulndb/osv" "$SH/vulndb/alpine-secdb-legacy/v3.10-main.json" \
     "$SH/vulndb/debian-security-tracker-sample.json" > "$TMP/import.out" 2>&1; then
  pass "db import: $(cat "$TMP/import.out")"
else
  fail "db import: $(cat "$TMP/import.out")"
fi
"$IMAGEVET" db --vulndb "$DB" status > "$TMP/status.out" 2>&1 || fail "db status failed"
for s in alpine-secdb:v3.10/main debian-tracker osv; do
  grep -q "^$s " "$TMP/status.out" && pass "status lists $s" || fail "status lacks $s: $(cat "$TMP/status.out")"
done
# --cache-dir: db writes DIR/vulndb.sqlite, the file scan --cache-dir DIR reads
mkdir -p "$TMP/cache"
"$IMAGEVET" db --cache-dir "$TMP/cache" import "$SH/vulndb/alpine-secdb-legacy/v3.10-main.json" > /dev/null 2>&1 \
  && [ -s "$TMP/cache/vulndb.sqlite" ] && pass "db --cache-dir writes DIR/vulndb.sqlite" \
  || fail "db --cache-dir did not write $TMP/cache/vulndb.sqlite"
"$IMAGEVET" db --vulndb "$DB" import /nonexistent > /dev/null 2>&1; rc=$?
[ "$rc" = 2 ] && pass "import of a missing path exits 2" || fail "import of a missing path exited $rc"
echo '{"hello": "world"}' > "$TMP/other.json"
"$IMAGEVET" db --vulndb "$DB" import "$TMP/other.json" 2> "$TMP/other.err"; rc=$?
[ "$rc" = 2 ] && grep -q "other.json" "$TMP/other.err" && pass "unknown format exits 2 naming the file" || fail "unknown format: $rc $(cat "$TMP/other.err")"
"$IMAGEVET" db --vulndb "$DB" update --osv-ecosystems '' --alpine-releases '' \
  --debian-url https://127.0.0.1:1/tracker.json > /dev/null 2> "$TMP/update.err"; rc=$?
[ "$rc" = 2 ] && grep -q "127.0.0.1:1" "$TMP/update.err" && pass "failed update exits 2 naming the URL" || fail "update: $rc $(cat "$TMP/update.err")"
finish
