#!/usr/bin/env bash
# Secrets in real images: the planted fixture's credentials are reported by
# the secret catalog (data/rules/secrets.rules) with the file, including files
# a later layer deletes, and no evidence carries a key; the clean Debian
# minbase and Alpine images give no high or critical secret finding.
. "$(dirname "$0")/lib.sh" "$@"
need "$FIX/planted.oci.tar"
require_scan "$FIX/planted.oci.tar"

# has NAME ID PATH: a finding ID at PATH exists
has() {
  json "$1" 'any(f["id"] == "'"$2"'" and f.get("path") == "'"$3"'" for f in r.get("findings", []))'
}
expect_has() {  # NAME ID PATH
  if [ "$(has "$1" "$2" "$3")" = "true" ]; then pass "$1: $2 at $3"; else fail "$1: no $2 at $3"; fi
}

for v in planted.oci.tar planted.docker.tar; do
  [ -e "$FIX/$v" ] || continue
  scan "$v" "$FIX/$v"
  expect_status "$v" 0 1 || continue
  expect_has "$v" SECRET-AWS-ACCESS-KEY-ID /app/.env
  expect_has "$v" SECRET-AWS-SECRET-ACCESS-KEY /app/.env
  expect_has "$v" SECRET-DOTENV-SECRET /app/.env
  expect_has "$v" SECRET-GIT-CREDENTIALS /tmp/.cache/.git-credentials      # deleted by layer 2
  expect_has "$v" SECRET-NETRC-PASSWORD /root/.stage/.netrc                # directory deleted by layer 2
  # The evidence of a secret finding never shows the key (keep at most 4 bytes).
  leaks=$(json "$v" '[f["id"] for f in r.get("findings", []) if f["id"].startswith("SECRET-") and any(s in (f.get("evidence") or "") for s in ("IOSFODNN7EXAMPLE", "bPxRfiCYEXAMPLEKEY", "NOT_A_REAL_TOKEN", "not-a-real-password"))]')
  if [ "$leaks" = "[]" ]; then pass "$v: no secret in any evidence"; else fail "$v: evidence shows a secret: $leaks"; fi
done

for v in debian.docker.tar debian.oci.tar alpine.docker.tar alpine.oci.tar; do
  [ -e "$FIX/$v" ] || continue
  scan "$v" "$FIX/$v"
  expect_status "$v" 0 1 || continue
  all=$(json "$v" 'sorted(set((f["id"], f.get("path") or "", f["severity"]) for f in r.get("findings", []) if f["id"].startswith("SECRET-")))')
  high=$(json "$v" '[f["id"] + " " + (f.get("path") or "") for f in r.get("findings", []) if f["id"].startswith("SECRET-") and f["severity"] in ("high", "critical")]')
  echo "$v secret findings: $all"
  if [ "$high" = "[]" ]; then pass "$v: no high or critical secret"; else fail "$v: $high"; fi
done
finish
