#!/usr/bin/env bash
# test_provenance.sh: build attestations read from an OCI layout and from a
# registry. umoci makes a two-platform image; the harness then adds, as
# BuildKit lays it out, an attestation manifest to the index for the amd64
# manifest (a SLSA v1 provenance statement and an SPDX statement, which is
# listed and not read). skopeo pushes the whole index to Docker
# Distribution on loopback. A statement altered in the registry's storage must
# stop the scan.
. "$(dirname "$0")/lib/registry.sh"
need docker-registry skopeo umoci jq curl python3

make_images
D=$(layout_digest amd64)
STMT=$(python3 - "$T/oci" "$D" <<'PY'
import hashlib, json, os, sys
lay, man = sys.argv[1], sys.argv[2]

def blob(b):
    d = hashlib.sha256(b).hexdigest()
    with open(os.path.join(lay, "blobs", "sha256", d), "wb") as f:
        f.write(b)
    return "sha256:" + d, len(b)

st = {"_type": "https://in-toto.io/Statement/v0.1", "predicateType": "https://slsa.dev/provenance/v1",
      "subject": [{"name": "pkg:docker/fixture/busybox@attested?platform=linux%2Famd64",
                   "digest": {"sha256": man.split(":")[1]}}],
      "predicate": {"buildDefinition": {"buildType": "https://mobyproject.org/buildkit@v1",
                    "externalParameters": {"configSource": {"uri": "https://git.example.com/fixture/busybox.git#main",
                                                            "digest": {"sha1": "89abcdef0123456789abcdef0123456789abcdef"}},
                                           "request": {"args": {"build-arg:VERSION": "1"}}}},
                    "runDetails": {"builder": {"id": "https://ci.example.com/runs/7"}}}}
sd, ss = blob(json.dumps(st, sort_keys=True).encode())
sbom = {"_type": "https://in-toto.io/Statement/v0.1", "predicateType": "https://spdx.dev/Document",
        "subject": st["subject"], "predicate": {"spdxVersion": "SPDX-2.3"}}
bd, bs = blob(json.dumps(sbom).encode())
cd, cs = blob(b"{}")
am = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
      "layers": [{"mediaType": "application/vnd.in-toto+json", "digest": sd, "size": ss,
                  "annotations": {"in-toto.io/predicate-type": "https://slsa.dev/provenance/v1"}},
                 {"mediaType": "application/vnd.in-toto+json", "digest": bd, "size": bs,
                  "annotations": {"in-toto.io/predicate-type": "https://spdx.dev/Document"}}]}
ad, asz = blob(json.dumps(am).encode())
top = json.load(open(os.path.join(lay, "index.json")))
multi = [m for m in top["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == "multi"][0]
idx = json.load(open(os.path.join(lay, "blobs", "sha256", multi["digest"].split(":")[1])))
idx["manifests"].append({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": ad, "size": asz,
                         "platform": {"architecture": "unknown", "os": "unknown"},
                         "annotations": {"vnd.docker.reference.type": "attestation-manifest",
                                         "vnd.docker.reference.digest": man}})
xd, xs = blob(json.dumps(idx).encode())
top["manifests"].append({"mediaType": "application/vnd.oci.image.index.v1+json", "digest": xd, "size": xs,
                         "annotations": {"org.opencontainers.image.ref.name": "attested"}})
with open(os.path.join(lay, "index.json"), "w") as f:
    json.dump(top, f)
print(sd)
PY
)
[ -n "$STMT" ] || { bad "the fixture's statement digest"; finish; }

prov_checks() {  # NAME: the JSON report in $OUT
  local what=$1
  if jq -e --arg d "$D" '.image.digest == $d' "$OUT" >/dev/null; then ok "$what: the amd64 manifest was vetted"; else bad "$what: image.digest"; fi
  if jq -e '[.findings[] | select(.id == "PROV-ATTESTED" and (.evidence | contains("source https://git.example.com/fixture/busybox.git#main at 89abcdef0123456789abcdef0123456789abcdef; builder https://ci.example.com/runs/7")))] | length == 1' "$OUT" >/dev/null; then
    ok "$what: PROV-ATTESTED names builder, source and revision"
  else bad "$what: no PROV-ATTESTED with the builder"; jq -c '.findings[] | select(.category == "provenance")' "$OUT"; fi
  if jq -e '.image.provenance.attestations[0].builder == "https://ci.example.com/runs/7"' "$OUT" >/dev/null; then
    ok "$what: image.provenance in the JSON report"; else bad "$what: image.provenance"; jq -c '.image.provenance' "$OUT"; fi
  if jq -e '[.findings[] | select(.id == "PROV-NO-SOURCE" or .id == "PROV-ATTESTATION-INVALID")] | length == 0' "$OUT" >/dev/null; then
    ok "$what: the provenance names the source; no statement is unreadable"; else bad "$what: unexpected provenance findings"; fi
}

run layout "$IMAGEVET" scan --offline -f json --platform linux/amd64 "oci:$T/oci:attested"
expect_rc 0 "OCI layout with an attestation manifest"
prov_checks "oci layout"
run plain "$IMAGEVET" scan --offline -f json --platform linux/amd64 "oci:$T/oci:multi"
if jq -e '[.findings[] | select(.id == "PROV-NO-SOURCE")] | length == 1' "$OUT" >/dev/null; then
  ok "the same image without attestations: PROV-NO-SOURCE"; else bad "without attestations: no PROV-NO-SOURCE"; fi

P=$(free_port)
R=127.0.0.1:$P
registry_start plain "$P"
push attested "$R/fixture/busybox:attested"
run registry "$IMAGEVET" scan --offline -f json --insecure-registry "$R" --platform linux/amd64 "$R/fixture/busybox:attested"
expect_rc 0 "registry image whose index carries an attestation manifest"
prov_checks "registry"

F="$T/data-plain/docker/registry/v2/blobs/sha256/${STMT:7:2}/${STMT#sha256:}/data"
[ -f "$F" ] || { bad "statement blob $F not in the registry storage"; finish; }
sed -i 's/runs\/7/runs\/8/' "$F"
run altered "$IMAGEVET" scan --offline --insecure-registry "$R" --platform linux/amd64 "$R/fixture/busybox:attested"
expect_rc 2 "a statement altered in the registry's storage stops the scan"
expect_out "${STMT:0:19}" "the error names the statement"
expect_out "digest" "the error is a digest mismatch"
finish
