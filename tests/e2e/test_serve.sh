#!/usr/bin/env bash
# test_serve.sh: imagevet serve behind a real Docker Distribution. The
# registry's notifications go to the server (with a bearer token); images
# pushed with skopeo are vetted on their own, and their verdicts and
# reports are served by digest: the planted fixture fails, a plain busybox
# image does not. Also: a POST without the token, a push to a registry the
# server was not told to vet, a scan asked for by hand, and a restart that
# keeps the results.
. "$(dirname "$0")/lib/registry.sh"
need docker-registry skopeo umoci jq curl python3
FIX=${IVET_BUILD_DIR:-build}/fixtures
[ -f "$FIX/planted.oci.tar" ] || skip "fixture planted.oci.tar is missing (tests/e2e/make-fixtures.sh)"

make_images
P=$(free_port)
R=127.0.0.1:$P
S=127.0.0.1:$(free_port)
printf 's3cret-token-%s\n' "$RANDOM$RANDOM" > "$T/token"
TOKEN=$(head -1 "$T/token")

start_server() {
  "$IMAGEVET" serve --listen "$S" --store "sqlite:$T/serve.db" --registry "$R" --insecure-registry "$R" \
    --token-file "$T/token" --offline >> "$T/serve.log" 2>&1 &
  SERVE_PID=$!
  PIDS+=("$SERVE_PID")
  wait_http "http://$S/v1/health"
}
start_server
registry_start plain "$P" "notifications:
  endpoints:
    - name: imagevet
      url: http://$S/v1/notifications
      headers: {Authorization: [Bearer $TOKEN]}
      timeout: 5s
      threshold: 3
      backoff: 1s"

manifest_digest() {  # REPO:TAG on the registry
  curl -sI -H 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json' \
    "http://$R/v2/${1%%:*}/manifests/${1#*:}" | tr -d '\r' | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p'
}
wait_scan() {  # PATH (after /v1/scans): waits up to 90 s for a finished scan, into $OUT
  local i
  OUT="$T/scan-$(echo "$1" | tr -c 'a-z0-9' _).json"
  for i in $(seq 1 180); do
    curl -s -H "Authorization: Bearer $TOKEN" "http://$S/v1/scans$1" > "$OUT"
    case "$(jq -r .status "$OUT" 2>/dev/null)" in done|error) return 0 ;; esac
    sleep 0.5
  done
  return 1
}

"${SKOPEO[@]}" copy -q --dest-tls-verify=false "oci-archive:$FIX/planted.oci.tar" "docker://$R/fixture/planted:latest"
DP=$(manifest_digest fixture/planted:latest)
[ -n "$DP" ] || { bad "no digest for the planted image"; finish; }
if wait_scan "/$DP"; then ok "a push was vetted on its own (notification -> queue -> scan)"; else bad "no finished scan of $DP"; cat "$T/serve.log"; finish; fi
if jq -e --arg d "$DP" '.status == "done" and .verdict == "fail" and .report.image.digest == $d' "$OUT" >/dev/null; then
  ok "planted: verdict fail, the report is of the pushed manifest"; else bad "planted result"; jq -c '{status, verdict, error}' "$OUT"; fi
if jq -e '[.report.findings[] | select(.id | startswith("CONT-"))] | length > 0' "$OUT" >/dev/null; then
  ok "planted: content findings in the stored report"; else bad "planted: no content findings"; fi

push amd64 "$R/fixture/busybox:latest"
DB=$(manifest_digest fixture/busybox:latest)
if wait_scan "/$DB" && jq -e '.status == "done" and .verdict != "fail"' "$OUT" >/dev/null; then
  ok "busybox: vetted, verdict $(jq -r .verdict "$OUT")"; else bad "busybox result"; jq -c '{status, verdict, error}' "$OUT"; fi

code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data '{"events":[]}' "http://$S/v1/notifications")
[ "$code" = 401 ] && ok "a POST without the token: 401" || bad "a POST without the token: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$S/v1/scans/$DP")
[ "$code" = 401 ] && ok "reading a report without the token: 401 (reports name private images)" || bad "a GET without the token: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/plain' --data '{"events":[]}' "http://$S/v1/notifications")
[ "$code" = 415 ] && ok "a POST that is not JSON: 415 (no cross-origin form posts)" || bad "text/plain POST: $code"
code=$(curl -s -o "$T/foreign.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data \
  '{"events":[{"id":"x1","action":"push","target":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","repository":"evil/app","url":"http://10.9.8.7:5000/v2/evil/app/manifests/sha256:1111111111111111111111111111111111111111111111111111111111111111"}}]}' \
  "http://$S/v1/notifications")
if [ "$code" = 202 ] && jq -e '.queued == [] and .skipped == 1' "$T/foreign.json" >/dev/null; then
  ok "a push to another registry is not vetted (202, skipped)"; else bad "foreign push: $code $(cat "$T/foreign.json")"; fi
code=$(curl -s -o "$T/odd.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data 'not json' "http://$S/v1/notifications")
[ "$code" = 202 ] && ok "an odd notification is still 202 (a registry retries anything else forever)" || bad "odd notification: $code"

code=$(curl -s -o "$T/manual.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  --data "{\"image\": \"$R/fixture/busybox:latest\"}" "http://$S/v1/scans")
ID=$(jq -r .id "$T/manual.json")
if [ "$code" = 202 ] && wait_scan "?id=$ID" && jq -e '.status == "done"' "$OUT" >/dev/null; then
  ok "a scan asked for by hand (id $ID)"; else bad "manual scan: $code $(cat "$T/manual.json")"; fi
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  --data '{"image": "docker.io/library/alpine:3.20"}' "http://$S/v1/scans")
[ "$code" = 403 ] && ok "a scan by hand on another registry: 403" || bad "manual foreign scan: $code"

# a restart keeps the results
kill -TERM "$SERVE_PID"; wait "$SERVE_PID"; rc=$?
[ "$rc" = 0 ] && ok "SIGTERM stops the server (exit 0)" || bad "server exit $rc"
start_server
curl -s -H "Authorization: Bearer $TOKEN" "http://$S/v1/scans/$DP" > "$T/after.json"
if jq -e '.verdict == "fail"' "$T/after.json" >/dev/null; then ok "results survive a restart"; else bad "after restart: $(head -c 300 "$T/after.json")"; fi
curl -s "http://$S/v1/health" > "$T/health.json"
jq -e '.status == "ok" and .queued == 0' "$T/health.json" >/dev/null && ok "health: ok, nothing queued" || bad "health: $(cat "$T/health.json")"
# a --registry that image references would read as a Docker Hub namespace
run badreg "$IMAGEVET" serve --listen "127.0.0.1:$(free_port)" --store "sqlite:$T/other.db" --registry registry
expect_rc 2 "--registry without '.' or ':' is refused"
expect_out "Docker Hub namespace" "the error says why"
finish
