#!/usr/bin/env bash
# The same image through docker-archive:, oci: (layout), oci-archive: and as a
# bare path gives the same layers (diff_ids; blob digests where both have them)
# and the same findings. Images: Debian minbase (debootstrap + umoci + skopeo)
# and the planted image (whiteouts, opaque directory, suspicious payload).
. "$(dirname "$0")/lib.sh" "$@"
need "$FIX/debian.docker.tar" "$FIX/debian.oci.tar" "$FIX/oci/index.json" "$FIX/planted.docker.tar" "$FIX/planted.oci.tar"
require_scan

for img in debian:debian-bookworm planted:planted; do
  name=${img%%:*} tag=${img#*:} before=$FAILS
  scan "$name-da" "docker-archive:$FIX/$name.docker.tar"
  scan "$name-oci" "oci:$FIX/oci:$tag"
  scan "$name-oa" "oci-archive:$FIX/$name.oci.tar"
  # a bare path is identified by its content (once is enough: same code after that)
  bare=""
  if [ "$name" = planted ]; then scan "$name-bare" "$FIX/$name.docker.tar"; bare=bare; fi
  for v in da oci oa $bare; do expect_status "$name-$v" 0 1 || continue; done
  [ "$(json "$name-da" 'r["image"]["transport"]')" = docker-archive ] || fail "$name: docker-archive transport not reported"
  [ "$(json "$name-oa" 'r["image"]["transport"]')" = oci-archive ] || fail "$name: oci-archive transport not reported"
  ref=$(diff_ids_of "$name-oci")
  [ "$(json "$name-oci" 'len(r["image"]["layers"])')" -ge 1 ] || fail "$name: no layers in the report"
  for v in da oa $bare; do
    [ "$(diff_ids_of "$name-$v")" = "$ref" ] || fail "$name: diff_ids differ between oci and $v"
  done
  [ "$(layers_of "$name-oa")" = "$(layers_of "$name-oci")" ] || fail "$name: layer digests differ between oci and oci-archive"
  [ "$(json "$name-oa" 'r["image"]["digest"]')" = "$(json "$name-oci" 'r["image"]["digest"]')" ] \
    || fail "$name: manifest digest differs between oci and oci-archive"
  for v in da oa oci $bare; do
    [ "$(json "$name-$v" 'r["image"]["config_digest"]')" = "$(json "$name-oci" 'r["image"]["config_digest"]')" ] \
      || fail "$name: config digest differs for $v"
  done
  f=$(findings_of "$name-oci")
  for v in da oa $bare; do
    [ "$(findings_of "$name-$v")" = "$f" ] || fail "$name: findings differ between oci and $v"
  done
  [ "$(rc_of "$name-da")" = "$(rc_of "$name-oci")" ] || fail "$name: exit status differs between transports"
  [ "$FAILS" = "$before" ] && pass "$name: docker-archive, oci, oci-archive${bare:+ and a bare path}: same layers and findings"
done
# the planted image's created_by reaches the report
json planted-da '[l.get("created_by") or "" for l in r["image"]["layers"]]' | grep -q 'example.invalid/stage2' \
  || fail "planted: created_by of the payload layer is missing"
finish
