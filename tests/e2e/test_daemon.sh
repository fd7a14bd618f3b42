#!/usr/bin/env bash
# test_daemon.sh: the docker-daemon: transport. Against a stand-in for the
# Docker Engine API on a unix socket (Python standard library) serving three
# real `docker save` layouts: skopeo's docker-archive (<diffid>.tar + symlinks),
# Docker <= 24's (<id>/layer.tar, manifest.json after the layers) and Docker
# >= 25's (blobs/sha256/). Then, when dockerd can run here, against the real
# daemon; otherwise that part is skipped with a message.
. "$(dirname "$0")/lib/registry.sh"
need skopeo umoci jq python3

[ -x "$PULL" ] || skip "$PULL not built"
make_images
"${SKOPEO[@]}" copy -q "oci:$T/oci:amd64" "docker-archive:$T/skopeo.tar:fixture/busybox:latest"
python3 "$LIB/save_variants.py" "$T/skopeo.tar" "$T/legacy.tar" "$T/ocisave.tar"
# a corrupted layer: one byte of the first layer member flipped (same size)
python3 - "$T/legacy.tar" "$T/corrupt.tar" <<'PY'
import sys, tarfile, io
src, dst = sys.argv[1], sys.argv[2]
with tarfile.open(src) as t, tarfile.open(dst, "w", format=tarfile.PAX_FORMAT) as o:
    done = False
    for m in t.getmembers():
        d = t.extractfile(m).read() if m.isfile() else None
        if d is not None and m.name.endswith("/layer.tar") and not done:
            d = bytearray(d); d[700] ^= 0xff; d = bytes(d); done = True
        o.addfile(m, io.BytesIO(d) if d is not None else None)
PY
# the same archive with its members in reverse order: what a daemon whose second
# save orders the tar differently would send
python3 - "$T/legacy.tar" "$T/reversed.tar" <<'PY'
import sys, tarfile, io
src, dst = sys.argv[1], sys.argv[2]
with tarfile.open(src) as t, tarfile.open(dst, "w", format=tarfile.PAX_FORMAT) as o:
    for m in reversed(t.getmembers()):
        o.addfile(m, io.BytesIO(t.extractfile(m).read()) if m.isfile() else None)
PY
CFG=$(jq -r '.config.digest' "$T/oci/blobs/sha256/$(layout_digest amd64 | cut -d: -f2)")
SOCK="$T/docker.sock"
python3 "$LIB/fake_daemon.py" "$SOCK" "$T/daemon.log" \
  "fixture/skopeo:latest=$T/skopeo.tar" "fixture/legacy:latest=$T/legacy.tar" \
  "fixture/ocisave:latest=$T/ocisave.tar" "fixture/corrupt:latest=$T/corrupt.tar" \
  "fixture/reordered:latest=$T/legacy.tar+$T/reversed.tar" > "$T/fake_daemon.out" 2>&1 &
PIDS+=("$!")
for _ in $(seq 1 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
export DOCKER_HOST="unix://$SOCK"

for v in skopeo legacy ocisave; do
  run "daemon_$v" "$PULL" "docker-daemon:fixture/$v:latest"
  expect_rc 0 "daemon ($v layout): resolved and every layer verified by diff_id"
  expect_out "config: $CFG" "daemon ($v layout): config digest"
  expect_out "layer 1: sha256:.* verified" "daemon ($v layout): second layer streamed"
done
: > "$T/daemon.log"
run scan "$IMAGEVET" scan --offline -f json "docker-daemon:fixture/legacy:latest"
if [ "$RC" = 0 ] || [ "$RC" = 1 ]; then ok "imagevet scan docker-daemon: gives a verdict (exit $RC)"; else bad "imagevet scan docker-daemon: exit $RC"; cat "$OUT"; fi
if [ "$(jq -r .image.config_digest "$OUT" 2>/dev/null)" = "$CFG" ]; then ok "imagevet scan docker-daemon: config digest in the report"; else bad "imagevet scan docker-daemon: config digest"; fi
if [ "$(jq -r .image.transport "$OUT" 2>/dev/null)" = docker-daemon ]; then ok "imagevet scan docker-daemon: transport"; else bad "imagevet scan docker-daemon: transport"; fi
N=$(grep -c "^GET /images/fixture/legacy:latest/get" "$T/daemon.log" || true)
if [ "$N" = 2 ]; then ok "daemon: one GET to resolve, one for all the layers (no spooling)"; else bad "daemon: $N GETs for 2 layers"; fi
jq -r '.image.layers[].digest' "$OUT" > "$T/legacy.layers" 2>/dev/null || true
# Docker >= 25's tar holds the layers in digest order, not the manifest's
run scan_oci "$IMAGEVET" scan --offline -f json "docker-daemon:fixture/ocisave:latest"
if [ "$RC" = 0 ] || [ "$RC" = 1 ]; then ok "imagevet scan docker-daemon: (Docker >= 25 layout) gives a verdict"; else bad "scan ocisave: exit $RC"; cat "$OUT"; fi
N=$(grep -c "^GET /images/fixture/ocisave:latest/get" "$T/daemon.log" || true)
if [ "$N" = 2 ]; then ok "daemon (Docker >= 25 layout): two GETs in all"; else bad "daemon ocisave: $N GETs for 2 layers"; fi
# a second tar in another order: the layer the shared pass went by gets a GET of its own
run scan_reordered "$IMAGEVET" scan --offline -f json "docker-daemon:fixture/reordered:latest"
if [ "$RC" = 0 ] || [ "$RC" = 1 ]; then ok "daemon: a reordered second tar still scans"; else bad "scan reordered: exit $RC"; cat "$OUT"; fi
if [ -s "$T/legacy.layers" ] && [ "$(jq -r '.image.layers[].digest' "$OUT" 2>/dev/null)" = "$(cat "$T/legacy.layers")" ]; then
  ok "daemon: the reordered tar gives the same layers"
else bad "daemon: reordered tar, layers differ"; fi
N=$(grep -c "^GET /images/fixture/reordered:latest/get" "$T/daemon.log" || true)
if [ "$N" = 3 ]; then ok "daemon: a layer already gone by is fetched again"; else bad "daemon reordered: $N GETs"; fi
run scan_corrupt "$IMAGEVET" scan --offline -f json "docker-daemon:fixture/corrupt:latest"
expect_rc 2 "imagevet scan docker-daemon: a layer that does not match its diff_id"
# the flipped byte breaks the tar before its end, where the digest is checked
expect_out "layer 0: layer 'sha256:.*\(digest\|damaged tar\)" "imagevet scan docker-daemon: the corrupt layer is named"

run missing "$PULL" "docker-daemon:fixture/nothere:latest"
expect_rc 2 "daemon: unknown image"
expect_out "HTTP 404" "daemon: the daemon's answer is shown"
expect_out "reference does not exist" "daemon: the daemon's message is shown"
run corrupt "$PULL" "docker-daemon:fixture/corrupt:latest"
expect_rc 2 "daemon: a layer whose bytes do not match its diff_id"
expect_out "digest" "daemon: corrupt layer is a digest error"
DOCKER_HOST="unix://$T/no.sock" run nosock "$PULL" "docker-daemon:fixture/legacy:latest"
expect_rc 2 "daemon: no daemon at DOCKER_HOST"
expect_out "no.sock" "daemon: names the socket"

# the real daemon, when it can run here
if command -v dockerd >/dev/null 2>&1 && command -v docker >/dev/null 2>&1; then
  D="$T/dockerd"; mkdir -p "$D"
  timeout 120 dockerd --iptables=false --ip-masq=false --bridge=none --data-root "$D/root" \
    --exec-root "$D/exec" --pidfile "$D/dockerd.pid" -H "unix://$D/docker.sock" > "$D/dockerd.log" 2>&1 &
  PIDS+=("$!")
  export DOCKER_HOST="unix://$D/docker.sock"
  for _ in $(seq 1 100); do docker version >/dev/null 2>&1 && break; sleep 0.2; done
  if docker version >/dev/null 2>&1 && docker load -q -i "$T/skopeo.tar" >/dev/null 2>&1; then
    run real "$PULL" "docker-daemon:fixture/busybox:latest"
    expect_rc 0 "real dockerd: docker-daemon: pull verified"
    expect_out "config: $CFG" "real dockerd: config digest"
    run real_scan "$IMAGEVET" scan --offline -f json "docker-daemon:fixture/busybox:latest"
    if [ "$RC" = 0 ] || [ "$RC" = 1 ]; then ok "real dockerd: imagevet scan gives a verdict (exit $RC)"; else bad "real dockerd: scan exit $RC"; cat "$OUT"; fi
    if [ "$(jq -r .image.config_digest "$OUT" 2>/dev/null)" = "$CFG" ]; then ok "real dockerd: scan's config digest"; else bad "real dockerd: scan's config digest"; fi
  else
    echo "SKIP: dockerd did not start here; real-daemon part skipped ($(tail -1 "$D/dockerd.log" 2>/dev/null))"
  fi
else
  echo "SKIP: dockerd is not installed; the docker-daemon: transport was tested against the API stand-in only"
fi
finish
