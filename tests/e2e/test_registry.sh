#!/usr/bin/env bash
# test_registry.sh: the docker:// transport against a real Docker Distribution
# on loopback: by tag and by digest, a multi-platform index, a Docker schema2
# manifest, plain HTTP only when --insecure-registry allows it, clear errors for
# a missing tag/repository, and a blob altered on disk in the registry's storage.
. "$(dirname "$0")/lib/registry.sh"
need docker-registry skopeo umoci jq curl python3

[ -x "$PULL" ] || skip "$PULL not built"
make_images
P=$(free_port)
R=127.0.0.1:$P
registry_start plain "$P"
push amd64 "$R/fixture/busybox:latest"
push multi "$R/fixture/busybox:multi"
"${SKOPEO[@]}" copy -q --format v2s2 --dest-tls-verify=false "oci:$T/oci:amd64" "docker://$R/fixture/busybox-v2s2:latest"
D=$(layout_digest amd64)
IDX=$(layout_digest multi)
ARM=$(layout_digest arm64)

run tag "$PULL" --insecure-registry "$R" "docker://$R/fixture/busybox:latest"
expect_rc 0 "pull by tag verifies manifest, config and both layers"
expect_out "digest: $D" "the manifest digest vetted is the one pushed"
expect_out "layers: 2" "both layers listed"
expect_out "layer 1: sha256:.* verified" "second layer streamed and verified"
expect_out "note: registry '$R' was reached over plain HTTP" "insecure transport is noted"

# the whole scan, as a user runs it
run scan "$IMAGEVET" scan --offline --insecure-registry "$R" "$R/fixture/busybox:latest"
if [ "$RC" = 0 ] || [ "$RC" = 1 ]; then ok "imagevet scan of a registry image gives a verdict (exit $RC)"; else bad "imagevet scan: exit $RC"; cat "$OUT"; fi
expect_out "Vetted .*$R/fixture/busybox.*@$D" "imagevet scan prints the manifest digest it vetted"
run scan_json "$IMAGEVET" scan --offline -f json --insecure-registry "$R" --platform linux/arm64 "docker://$R/fixture/busybox:multi"
if [ "$(jq -r .image.digest "$OUT" 2>/dev/null)" = "$ARM" ]; then ok "JSON report: image.digest is the arm64 manifest vetted"; else bad "JSON report: image.digest is '$(jq -r .image.digest "$OUT" 2>/dev/null)'"; fi
if [ "$(jq -r .image.transport "$OUT" 2>/dev/null)" = docker ]; then ok "JSON report: transport docker"; else bad "JSON report: transport"; fi

# sbom takes the same registry options
run sbom "$IMAGEVET" sbom -f json --insecure-registry "$R" "$R/fixture/busybox:latest"
if [ "$RC" = 0 ] && [ "$(jq -r .image.digest "$OUT" 2>/dev/null)" = "$D" ]; then ok "imagevet sbom of a registry image"; else bad "imagevet sbom: exit $RC"; head -5 "$OUT"; fi
run sbom_secure "$IMAGEVET" sbom -f json "$R/fixture/busybox:latest"
expect_rc 2 "sbom without --insecure-registry refuses plain HTTP"
expect_out "insecure-registry" "sbom: the error says how to allow it"

# progress: per layer on a terminal, nothing otherwise
run quiet "$PULL" --progress --insecure-registry "$R" "docker://$R/fixture/busybox:latest"
expect_no "MiB/s" "progress: quiet when stderr is not a terminal"
if command -v script >/dev/null 2>&1; then
  run tty script -qec "'$PULL' --progress --insecure-registry '$R' 'docker://$R/fixture/busybox:latest'" /dev/null
  expect_rc 0 "progress: pull on a terminal"
  expect_out "blob 'sha256:.*MiB/s, done" "progress: one line per layer with bytes and rate"
fi

run bare "$PULL" --insecure-registry "$R" "$R/fixture/busybox:latest"
expect_rc 0 "a bare name is a registry reference"

run digest "$PULL" --insecure-registry "$R" "docker://$R/fixture/busybox@$D"
expect_rc 0 "pull by digest"
expect_out "digest: $D" "by digest: same manifest digest"

run index "$PULL" --insecure-registry "$R" --platform linux/arm64 "docker://$R/fixture/busybox:multi"
expect_rc 0 "multi-platform index: arm64 picked"
expect_out "digest: $ARM" "index: the arm64 manifest digest is vetted"
expect_out "index: $IDX" "index: the index digest is recorded"
expect_out "platform: linux/arm64" "index: config platform arm64"

run index_amd "$PULL" --insecure-registry "$R" --platform linux/amd64 "docker://$R/fixture/busybox@$IDX"
expect_rc 0 "index by digest, amd64 picked"
expect_out "digest: $D" "index by digest: amd64 manifest"

run noplat "$PULL" --insecure-registry "$R" --platform linux/s390x "docker://$R/fixture/busybox:multi"
expect_rc 2 "a platform the index lacks"
expect_out "linux/arm64" "the error lists the platforms present"

run v2s2 "$PULL" --insecure-registry "$R" "docker://$R/fixture/busybox-v2s2:latest"
expect_rc 0 "Docker schema2 manifest (never converted to schema1)"

run secure "$PULL" "docker://$R/fixture/busybox:latest"
expect_rc 2 "without --insecure-registry a plain-HTTP registry is refused"
expect_out "insecure-registry" "the error says how to allow it"

run other_host "$PULL" --insecure-registry "127.0.0.1:1" "docker://$R/fixture/busybox:latest"
expect_rc 2 "--insecure-registry for another host does not apply"

run notag "$PULL" --insecure-registry "$R" "docker://$R/fixture/busybox:nope"
expect_rc 2 "unknown tag"
expect_out "manifest 'nope' not found in repository 'fixture/busybox'" "unknown tag: names tag and repository"
expect_out "MANIFEST_UNKNOWN" "unknown tag: registry code shown"

run norepo "$PULL" --insecure-registry "$R" "docker://$R/fixture/nothere:latest"
expect_rc 2 "unknown repository"
expect_out "not found in repository 'fixture/nothere'" "unknown repository: named"

run baddigest "$PULL" --insecure-registry "$R" "docker://$R/fixture/busybox@sha256:$(printf '%064d' 0)"
expect_rc 2 "unknown digest"

# A blob missing from the registry's storage: 404 BLOB_UNKNOWN, named
AL=$(jq -r '.layers[0].digest' "$T/oci/blobs/sha256/${ARM#sha256:}")
rm -rf "$T/data-plain/docker/registry/v2/blobs/sha256/${AL:7:2}/${AL#sha256:}"
run noblob_cached "$PULL" --insecure-registry "$R" --platform linux/arm64 "docker://$R/fixture/busybox:multi"
expect_rc 2 "a blob gone from storage while the registry still announces it"
expect_out "gave up after retries" "announced but unreadable blob: retried, then a clear error"
stop_pid "$REG_PID"                     # forget the registry's in-memory blob descriptors
registry_start plain "$P"
run noblob "$PULL" --insecure-registry "$R" --platform linux/arm64 "docker://$R/fixture/busybox:multi"
expect_rc 2 "a blob missing from the registry"
expect_out "blob '${AL:0:19}.*' not found in repository 'fixture/busybox'" "missing blob: names blob and repository"
expect_out "BLOB_UNKNOWN" "missing blob: registry code shown"

# A layer blob altered on disk (one byte of the gzip header's MTIME, so it still
# decompresses): the registry serves it, the digest check refuses it.
L=$(jq -r '.layers[1].digest' "$T/oci/blobs/sha256/${D#sha256:}")
F="$T/data-plain/docker/registry/v2/blobs/sha256/${L:7:2}/${L#sha256:}/data"
[ -f "$F" ] || { bad "blob file $F not found in the registry storage"; finish; }
printf "\x5a" | dd of="$F" bs=1 seek=5 conv=notrunc status=none   # gzip MTIME: still inflates, digest differs
run corrupt "$PULL" --insecure-registry "$R" "docker://$R/fixture/busybox:latest"
expect_rc 2 "altered blob"
expect_out "digest" "altered blob: digest error"
expect_out "${L:0:19}" "altered blob: names the blob"
run scan_corrupt "$IMAGEVET" scan --offline --insecure-registry "$R" "$R/fixture/busybox:latest"
expect_rc 2 "imagevet scan of the altered blob: could not be vetted"
expect_out "digest" "imagevet scan: digest error"
finish
