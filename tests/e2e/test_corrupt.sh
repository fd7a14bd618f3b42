#!/usr/bin/env bash
# Damaged images are errors (exit 2) whose message names the damaged blob or
# file: layer bytes altered under their digest (OCI layout, OCI archive,
# docker-archive), a truncated layer blob, a manifest that is not JSON, a
# config whose bytes were altered.
. "$(dirname "$0")/lib.sh" "$@"
C="$FIX/corrupt"
need "$C/.done" "$FIX/planted.oci.tar"
require_scan

blob() {  # LAYOUT PY-EXPR over the manifest `m` -> digest
  python3 -c 'import json,sys,os
L = sys.argv[1]
i = json.load(open(os.path.join(L, "index.json")))
d = i["manifests"][0]["digest"]
m = json.load(open(os.path.join(L, "blobs/sha256", d.split(":")[1])))
print(eval(sys.argv[2]))' "$@"
}

check() {  # NAME IMAGE NEEDLE...: exit 2 and every needle in stderr
  local name=$1 image=$2 n; shift 2
  scan "$name" "$image"
  expect_status "$name" 2 || return 0
  for n in "$@"; do
    grep -qF -- "$n" "$TMP/$name.err" || { fail "$name: stderr does not name '$n': $(head -3 "$TMP/$name.err")"; return 0; }
  done
  [ -s "$TMP/$name.json" ] && grep -q '"verdict" *: *"pass"' "$TMP/$name.json" && { fail "$name: a passing report was printed"; return 0; }
  pass "$name: exit 2 naming $*"
}

altered=$(blob "$C/layer-altered" 'm["layers"][1]["digest"]')
check layer-altered "oci:$C/layer-altered" "${altered#sha256:}"
check layer-altered-archive "oci-archive:$C/layer-altered.oci.tar" "${altered#sha256:}"
check layer-altered-docker "docker-archive:$C/layer-altered.docker.tar" "${altered#sha256:}"
truncated=$(blob "$C/layer-truncated" 'm["layers"][-1]["digest"]')
check layer-truncated "oci:$C/layer-truncated" "${truncated#sha256:}"
notjson=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "$C/manifest-not-json/index.json")
check manifest-not-json "oci:$C/manifest-not-json" "${notjson#sha256:}" "line"
config=$(blob "$C/config-altered" 'm["config"]["digest"]')
check config-altered "oci:$C/config-altered" "${config#sha256:}"
finish
