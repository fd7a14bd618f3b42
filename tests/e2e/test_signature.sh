#!/usr/bin/env bash
# test_signature.sh: cosign signatures, made here as cosign makes them (the
# simple-signing payload for the manifest digest, signed with openssl's
# ECDSA P-256 over SHA-256, base64 in the layer annotation, the signature
# manifest tagged sha256-<hex>.sig beside the image), in an OCI layout and in
# Docker Distribution on loopback: verified with the right key (also when the
# multi-platform index is what was signed), refused with another, listed
# without --key, missing for an unsigned image, and a payload altered in the
# registry's storage stops the check. `imagevet verify` does the same without
# reading any layer.
. "$(dirname "$0")/lib/registry.sh"
need docker-registry skopeo umoci jq curl python3 openssl

make_images
D=$(layout_digest amd64)
ARM=$(layout_digest arm64)
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/cosign.key" 2>/dev/null
openssl pkey -in "$T/cosign.key" -pubout -out "$T/cosign.pub"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/other.key" 2>/dev/null
openssl pkey -in "$T/other.key" -pubout -out "$T/other.pub"
# sign_layout DIGEST: the payload as cosign writes it for DIGEST (sorted keys,
# no spaces), signed with cosign.key, stored in the layout as the manifest
# tagged sha256-<hex>.sig; prints the payload blob's digest
sign_layout() {
  local d=$1 tag="sha256-${1#sha256:}.sig" sig
  printf '{"critical":{"identity":{"docker-reference":"fixture/busybox"},"image":{"docker-manifest-digest":"%s"},"type":"cosign container image signature"},"optional":null}' "$d" > "$T/payload.json"
  openssl dgst -sha256 -sign "$T/cosign.key" -out "$T/payload.sig" "$T/payload.json"
  sig=$(base64 -w0 "$T/payload.sig")
  python3 - "$T/oci" "$T/payload.json" "$sig" "$tag" <<'PY'
import hashlib, json, os, sys
lay, payload_file, sig, tag = sys.argv[1:5]

def blob(b):
    d = hashlib.sha256(b).hexdigest()
    with open(os.path.join(lay, "blobs", "sha256", d), "wb") as f:
        f.write(b)
    return "sha256:" + d, len(b)

pd, ps = blob(open(payload_file, "rb").read())
cfg = {"architecture": "", "created": "0001-01-01T00:00:00Z", "history": [{"created": "0001-01-01T00:00:00Z"}],
       "os": "", "rootfs": {"type": "layers", "diff_ids": [pd]}, "config": {}}
cd, cs = blob(json.dumps(cfg, separators=(",", ":")).encode())
man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
       "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
       "layers": [{"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json", "digest": pd, "size": ps,
                   "annotations": {"dev.cosignproject.cosign/signature": sig}}]}
md, ms = blob(json.dumps(man, separators=(",", ":")).encode())
top = json.load(open(os.path.join(lay, "index.json")))
top["manifests"].append({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": ms,
                         "annotations": {"org.opencontainers.image.ref.name": tag}})
with open(os.path.join(lay, "index.json"), "w") as f:
    json.dump(top, f)
print(pd)
PY
}
IDX=$(layout_digest multi)
SIGTAG="sha256-${D#sha256:}.sig"
IDXTAG="sha256-${IDX#sha256:}.sig"
PAYLOAD=$(sign_layout "$D")
sign_layout "$IDX" > /dev/null
[ -n "$PAYLOAD" ] || { bad "the fixture's payload digest"; finish; }

found() {  # ID TEXT: one finding ID whose evidence contains TEXT, in the JSON report $OUT
  jq -e --arg id "$1" --arg t "$2" '[.findings[] | select(.id == $id and (.evidence | contains($t)))] | length == 1' "$OUT" >/dev/null
}

run layout "$IMAGEVET" scan --offline -f json --key "$T/cosign.pub" "oci:$T/oci:amd64"
expect_rc 0 "OCI layout, signed, the right key"
if found PROV-SIGNED "cosign signature over $D verified with key sha256:"; then ok "layout: PROV-SIGNED"; else bad "layout: no PROV-SIGNED"; jq -c '.findings[] | select(.category == "provenance")' "$OUT"; fi

run layout_idx "$IMAGEVET" scan --offline -f json --platform linux/arm64 --key "$T/cosign.pub" "oci:$T/oci:multi"
if found PROV-SIGNED "cosign signature over $IDX verified"; then ok "layout: a signature of the index covers the arm64 image picked from it"; else bad "layout: index signature"; jq -c '.findings[] | select(.category == "provenance")' "$OUT"; fi

P=$(free_port)
R=127.0.0.1:$P
registry_start plain "$P"
push amd64 "$R/fixture/busybox:signed"
push "$SIGTAG" "$R/fixture/busybox:$SIGTAG"
push arm64 "$R/fixture/busybox:unsigned"
push multi "$R/fixture/busybox:multi"
push "$IDXTAG" "$R/fixture/busybox:$IDXTAG"

run good "$IMAGEVET" scan --offline -f json --insecure-registry "$R" --key "$T/cosign.pub" "$R/fixture/busybox:signed"
expect_rc 0 "registry, signed, the right key"
if found PROV-SIGNED "verified with key sha256:"; then ok "registry: PROV-SIGNED"; else bad "registry: no PROV-SIGNED"; jq -c '.findings[] | select(.category == "provenance")' "$OUT"; fi
if jq -e '.image.signatures[0].verified_with | startswith("sha256:")' "$OUT" >/dev/null; then ok "registry: image.signatures names the key"; else bad "registry: image.signatures"; jq -c .image.signatures "$OUT"; fi
if jq -e '[.findings[] | select(.id == "PROV-NOT-SIGNED")] | length == 0' "$OUT" >/dev/null; then ok "registry: no PROV-NOT-SIGNED"; else bad "registry: PROV-NOT-SIGNED with the right key"; fi

run idx "$IMAGEVET" scan --offline -f json --insecure-registry "$R" --platform linux/arm64 --key "$T/cosign.pub" "$R/fixture/busybox:multi"
expect_rc 0 "registry: a multi-platform tag whose index is signed"
if found PROV-SIGNED "cosign signature over $IDX verified"; then ok "registry: the index's signature found and verified"; else bad "registry: index signature"; jq -c '.findings[] | select(.category == "provenance")' "$OUT"; fi

run two "$IMAGEVET" scan --offline -f json --insecure-registry "$R" --key "$T/other.pub" --key "$T/cosign.pub" "$R/fixture/busybox:signed"
if found PROV-SIGNED "verified with key sha256:"; then ok "two keys: any one of them will do"; else bad "two keys: no PROV-SIGNED"; fi

run wrong "$IMAGEVET" scan --offline -f json --insecure-registry "$R" --key "$T/other.pub" "$R/fixture/busybox:signed"
expect_rc 1 "registry, signed, another key: the verdict fails"
if found PROV-NOT-SIGNED "no signature verifies with the given key (1 looked at under $SIGTAG): the signature does not verify"; then ok "wrong key: PROV-NOT-SIGNED says why"; else bad "wrong key: PROV-NOT-SIGNED"; jq -c '.findings[] | select(.category == "provenance")' "$OUT"; fi

run nokey "$IMAGEVET" scan --offline -f json --insecure-registry "$R" "$R/fixture/busybox:signed"
if found PROV-SIGNATURE-UNVERIFIED "1 cosign signature under tag $SIGTAG"; then ok "no --key: the signature is listed as unverified"; else bad "no --key: PROV-SIGNATURE-UNVERIFIED"; fi

run unsigned "$IMAGEVET" scan --offline -f json --insecure-registry "$R" --key "$T/cosign.pub" "$R/fixture/busybox:unsigned"
expect_rc 1 "registry, unsigned, --key: the verdict fails"
if found PROV-NOT-SIGNED "no cosign signature: no tag sha256-${ARM#sha256:}.sig"; then ok "unsigned: PROV-NOT-SIGNED names the tag looked for"; else bad "unsigned: PROV-NOT-SIGNED"; jq -c '.findings[] | select(.category == "provenance")' "$OUT"; fi

run badkey "$IMAGEVET" scan --offline --insecure-registry "$R" --key "$T/payload.json" "$R/fixture/busybox:signed"
expect_rc 2 "a --key that is not a public key"
expect_out "not a PEM public key" "bad key: the error says what is wrong"

# imagevet verify: the signature only
run verify "$IMAGEVET" verify --insecure-registry "$R" --key "$T/cosign.pub" "$R/fixture/busybox:signed"
expect_rc 0 "verify: signed with the key"
expect_out "^verified: $R/fixture/busybox:signed ($D): cosign signature over $D verified with key sha256:" "verify: one line naming digest and key"
run verify_wrong "$IMAGEVET" verify --insecure-registry "$R" --key "$T/other.pub" "$R/fixture/busybox:signed"
expect_rc 1 "verify: another key"
expect_out "^NOT verified: .*no signature verifies with the given key" "verify: says why not"
run verify_unsigned "$IMAGEVET" verify --insecure-registry "$R" -k "$T/cosign.pub" "$R/fixture/busybox:unsigned"
expect_rc 1 "verify: an unsigned image"
run verify_json "$IMAGEVET" verify -f json --insecure-registry "$R" --key "$T/cosign.pub" "$R/fixture/busybox:signed"
expect_rc 0 "verify --format json"
if jq -e '(.notes | any(contains("no layer was read"))) and ([.findings[] | select(.category != "provenance")] | length == 0)' "$OUT" >/dev/null; then
  ok "verify: the report says no layer was read and holds signature findings only"; else bad "verify json"; jq -c '{notes, findings}' "$OUT"; fi
run verify_nokey "$IMAGEVET" verify --insecure-registry "$R" "$R/fixture/busybox:signed"
expect_rc 2 "verify without --key is a usage error"

# verify reads no layer: with a layer altered in storage, verify still passes; scan refuses
L=$(jq -r '.layers[0].digest' "$T/oci/blobs/sha256/${D#sha256:}")
FL="$T/data-plain/docker/registry/v2/blobs/sha256/${L:7:2}/${L#sha256:}/data"
[ -f "$FL" ] || { bad "layer blob $FL not in the registry storage"; finish; }
printf "\x5a" | dd of="$FL" bs=1 seek=5 conv=notrunc status=none
run verify_badlayer "$IMAGEVET" verify --insecure-registry "$R" --key "$T/cosign.pub" "$R/fixture/busybox:signed"
expect_rc 0 "verify reads no layer (one is altered)"
run scan_badlayer "$IMAGEVET" scan --offline --insecure-registry "$R" --key "$T/cosign.pub" "$R/fixture/busybox:signed"
expect_rc 2 "scan reads every layer: the altered one stops it"

F="$T/data-plain/docker/registry/v2/blobs/sha256/${PAYLOAD:7:2}/${PAYLOAD#sha256:}/data"
[ -f "$F" ] || { bad "payload blob $F not in the registry storage"; finish; }
sed -i 's/fixture/fixturf/' "$F"
run altered "$IMAGEVET" verify --insecure-registry "$R" --key "$T/cosign.pub" "$R/fixture/busybox:signed"
expect_rc 2 "a payload altered in the registry's storage stops verify"
expect_out "${PAYLOAD:0:19}" "the error names the payload"
finish
