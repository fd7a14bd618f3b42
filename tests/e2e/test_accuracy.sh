#!/usr/bin/env bash
# Accuracy on real images made by independent tools:
# - a clean Debian minbase (debootstrap + umoci) and the Alpine 3.20 root
#   filesystem give no finding of severity high or critical;
# - every case planted in the `planted` image is found, each checked on its own,
#   with the layer that ships it and, for deleted files, the layer that hides it.
. "$(dirname "$0")/lib.sh" "$@"
need "$FIX/debian.docker.tar" "$FIX/planted.oci.tar"
require_scan "$FIX/planted.oci.tar"

# has NAME ID PATH [LAYER [HIDDEN_BY]]: a finding with that id and path (None: image-level)
has() {
  local name=$1 id=$2 path=$3 layer=${4:-any} hb=${5:-visible}
  local got
  got=$(json "$name" '[f for f in r["findings"] if f["id"] == "'"$id"'" and str(f.get("path")) == "'"$path"'"
         and ("'"$layer"'" == "any" or str(f.get("layer_index")) == "'"$layer"'")
         and (("'"$hb"'" == "visible" and not f.get("hidden")) or str(f.get("hidden_by_index")) == "'"$hb"'")] != []')
  if [ "$got" = true ]; then pass "$name: $id at $path (layer $layer, $hb)"; else fail "$name: no $id at $path (layer $layer, $hb)"; fi
}

for img in debian.docker.tar alpine.docker.tar; do
  [ -e "$FIX/$img" ] || { echo "SKIP: $img not built (no Alpine rootfs in ../shared?)"; continue; }
  scan "$img" --offline "$FIX/$img"
  expect_status "$img" 0 1 || continue
  bad=$(json "$img" '["%s %s %s" % (f["severity"], f["id"], f.get("path")) for f in r["findings"] if f["severity"] in ("high", "critical")]')
  if [ "$bad" = "[]" ]; then pass "$img: no high or critical findings"; else fail "$img: high/critical findings on a clean image: $bad"; fi
  json "$img" '"\n".join("  %s %s %s" % (f["severity"], f["id"], f.get("path")) for f in r["findings"])'
done

p=planted
scan $p --offline "$FIX/planted.oci.tar"
expect_status $p 1
[ "$(json $p 'r["verdict"]')" = fail ] && pass "planted: verdict fail" || fail "planted: verdict is not fail"
[ "$(json $p 'r["image"]["entrypoint"]')" = /usr/local/bin/start.sh ] && pass "planted: entrypoint resolved" \
  || fail "planted: entrypoint is $(json $p 'r["image"]["entrypoint"]')"
has $p CONT-DROP-PIPE-SHELL /usr/local/bin/start.sh 1                  # curl | sh in the entrypoint
has $p CONT-MINER-STRATUM /opt/xmrig/config.json 1                     # pool URL
has $p CONT-MINER-XMRIG-CONFIG /opt/xmrig/config.json 1                # miner config layout
has $p CONT-MINER-BINARY-NAME /opt/xmrig/xmrig 1                       # miner program name
has $p CONT-PERSIST-CRON-ENTRY /etc/cron.d/fixture-persist 1           # cron persistence
has $p SECRET-AWS-ACCESS-KEY-ID /app/.env 1                            # AWS key in .env
has $p CONF-CREDENTIAL-FILE /app/.env 1                                # credential file by name
has $p CONF-SETUID-UNUSUAL /usr/local/bin/suid-helper 1                # setuid file
has $p CONT-DROP-PIPE-SHELL /tmp/.cache/dropper.sh 1 2                 # dropper deleted by layer 2, still shipped
has $p CONF-SECRET-ENV None                                            # AWS secret in ENV
has $p CONT-MINER-STRATUM None                                         # pool URL in ENV
has $p CONT-DROP-PIPE-SHELL None 1                                     # curl | sh in the history
has $p CONF-USER-ROOT None                                             # USER 0:0
finish
