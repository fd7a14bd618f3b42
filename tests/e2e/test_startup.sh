#!/usr/bin/env bash
# The binary starts light: libcurl, libarchive, Vectorscan, YARA and libcrypto
# are loaded on first use (src/core/lazylib.h), not at exec. `name`,
# `vercmp` and `--version` never load them; a scan loads what it needs.
. "$(dirname "$0")/lib.sh" "$@"
command -v ldd > /dev/null || skip "no ldd"
[ -x "$IMAGEVET" ] || skip "no imagevet binary (set IMAGEVET)"

linked=$(ldd "$IMAGEVET" | awk '{print $1}')
for lib in libcurl libarchive libhs libyara libcrypto libssl libicu libgnutls libxml2; do
  if echo "$linked" | grep -q "^$lib"; then fail "$lib is linked into the binary: $(echo "$linked" | grep "^$lib")"
  else pass "$lib not linked"; fi
done

so=${IVET_BUILD_DIR:-$(dirname "$IMAGEVET")}/libimagevet.so
if [ -e "$so" ] && command -v nm > /dev/null; then
  other=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TtWwDdBbRr]$/ {print $3}' | grep -v '^ivet_' | head -5)
  [ -z "$other" ] && pass "libimagevet.so exports ivet_* only" || fail "libimagevet.so exports $other"
fi

loaded() {  # CMD...: the shared objects the dynamic loader opened
  LD_DEBUG=files "$@" 2>&1 >/dev/null | sed -n 's/.*file=\([^ ]*\) \[0\];  needed by.*/\1/p; s/.*file=\([^ ]*\) \[0\];  dynamically loaded by.*/\1/p' | sort -u
}
for cmd in "--version" "name --offline goog1e/cadvisor" "vercmp deb 1.0 1.1"; do
  # shellcheck disable=SC2086
  rc=0; "$IMAGEVET" $cmd > /dev/null 2>&1 || rc=$?
  [ "$rc" -le 1 ] || fail "'imagevet $cmd' exited $rc"
  # shellcheck disable=SC2086
  got=$(loaded "$IMAGEVET" $cmd)
  echo "$got" | grep -q '^libc\.so' || fail "LD_DEBUG=files shows no libc for '$cmd': cannot tell what loads"
  if echo "$got" | grep -qE 'libcurl|libarchive|libhs|libyara|libcrypto'; then
    fail "'imagevet $cmd' loads $(echo "$got" | grep -E 'libcurl|libarchive|libhs|libyara|libcrypto' | tr '\n' ' ')"
  else
    pass "'imagevet $cmd' loads none of the heavy libraries"
  fi
done

if [ -e "$FIX/alpine.oci.tar" ]; then
  got=$(loaded "$IMAGEVET" scan --offline --quiet --format json -o /dev/null "$FIX/alpine.oci.tar")
  for lib in libarchive libhs libcrypto; do
    echo "$got" | grep -q "$lib" && pass "a scan loads $lib" || fail "a scan did not load $lib"
  done
  echo "$got" | grep -q libcurl && fail "an offline scan of a file loads libcurl" || pass "an offline scan of a file does not load libcurl"
fi
finish
