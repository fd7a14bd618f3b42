#!/usr/bin/env bash
# Bytes after a layer tar's end-of-archive blocks: the planted image's
# uncompressed layers (planted-tar) copied by skopeo, the payload layer given
# bytes after its end and the digests redone (Python standard library), then
# recompressed with gzip by skopeo. Both are reported, the untouched images
# are not.
. "$(dirname "$0")/lib.sh" "$@"
need "$FIX/planted-tar.oci.tar" "$FIX/planted.oci.tar"
require_scan
command -v skopeo > /dev/null || skip "skopeo is not installed"
SKOPEO=(skopeo --insecure-policy)

"${SKOPEO[@]}" copy -q --preserve-digests "oci-archive:$FIX/planted-tar.oci.tar" "oci:$TMP/tail:planted" \
  || { fail "skopeo copy of planted-tar"; finish; }
python3 - "$TMP/tail" <<'EOF' || { fail "could not append to the layer"; finish; }
import hashlib, json, os, sys
L = sys.argv[1]
def path(d):
    return os.path.join(L, "blobs/sha256", d.split(":")[1])
def put(data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    with open(path(d), "wb") as f:
        f.write(data)
    return d
idx = json.load(open(os.path.join(L, "index.json")))
m = json.load(open(path(idx["manifests"][0]["digest"])))
cfg = json.load(open(path(m["config"]["digest"])))
last = m["layers"][-1]
data = open(path(last["digest"]), "rb").read()
assert data[:2] != b"\x1f\x8b", "expected an uncompressed layer"
data += b"\0" * 1536 + b"echo hidden after the end\n"      # 26 bytes that are not zero
last["digest"] = put(data)
last["size"] = len(data)
cfg["rootfs"]["diff_ids"][-1] = last["digest"]
raw = json.dumps(cfg).encode()
m["config"]["digest"], m["config"]["size"] = put(raw), len(raw)
raw = json.dumps(m).encode()
idx["manifests"][0]["digest"], idx["manifests"][0]["size"] = put(raw), len(raw)
with open(os.path.join(L, "index.json"), "w") as f:
    json.dump(idx, f)
EOF
"${SKOPEO[@]}" copy -q --dest-compress "oci:$TMP/tail:planted" "oci:$TMP/tail-gz:planted" \
  || fail "skopeo could not recompress the layout"

trailing_of() { json "$1" '[(f["layer"], f["evidence"]) for f in r["findings"] if f["id"] == "CONF-TAR-TRAILING-DATA"]'; }
LAST=$(python3 -c 'import json,sys; i=json.load(open(sys.argv[1]+"/index.json")); m=json.load(open(sys.argv[1]+"/blobs/sha256/"+i["manifests"][0]["digest"][7:])); print(len(m["layers"]) - 1)' "$TMP/tail")
for v in tail tail-gz; do
  scan "$v" "oci:$TMP/$v:planted"
  expect_status "$v" 0 1 || continue
  got=$(trailing_of "$v")
  want_digest=$(json "$v" "r['image']['layers'][$LAST]['digest']")
  case $got in
    *"$want_digest"*"bytes after the end-of-archive blocks, 26 of them not zero"*)
      pass "$v: the bytes after the end of layer $LAST are reported" ;;
    *) fail "$v: expected CONF-TAR-TRAILING-DATA on layer $LAST, got: $got" ;;
  esac
done
for v in planted planted-tar; do
  scan "$v" "$FIX/$v.oci.tar"
  expect_status "$v" 0 1 || continue
  [ "$(trailing_of "$v")" = "[]" ] && pass "$v: nothing after the end of its layers" \
    || fail "$v: CONF-TAR-TRAILING-DATA on an untouched image: $(trailing_of "$v")"
done
finish
