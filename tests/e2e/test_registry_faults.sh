#!/usr/bin/env bash
# test_registry_faults.sh: a registry behind a fault-injecting proxy. When the
# first GET of each blob is cut mid-body, the pull resumes with
# "Range: bytes=N-" and verifies; when every blob GET answers 503, the pull
# gives up after its retries with a clear error and exit 2.
. "$(dirname "$0")/lib/registry.sh"
need docker-registry skopeo umoci jq curl python3

[ -x "$PULL" ] || skip "$PULL not built"
make_images
P=$(free_port)
registry_start plain "$P"
push amd64 "127.0.0.1:$P/fixture/busybox:latest"
D=$(layout_digest amd64)
proxy() {  # MODE LOG: starts a fault proxy in front of the registry, sets PX to its port
  PX=$(free_port)
  python3 "$LIB/fault_proxy.py" "$PX" "$P" "$1" "$2" > "$2.stderr" 2>&1 &
  PIDS+=("$!")
  wait_http "http://127.0.0.1:$PX/v2/"
}

proxy drop:100000 "$T/drop.log"
DP=$PX
run drop "$PULL" --insecure-registry "127.0.0.1:$DP" "docker://127.0.0.1:$DP/fixture/busybox:latest"
expect_rc 0 "connection dropped mid-blob: the pull recovers"
expect_out "digest: $D" "dropped connection: same manifest digest"
expect_out "layer 1: .* verified" "dropped connection: the big layer verifies"
OUT="$T/drop.log"
expect_out "^CUT /v2/fixture/busybox/blobs/sha256:" "the proxy did cut a blob"
expect_out "range=bytes=100000-" "the retry resumed with Range from the bytes received"

proxy drop:100000 "$T/drop2.log"
DP2=$PX
run scan_drop "$IMAGEVET" scan --offline -f json --insecure-registry "127.0.0.1:$DP2" "127.0.0.1:$DP2/fixture/busybox:latest"
if [ "$(jq -r .image.digest "$OUT" 2>/dev/null)" = "$D" ]; then ok "imagevet scan through dropped connections: vetted"; else bad "imagevet scan through dropped connections"; cat "$OUT"; fi
OUT="$T/drop2.log"
expect_out "range=bytes=100000-" "imagevet scan: resumed with Range"

proxy fail "$T/fail.log"
FP=$PX
run fail "$PULL" --insecure-registry "127.0.0.1:$FP" "docker://127.0.0.1:$FP/fixture/busybox:latest"
expect_rc 2 "a registry that keeps failing"
expect_out "HTTP 503" "keeps failing: the status is named"
expect_out "gave up after" "keeps failing: says it retried"
expect_out "fixture/busybox" "keeps failing: names the repository"
N=$(grep -c "^GET /v2/fixture/busybox/blobs/sha256:.*range=-" "$T/fail.log" || true)
if [ "$N" -ge 5 ]; then ok "keeps failing: $N blob attempts (retries happened)"; else bad "keeps failing: only $N blob attempts"; fi
run scan_fail "$IMAGEVET" scan --offline --insecure-registry "127.0.0.1:$FP" "127.0.0.1:$FP/fixture/busybox:latest"
expect_rc 2 "imagevet scan of a registry that keeps failing: exit 2"
expect_out "HTTP 503" "imagevet scan: the status is named"
finish
