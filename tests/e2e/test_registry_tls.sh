#!/usr/bin/env bash
# test_registry_tls.sh: a registry on https with a certificate from a test CA.
# TLS is verified by default (unknown CA: clear error, exit 2), --ca-file makes
# it trusted, --insecure-registry accepts it unverified for that host only and
# the image gets a note saying so.
. "$(dirname "$0")/lib/registry.sh"
need docker-registry skopeo umoci jq curl python3 openssl

[ -x "$PULL" ] || skip "$PULL not built"
make_images
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ca.key" -out "$T/ca.crt" -days 30 \
  -subj "/CN=fixture test CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$T/srv.key" -out "$T/srv.csr" -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' > "$T/ext.cnf"
openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" -CAcreateserial -days 30 \
  -extfile "$T/ext.cnf" -out "$T/srv.crt" 2>/dev/null
P=$(free_port)
R=127.0.0.1:$P
registry_start tls "$P" "  tls:
    certificate: $T/srv.crt
    key: $T/srv.key"
for _ in $(seq 1 50); do curl -s --cacert "$T/ca.crt" -o /dev/null "https://$R/v2/" && break; sleep 0.1; done
mkdir -p "$T/certs.d"; cp "$T/ca.crt" "$T/certs.d/ca.crt"
"${SKOPEO[@]}" copy -q --preserve-digests --dest-cert-dir "$T/certs.d" "oci:$T/oci:amd64" "docker://$R/fixture/busybox:latest"
D=$(layout_digest amd64)

run verify "$PULL" "docker://$R/fixture/busybox:latest"
expect_rc 2 "https with an unknown CA is refused by default"
expect_out "TLS with '$R' failed" "unknown CA: clear error"
expect_out "ca-file" "unknown CA: says how to trust it"

run cafile "$PULL" --ca-file "$T/ca.crt" "docker://$R/fixture/busybox:latest"
expect_rc 0 "--ca-file: verified https pull"
expect_out "digest: $D" "--ca-file: manifest digest"
expect_no "note:" "--ca-file: no insecure note"

run insecure "$PULL" --insecure-registry "$R" "docker://$R/fixture/busybox:latest"
expect_rc 0 "--insecure-registry: unverified https pull"
expect_out "TLS without certificate verification" "--insecure-registry: the note says TLS was not verified"

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/other.key" -out "$T/other.crt" -days 30 \
  -subj "/CN=another CA" 2>/dev/null
run wrongca "$PULL" --ca-file "$T/other.crt" "docker://$R/fixture/busybox:latest"
expect_rc 2 "--ca-file with an unrelated CA is refused"
run otherhost "$PULL" --insecure-registry "127.0.0.1:1" --ca-file "$T/other.crt" "docker://$R/fixture/busybox:latest"
expect_rc 2 "--insecure-registry for another host leaves this one verified"
finish
