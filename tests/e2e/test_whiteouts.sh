#!/usr/bin/env bash
# Whiteouts and opaque directories in real layers (umoci repack, GNU tar +
# umoci raw add-layer, buildah): credential-named files that a later layer
# deletes (file whiteout .wh.NAME, directory whiteout, opaque .wh..wh..opq) are
# still reported, marked hidden by the layer that hides them; a file no layer
# deletes is not hidden.
. "$(dirname "$0")/lib.sh" "$@"
need "$FIX/planted.oci.tar" "$FIX/planted.docker.tar" "$FIX/planted-zstd.oci.tar"
require_scan

# state NAME PATH: "hidden_by_index" of the CONF-CREDENTIAL-FILE finding for PATH,
# "visible" when not hidden, "none" when there is no finding, from layer 1 only
state() {
  json "$1" '([("visible" if not f.get("hidden") else f.get("hidden_by_index")) if f.get("layer_index") == 1 else "wrong-layer"
               for f in r["findings"] if f["id"] == "CONF-CREDENTIAL-FILE" and f.get("path") == "'"$2"'"] or ["none"])[0]'
}

expect() {  # NAME PATH WANT
  local got; got=$(state "$1" "$2")
  if [ "$got" = "$3" ]; then pass "$1: $2 -> $3"; else fail "$1: $2 is '$got', expected '$3'"; fi
}

for v in planted.oci.tar planted.docker.tar planted-zstd.oci.tar; do
  scan "$v" "$FIX/$v"
  expect_status "$v" 0 1 || continue
  expect "$v" /app/.env visible
  expect "$v" /tmp/.cache/.git-credentials 2                  # file whiteout in layer 2
  expect "$v" /root/.stage/.netrc 2                           # directory whiteout in layer 2
  expect "$v" /var/lib/fixture-opaque/credentials.json 3      # opaque directory in layer 3
done
if [ -e "$FIX/planted-buildah.oci.tar" ]; then
  v=planted-buildah.oci.tar
  scan "$v" "$FIX/$v"
  if expect_status "$v" 0 1; then
    expect "$v" /app/.env visible
    expect "$v" /tmp/.cache/.git-credentials 2                # buildah's RUN rm layer
    expect "$v" /root/.stage/.netrc 2
    expect "$v" /var/lib/fixture-opaque/credentials.json visible
  fi
fi
finish
