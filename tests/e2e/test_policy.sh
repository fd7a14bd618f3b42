#!/usr/bin/env bash
# Policy files and --trust on the command line, on the debootstrap image
# (docker.io/fixture/debian: it warns only because no one trusts 'fixture').
. "$(dirname "$0")/lib.sh" "$@"
IMG="$FIX/debian.docker.tar"
need "$IMG"
require_scan

scan plain "$IMG" --offline
expect_status plain 0 && [ "$(json plain 'r["verdict"]')" = warn ] && pass "plain: warn" || fail "plain: not warn"

# trusting the namespace, by flag or by environment, makes it pass
scan trust "$IMG" --offline --trust fixture
expect_status trust 0
[ "$(json trust 'r["verdict"]')" = pass ] && pass "--trust: pass" || fail "--trust: $(json trust 'r["verdict"]')"
[ "$(json trust 'r["image"]["publisher"]["trust"]')" = trusted-by-policy ] && pass "--trust: trusted-by-policy" \
  || fail "--trust: publisher $(json trust 'r["image"]["publisher"]')"
IMAGEVET_TRUST=other,fixture scan env "$IMG" --offline
[ "$(json env 'r["verdict"]')" = pass ] && pass "IMAGEVET_TRUST: pass" || fail "IMAGEVET_TRUST: $(json env 'r["verdict"]')"

# a policy: fail_on warn, a severity override and an ignore rule
cat > "$TMP/p.yaml" <<'YAML'
fail_on: warn
severity:
  PUB-UNKNOWN: high
ignore:
  - id: NAME-OFFICIAL-*
    reason: our own mirror of the official image
YAML
scan pol "$IMG" --offline --policy "$TMP/p.yaml"
expect_status pol 1
[ "$(json pol 'r["verdict"]')" = fail ] && pass "policy: PUB-UNKNOWN raised to high fails" || fail "policy: $(json pol 'r["verdict"]')"
[ "$(json pol '[i["id"] for i in r["ignored"]]')" = '["NAME-OFFICIAL-FOREIGN-NS"]' ] && pass "policy: ignored listed" \
  || fail "policy: ignored $(json pol 'r["ignored"]')"

# fail_on warn from the file, and --fail-on fail on the command line winning
sed -i 's/PUB-UNKNOWN: high/PUB-UNKNOWN: medium/' "$TMP/p.yaml"
scan warn "$IMG" --offline --policy "$TMP/p.yaml"
expect_status warn 1 && pass "policy fail_on warn: exit 1 on warn"
scan flag "$IMG" --offline --policy "$TMP/p.yaml" --fail-on fail
expect_status flag 0 && pass "--fail-on fail wins over the policy"

# a bad policy: exit 2 before the image is read, naming file, line and key
printf 'trusted:\n  namespace: [fixture]\n' > "$TMP/bad.yaml"
scan bad "$TMP/no-such-image.tar" --policy "$TMP/bad.yaml"
expect_status bad 2
grep -q "bad.yaml' line 2 column 3: unknown key 'namespace' in 'trusted'" "$TMP/bad.err" \
  && pass "bad policy: named with its line" || fail "bad policy: $(cat "$TMP/bad.err")"
finish
