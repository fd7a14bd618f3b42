#!/usr/bin/env bash
# test_sarif.sh: the CI formats. `imagevet scan --format sarif` on two images: the planted
# fixture (findings in files and in the configuration) and an image of the
# real Alpine 3.18.9 minirootfs scanned against slices of Alpine's real 3.18
# secdb (vulnerabilities). Each document must hold what GitHub code scanning
# requires (docs/internals/reports.md) and one result per finding and
# per vulnerability of the same scan's JSON report. `--format junit` on the
# same images must parse as XML with one test case per finding and
# vulnerability plus the verdict, failing as documented.
. "$(dirname "$0")/lib.sh" "$@"
require_scan
need "$FIX/planted.oci.tar"
command -v python3 > /dev/null || skip "python3 not found"

check() {  # NAME: $TMP/NAME.sarif against $TMP/NAME.json
  python3 - "$TMP/$1.sarif" "$TMP/$1.json" "$2" <<'PY'
import json, re, sys
s, r, want_vulns = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3] == "vulns"
errs = []
def want(c, m):
    if not c:
        errs.append(m)
def text(o, k):
    return isinstance(o.get(k), dict) and isinstance(o[k].get("text"), str) and o[k]["text"] != ""
want(s.get("$schema", "").startswith("https://") and s.get("version") == "2.1.0", "$schema and version")
run = s["runs"][0]
drv = run["tool"]["driver"]
want(drv.get("name") == "imagevet", "tool.driver.name")
rules = drv["rules"]
for ru in rules:
    want(ru.get("id") and all(text(ru, k) for k in ("shortDescription", "fullDescription", "help")), "rule %s texts" % ru.get("id"))
    sev = float(ru["properties"]["security-severity"])
    want(0 < sev <= 10, "rule %s security-severity %s" % (ru["id"], sev))
want(len({ru["id"] for ru in rules}) == len(rules), "one rule per id")
res = run["results"]
want(len(res) == len(r["findings"]) + len(r["vulnerabilities"]),
     "%d results for %d findings + %d vulnerabilities" % (len(res), len(r["findings"]), len(r["vulnerabilities"])))
fps = set()
for x in res:
    want(rules[x["ruleIndex"]]["id"] == x["ruleId"], "ruleIndex of %s" % x["ruleId"])
    want(x["level"] in ("note", "warning", "error"), "level of %s" % x["ruleId"])
    want(text(x, "message"), "message of %s" % x["ruleId"])
    locs = x["locations"]
    want(1 <= len(locs) <= 10, "locations of %s" % x["ruleId"])
    pl = locs[0]["physicalLocation"]
    uri = pl["artifactLocation"]["uri"]
    want(re.fullmatch(r"[A-Za-z0-9._~!$&'()*+,;=@/%-]+", uri) and not uri.startswith("/") and ":" not in uri,
         "uri '%s' is a relative reference" % uri)
    want(pl["region"]["startLine"] >= 1, "startLine of %s" % x["ruleId"])
    fp = x["partialFingerprints"]["primaryLocationLineHash"]
    want(fp not in fps, "fingerprint of %s %s is unique" % (x["ruleId"], uri))
    fps.add(fp)
ids = {x["ruleId"] for x in res}
want({f["id"] for f in r["findings"]} | {v["id"] for v in r["vulnerabilities"]} == ids, "the same IDs as the JSON report")
if want_vulns:
    vr = [x for x in res if x["ruleId"] in {v["id"] for v in r["vulnerabilities"]}]
    want(len(r["vulnerabilities"]) > 0 and len(vr) == len(r["vulnerabilities"]), "vulnerabilities found and reported")
    want(all(x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "lib/apk/db/installed" for x in vr),
         "an apk vulnerability is located at lib/apk/db/installed")
else:
    uris = {x["ruleId"]: x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for x in res}
    want(any(k.startswith("CONT-") and u != "Dockerfile" for k, u in uris.items()), "content findings located at files")
    want(all(u == "Dockerfile" for k, u in uris.items() if k in {f["id"] for f in r["findings"] if not f["path"]}),
         "image-level findings located at Dockerfile")
for e in errs:
    print("FAIL: " + e)
sys.exit(1 if errs else 0)
PY
}

"$IMAGEVET" scan --offline -f sarif "oci-archive:$FIX/planted.oci.tar" > "$TMP/planted.sarif" 2> "$TMP/planted.err"
rc=$?
scan planted "oci-archive:$FIX/planted.oci.tar" --offline
[ "$rc" = "$(rc_of planted)" ] && pass "sarif: the same exit status as json ($rc)" || fail "sarif exit $rc, json $(rc_of planted)"
check planted findings && pass "planted fixture: SARIF as GitHub requires, one result per finding" || fail "planted fixture SARIF"

SH=${IVET_SHARED_DIR:-$(dirname "$0")/../../../shared}/testdata
ROOTFS=$SH/rootfs/alpine-minirootfs-3.18.9-x86_64.tar.gz
SLICES=$SH/vulndb/alpine-secdb-3.18-main-slices
if [ -f "$ROOTFS" ] && [ -d "$SLICES" ]; then
  # Two fixes Alpine's openssl received on 3.18-stable after the shared slice
  # was taken (its secfixes: 3.1.7-r1 CVE-2024-9143, 3.1.8-r0 CVE-2024-13176),
  # so the image's openssl 3.1.7-r0 has known vulnerabilities to report.
  printf '%s' '{"name":"openssl","distroversion":"v3.18","reponame":"main","secfixes":{"3.1.7-r1":["CVE-2024-9143"],"3.1.8-r0":["CVE-2024-13176"]}}' > "$TMP/openssl-supplement.json"
  python3 "$(dirname "$0")/make_inventory_image.py" "$ROOTFS" "$TMP/alpine.tar" > /dev/null || fail "building the Alpine image"
  "$IMAGEVET" db --vulndb "$TMP/db.sqlite" import "$SLICES" "$TMP/openssl-supplement.json" > /dev/null 2>&1 \
    || fail "importing the Alpine 3.18 secdb slices"
  "$IMAGEVET" scan --offline --vulndb "$TMP/db.sqlite" -f sarif "docker-archive:$TMP/alpine.tar" > "$TMP/alpine.sarif" 2> "$TMP/alpine.err"
  scan alpine "docker-archive:$TMP/alpine.tar" --offline --vulndb "$TMP/db.sqlite"
  check alpine vulns && pass "Alpine 3.18.9 with its secdb: vulnerabilities in SARIF" || fail "Alpine SARIF"
else
  echo "SKIP (part): $ROOTFS or $SLICES not found (no ../shared/testdata in this clone)"
fi
junit() {  # NAME: $TMP/NAME.xml against $TMP/NAME.json
  python3 - "$TMP/$1.xml" "$TMP/$1.json" <<'PY'
import json, sys
import xml.etree.ElementTree as ET
root, r = ET.parse(sys.argv[1]).getroot(), json.load(open(sys.argv[2]))
sev = {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}
want_fail = (r["verdict"] == "fail") + sum(sev[f["severity"]] >= 2 for f in r["findings"]) \
    + sum(sev[v["severity"]] >= 3 for v in r["vulnerabilities"])
suite = root.find("testsuite")
cases = suite.findall("testcase")
errs = []
if len(cases) != 1 + len(r["findings"]) + len(r["vulnerabilities"]) or int(suite.get("tests")) != len(cases):
    errs.append("%d test cases" % len(cases))
if sum(c.find("failure") is not None for c in cases) != want_fail or int(suite.get("failures")) != want_fail:
    errs.append("failures: %s, expected %d" % (suite.get("failures"), want_fail))
if not all(c.get("name") for c in cases):
    errs.append("a test case without a name")
for e in errs:
    print("FAIL: " + e)
sys.exit(1 if errs else 0)
PY
}
"$IMAGEVET" scan --offline -f junit "oci-archive:$FIX/planted.oci.tar" > "$TMP/planted.xml" 2> /dev/null
junit planted && pass "planted fixture: JUnit XML, one case per finding, failures as documented" || fail "planted JUnit"
if [ -f "$TMP/alpine.json" ]; then
  "$IMAGEVET" scan --offline --vulndb "$TMP/db.sqlite" -f junit "docker-archive:$TMP/alpine.tar" > "$TMP/alpine.xml" 2> /dev/null
  junit alpine && pass "Alpine 3.18.9: JUnit XML with its vulnerabilities" || fail "Alpine JUnit"
fi
finish
