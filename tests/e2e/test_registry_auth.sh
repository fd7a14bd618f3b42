#!/usr/bin/env bash
# test_registry_auth.sh: registry authentication end to end: htpasswd Basic
# auth, Bearer tokens from a token server (realm/service/scope challenge),
# credentials from --username/--password-stdin and from $DOCKER_CONFIG/
# config.json (base64 "auth" and a docker-credential helper), and a wrong
# password: a clear error, exit 2, and the password in no output.
. "$(dirname "$0")/lib/registry.sh"
need docker-registry skopeo umoci jq curl python3 openssl htpasswd

[ -x "$PULL" ] || skip "$PULL not built"
U=fixtureuser
PW=fixture-S3cret-pw
WRONG=not-the-Pw-9f8e7d
make_images

# ---- htpasswd (bcrypt: the only hash Distribution accepts)
HP=$(free_port)
htpasswd -Bbn "$U" "$PW" > "$T/htpasswd"
registry_start htpasswd "$HP" "auth:
  htpasswd:
    realm: fixture-realm
    path: $T/htpasswd"
H=127.0.0.1:$HP
push amd64 "$H/fixture/auth:latest" --dest-creds "$U:$PW"
D=$(layout_digest amd64)

run basic_anon "$PULL" --insecure-registry "$H" "docker://$H/fixture/auth:latest"
expect_rc 2 "basic: anonymous is refused"
expect_out "requires credentials for repository 'fixture/auth'" "basic: error names the repository"

run basic_ok bash -c "printf '%s\n' '$PW' | '$PULL' --insecure-registry '$H' --username '$U' --password-stdin 'docker://$H/fixture/auth:latest'"
expect_rc 0 "basic: --username/--password-stdin"
expect_out "digest: $D" "basic: manifest digest"
expect_no "$PW" "basic: the password is not printed"

run basic_wrong bash -c "printf '%s\n' '$WRONG' | '$PULL' --insecure-registry '$H' --username '$U' --password-stdin 'docker://$H/fixture/auth:latest'"
expect_rc 2 "basic: wrong password"
expect_out "rejected the credentials from --username" "basic: clear error"
expect_no "$WRONG" "basic: the wrong password is not printed"

mkdir -p "$T/dockercfg"
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$H" "$(printf '%s:%s' "$U" "$PW" | base64 -w0)" > "$T/dockercfg/config.json"
run basic_cfg env DOCKER_CONFIG="$T/dockercfg" "$PULL" --insecure-registry "$H" "docker://$H/fixture/auth:latest"
expect_rc 0 "basic: credentials from \$DOCKER_CONFIG/config.json"
expect_no "$PW" "config.json: the password is not printed"

# a credential helper on PATH (a HOST program the user configured)
mkdir -p "$T/bin" "$T/helpercfg"
cat > "$T/bin/docker-credential-fixture" <<EOH
#!/bin/sh
[ "\$1" = get ] || exit 1
read -r url
echo "\$url" > "$T/helper-asked"
printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}\n' "\$url" "$U" "$PW"
EOH
chmod +x "$T/bin/docker-credential-fixture"
printf '{"credHelpers":{"%s":"fixture"}}\n' "$H" > "$T/helpercfg/config.json"
run basic_helper env PATH="$T/bin:$PATH" DOCKER_CONFIG="$T/helpercfg" "$PULL" --insecure-registry "$H" "docker://$H/fixture/auth:latest"
expect_rc 0 "basic: credentials from a docker-credential helper"
if [ "$(cat "$T/helper-asked" 2>/dev/null)" = "$H" ]; then ok "helper was fed the server URL on stdin"; else bad "helper was asked '$(cat "$T/helper-asked" 2>/dev/null)'"; fi
expect_no "$PW" "helper: the password is not printed"

# redirects to blob storage on another host: followed, without the registry's Authorization
RP=$(free_port)
python3 "$LIB/fault_proxy.py" "$RP" "$HP" "redirect:$U:$PW" "$T/redirect.log" > "$T/redirect.stderr" 2>&1 &
PIDS+=("$!")
wait_http "http://127.0.0.1:$RP/v2/"
run redirect bash -c "printf '%s\n' '$PW' | '$PULL' --insecure-registry '127.0.0.1:$RP' --username '$U' --password-stdin 'docker://127.0.0.1:$RP/fixture/auth:latest'"
expect_rc 0 "redirect: blobs fetched from the redirect target"
expect_out "layer 1: .* verified" "redirect: layers verified"
OUT="$T/redirect.log"
expect_out "^STORAGE /_blob/v2/fixture/auth/blobs/sha256:" "redirect: the storage host was asked"
expect_no "auth=present" "redirect: Authorization is not sent to the other host"

# ---- bearer tokens
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/token.key" -out "$T/token.crt" \
  -days 30 -subj "/CN=fixture-token-issuer" 2>/dev/null
SP=$(free_port)
REFRESH=fixture-refresh-Tok-4242
python3 "$LIB/token_server.py" "$SP" "$T/token.key" "$T/token.crt" fixture-token-issuer "$U:$PW" "$T/token.log" "$REFRESH" \
  > "$T/token_server.log" 2>&1 &
PIDS+=("$!")
wait_http "http://127.0.0.1:$SP/health"
TP=$(free_port)
registry_start token "$TP" "auth:
  token:
    realm: http://127.0.0.1:$SP/token
    service: fixture-registry
    issuer: fixture-token-issuer
    rootcertbundle: $T/token.crt"
K=127.0.0.1:$TP
push amd64 "$K/fixture/auth-token:latest" --dest-creds "$U:$PW"
: > "$T/token.log"

run token_ok bash -c "printf '%s\n' '$PW' | '$PULL' --insecure-registry '$K' --username '$U' --password-stdin 'docker://$K/fixture/auth-token:latest'"
expect_rc 0 "bearer: token flow with credentials"
expect_out "digest: $D" "bearer: manifest digest"
expect_out "layer 1: .* verified" "bearer: blobs fetched with the token"
expect_no "$PW" "bearer: the password is not printed"
OUT="$T/token.log"
expect_out "service=fixture-registry" "bearer: service from the challenge sent to the realm"
expect_out "scope=repository%3Afixture%2Fauth-token%3Apull" "bearer: pull scope for the repository"
if [ "$(grep -c . "$T/token.log")" -le 2 ]; then ok "bearer: the token is cached (not fetched per blob)"; else bad "bearer: $(grep -c . "$T/token.log") token requests"; fi

mkdir -p "$T/idcfg"
printf '{"auths":{"%s":{"identitytoken":"%s"}}}\n' "$K" "$REFRESH" > "$T/idcfg/config.json"
: > "$T/token.log"
run token_identity env DOCKER_CONFIG="$T/idcfg" "$PULL" --insecure-registry "$K" "docker://$K/fixture/auth-token:latest"
expect_rc 0 "bearer: identity token from config.json (OAuth2 refresh_token grant)"
expect_no "$REFRESH" "identity token: not printed"
OUT="$T/token.log"
expect_out "^POST grant_type=refresh_token service=fixture-registry scope=repository:fixture/auth-token:pull" "identity token: POSTed to the realm"

run token_anon "$PULL" --insecure-registry "$K" "docker://$K/fixture/auth-token:latest"
expect_rc 2 "bearer: anonymous refused by the token server"
expect_out "repository 'fixture/auth-token'" "bearer: error names the repository"

run token_wrong bash -c "printf '%s\n' '$WRONG' | '$PULL' --insecure-registry '$K' --username '$U' --password-stdin 'docker://$K/fixture/auth-token:latest'"
expect_rc 2 "bearer: wrong password"
expect_out "rejected the credentials from --username" "bearer: clear error"
expect_no "$WRONG" "bearer: the wrong password is not printed"
run scan_wrong bash -c "printf '%s\n' '$WRONG' | '$IMAGEVET' scan --offline --insecure-registry '$K' --username '$U' --password-stdin '$K/fixture/auth-token:latest'"
expect_rc 2 "imagevet scan with a wrong password: exit 2"
expect_out "rejected the credentials" "imagevet scan: clear error"
run scan_ok bash -c "printf '%s\n' '$PW' | '$IMAGEVET' scan --offline -f json --insecure-registry '$K' --username '$U' --password-stdin '$K/fixture/auth-token:latest'"
if [ "$(jq -r .image.digest "$OUT" 2>/dev/null)" = "$D" ]; then ok "imagevet scan with bearer credentials: digest in the report"; else bad "imagevet scan with bearer credentials"; cat "$OUT"; fi
for f in "$T"/*.out; do
  if grep -q -e "$PW" -e "$WRONG" -e "$REFRESH" "$f"; then bad "a password appears in $(basename "$f")"; fi
done
finish
