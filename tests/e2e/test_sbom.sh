#!/bin/sh
# test_sbom.sh: `imagevet sbom` on a two-layer docker-archive built with
# Python's tarfile from the real Alpine 3.20.3 minirootfs: the inventory
# (packages, OS, layer attribution) and the CycloneDX / SPDX documents, which
# must validate against the published schemas.
set -u
SRC=${IVET_SOURCE_DIR:?}
BIN=${IMAGEVET:?}
ROOTFS=${IVET_SHARED_DIR:-$SRC/../shared}/testdata/rootfs/alpine-minirootfs-3.20.3-x86_64.tar.gz
if [ ! -f "$ROOTFS" ]; then
    echo "SKIP: $ROOTFS not found (no ../shared/testdata in this clone)"
    exit 77
fi
command -v python3 >/dev/null || { echo "SKIP: python3 not found"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
python3 "$SRC/tests/e2e/make_inventory_image.py" "$ROOTFS" "$T/img.tar" || exit 1

"$BIN" sbom --format json "docker-archive:$T/img.tar" >"$T/report.json" 2>"$T/err"
rc=$?
if [ $rc -ne 0 ] && grep -q "not implemented" "$T/err"; then
    echo "SKIP: the scan is not implemented in this build"
    exit 77
fi
[ $rc -eq 0 ] || { echo "FAIL: sbom --format json exited $rc: $(cat "$T/err")"; exit 1; }

python3 - "$T/report.json" <<'PY' || fail=1
import json, sys
r = json.load(open(sys.argv[1]))
pk = {(p["type"], p["name"]): p for p in r["packages"]}
errs = []
def want(cond, msg):
    if not cond:
        errs.append(msg)
want(r["image"]["os"]["id"] == "alpine" and r["image"]["os"]["version"] == "3.20.3", "os is alpine 3.20.3")
apk = [p for p in r["packages"] if p["type"] == "apk"]
want(len(apk) == 15, "15 apk packages (14 of alpine 3.20.3 + extra-tool), got %d" % len(apk))
want(pk[("apk", "musl")]["version"] == "1.2.5-r0", "musl 1.2.5-r0")
want(pk[("apk", "musl")]["purl"] == "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3", "musl purl")
want(("apk", "extra-tool") in pk, "extra-tool listed")
want(("pypi", "requests") in pk, "requests listed")
want(pk.get(("npm", "@scope/left-pad"), {}).get("purl") == "pkg:npm/%40scope/left-pad@1.3.0", "scoped npm purl")
want(("npm", "fixture") not in pk, "test fixture package.json not listed")
want(pk.get(("maven", "org.example:demo"), {}).get("purl") == "pkg:maven/org.example/demo@1.2.3", "maven package from the JAR")
want(pk.get(("gem", "rake"), {}).get("version") == "13.2.1", "gem from the gemspec")
want(any("rpm database format Berkeley DB" in n for n in r.get("notes", [])), "Berkeley DB rpmdb note")
import os
if os.path.isfile(os.environ.get("GOFMT_BINARY", "/usr/local/go/bin/gofmt")):
    want(("golang", "stdlib") in pk, "Go stdlib from the gofmt binary")
for e in errs:
    print("FAIL:", e)
sys.exit(1 if errs else 0)
PY

for fmt in cyclonedx spdx; do
    "$BIN" sbom --format $fmt -o "$T/$fmt.json" "docker-archive:$T/img.tar" 2>"$T/err" ||
        { echo "FAIL: sbom --format $fmt: $(cat "$T/err")"; fail=1; continue; }
done
python3 "$SRC/tests/e2e/jsonschema_check.py" "$SRC/tests/fixtures/schemas/bom-1.5.schema.json" "$T/cyclonedx.json" || fail=1
python3 "$SRC/tests/e2e/jsonschema_check.py" "$SRC/tests/fixtures/schemas/spdx-schema-2-3.json" "$T/spdx.json" || fail=1
# The checker must be able to fail: a document with a required member removed.
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); del d["bomFormat"]; json.dump(d, open(sys.argv[2], "w"))' \
    "$T/cyclonedx.json" "$T/broken.json"
if python3 "$SRC/tests/e2e/jsonschema_check.py" "$SRC/tests/fixtures/schemas/bom-1.5.schema.json" "$T/broken.json" 2>/dev/null; then
    echo "FAIL: the schema check accepted a CycloneDX document without bomFormat"
    fail=1
fi
python3 - "$T/cyclonedx.json" "$T/spdx.json" <<'PY' || fail=1
import json, sys
c = json.load(open(sys.argv[1])); s = json.load(open(sys.argv[2]))
names = {x["name"] for x in c["components"]}
props = lambda x: {p["name"]: p["value"] for p in x.get("properties", [])}
diff_ids = [p["value"] for p in c["metadata"]["component"]["properties"] if p["name"] == "imagevet:image:diff_id"]
layer = {x["name"]: props(x).get("imagevet:package:layer_diff_id") for x in c["components"]}
if len(diff_ids) != 2 or layer.get("musl") != diff_ids[0] or layer.get("extra-tool") != diff_ids[1] \
        or layer.get("requests") != diff_ids[1]:
    print("FAIL: layer attribution (musl in layer 0, extra-tool and requests in layer 1):", diff_ids, layer.get("musl"), layer.get("extra-tool"))
    sys.exit(1)
ok = {"musl", "busybox", "requests", "extra-tool"} <= names and any(x["type"] == "operating-system" for x in c["components"])
ok = ok and any(p.get("primaryPackagePurpose") == "CONTAINER" for p in s["packages"])
ok = ok and len([r for r in s["relationships"] if r["relationshipType"] == "CONTAINS"]) >= 18
print("sbom contents:", "ok" if ok else "FAIL")
sys.exit(0 if ok else 1)
PY
# An rpm image: SQLite rpmdb read from memory, epochs, attribution across layers.
python3 "$SRC/tests/e2e/make_rpm_image.py" "$T/rpm.tar" || exit 1
if "$BIN" sbom --format json "docker-archive:$T/rpm.tar" >"$T/rpm.json" 2>"$T/err"; then
    python3 - "$T/rpm.json" <<'PY' || fail=1
import json, sys
r = json.load(open(sys.argv[1]))
layers = [l["diff_id"] for l in r["image"]["layers"]]
pk = {p["name"]: p for p in r["packages"] if p["type"] == "rpm"}
errs = []
if r["image"]["os"]["id"] != "fedora":
    errs.append("os fedora")
if sorted(pk) != ["bash", "coreutils", "zlib"]:
    errs.append("rpm packages: %s" % sorted(pk))
else:
    if pk["zlib"]["version"] != "1:1.3.1-1.fc40" or "epoch=1" not in pk["zlib"]["purl"]:
        errs.append("zlib epoch: %s %s" % (pk["zlib"]["version"], pk["zlib"]["purl"]))
    if pk["bash"]["purl"] != "pkg:rpm/fedora/bash@5.2.26-3.fc40?arch=x86_64&distro=fedora-40":
        errs.append("bash purl " + pk["bash"]["purl"])
    want = {"bash": layers[0], "coreutils": layers[1], "zlib": layers[1]}
    for n, l in want.items():
        if pk[n].get("layer") not in (l, layers.index(l)):
            errs.append("%s attributed to %s, expected %s" % (n, pk[n].get("layer"), l))
for e in errs:
    print("FAIL: rpm image:", e)
sys.exit(1 if errs else 0)
PY
else
    echo "FAIL: sbom of the rpm image: $(cat "$T/err")"
    fail=1
fi

# The base checks: an end-of-life release (judged against today's date, as the
# analyzer does), an unidentified distribution with a shell, and a scratch image.
python3 - "$T/report.json" <<'PY' || fail=1
import datetime, json, sys
r = json.load(open(sys.argv[1]))
ids = [f["id"] for f in r["findings"]]
eol = datetime.date.today().isoformat() > "2026-04-01"      # alpine 3.20's end of support
if ("BASE-OS-EOL" in ids) != eol:
    print("FAIL: BASE-OS-EOL expected %s for alpine 3.20.3, findings %s" % (eol, ids))
    sys.exit(1)
PY
for kind in shell scratch; do
    python3 - "$T/$kind.tar" "$kind" <<'PY'
import hashlib, io, json, sys, tarfile
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w") as tf:
    name = "bin/sh" if sys.argv[2] == "shell" else "app"
    data = b"\x7fELF" + b"\0" * 60
    ti = tarfile.TarInfo(name); ti.size = len(data); ti.mode = 0o755
    tf.addfile(ti, io.BytesIO(data))
layer = buf.getvalue()
cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {"User": "1000"},
                  "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer).hexdigest()]}}).encode()
man = json.dumps([{"Config": "c.json", "RepoTags": ["test/x:1"], "Layers": ["l.tar"]}]).encode()
with tarfile.open(sys.argv[1], "w") as tf:
    for n, d in (("c.json", cfg), ("l.tar", layer), ("manifest.json", man)):
        ti = tarfile.TarInfo(n); ti.size = len(d); tf.addfile(ti, io.BytesIO(d))
PY
    "$BIN" sbom --format json "docker-archive:$T/$kind.tar" >"$T/$kind.json" 2>"$T/err" ||
        { echo "FAIL: sbom of the $kind image: $(cat "$T/err")"; fail=1; continue; }
    python3 - "$T/$kind.json" "$kind" <<'PY' || fail=1
import json, sys
r = json.load(open(sys.argv[1]))
flagged = any(f["id"] == "BASE-UNKNOWN-OS" for f in r["findings"])
if flagged != (sys.argv[2] == "shell"):
    print("FAIL: BASE-UNKNOWN-OS %s for the %s image" % ("raised" if flagged else "missing", sys.argv[2]))
    sys.exit(1)
PY
done

[ $fail -eq 0 ] && echo "test_sbom: 1 passed, 0 failed" || echo "test_sbom: 0 passed, 1 failed"
exit $fail
