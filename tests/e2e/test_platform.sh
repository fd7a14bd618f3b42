#!/usr/bin/env bash
# A 2-platform OCI index (amd64 + arm64/v8): --platform picks, a missing
# platform is an error listing the platforms present.
. "$(dirname "$0")/lib.sh" "$@"
need "$FIX/alpine-multi.oci.tar"
require_scan

scan arm "$FIX/alpine-multi.oci.tar" --platform linux/arm64
scan amd "oci-archive:$FIX/alpine-multi.oci.tar" --platform linux/amd64
scan layout-arm "oci:$FIX/oci:alpine-3" --platform linux/arm64/v8
scan s390x "$FIX/alpine-multi.oci.tar" --platform linux/s390x
if expect_status arm 0 1 && expect_status amd 0 1 && expect_status layout-arm 0 1; then
  case $(json arm 'r["image"]["platform"]') in linux/arm64*) pass "arm64 picked" ;; *) fail "arm64 not picked: $(json arm 'r["image"]["platform"]')" ;; esac
  case $(json amd 'r["image"]["platform"]') in linux/amd64*) pass "amd64 picked" ;; *) fail "amd64 not picked" ;; esac
  [ "$(diff_ids_of arm)" != "$(diff_ids_of amd)" ] || fail "arm64 and amd64 gave the same layers"
  [ "$(diff_ids_of arm)" = "$(diff_ids_of layout-arm)" ] || fail "layout and archive disagree on arm64"
fi
if expect_status s390x 2; then
  grep -q 'linux/amd64' "$TMP/s390x.err" && grep -q 'linux/arm64' "$TMP/s390x.err" && grep -q 's390x' "$TMP/s390x.err" \
    && pass "s390x: error lists the platforms present" || fail "s390x error does not list the platforms: $(cat "$TMP/s390x.err")"
fi
finish
