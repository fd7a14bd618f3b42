#!/usr/bin/env bash
# The planted image with zstd, uncompressed and mislabeled (raw tar labelled
# gzip) layers gives the same layers and findings as the gzip original; the
# buildah-built image and umoci 0.4.7's truncated-tar layer are vetted too.
. "$(dirname "$0")/lib.sh" "$@"
need "$FIX/planted.oci.tar" "$FIX/planted-zstd.oci.tar" "$FIX/planted-tar.oci.tar" "$FIX/edge-mislabeled.oci.tar"
require_scan

scan gzip "$FIX/planted.oci.tar"
expect_status gzip 0 1 || finish
for v in planted-zstd planted-tar edge-mislabeled; do
  scan "$v" "$FIX/$v.oci.tar"
  expect_status "$v" 0 1 || continue
  [ "$(diff_ids_of "$v")" = "$(diff_ids_of gzip)" ] || fail "$v: diff_ids differ from the gzip image"
  [ "$(findings_of "$v")" = "$(findings_of gzip)" ] || fail "$v: findings differ from the gzip image"
  pass "$v: same layers and findings as gzip"
done
for v in planted-buildah.oci.tar planted-buildah.docker.tar edge-umoci-insert.oci.tar edge-umoci-insert.docker.tar; do
  [ -e "$FIX/$v" ] || { echo "note: $v not built; skipped"; continue; }
  scan "$v" "$FIX/$v"
  expect_status "$v" 0 1 && pass "$v vetted"
done
finish
