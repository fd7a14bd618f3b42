#!/usr/bin/env python3
"""make_inventory_image.py: builds a two-layer docker-archive for the
inventory end-to-end test with Python's tarfile (independent of imagevet):
layer 0 is a real Alpine minirootfs; layer 1 adds an apk package (rewriting
lib/apk/db/installed as apk would), a Python distribution, npm packages (one
inside a test fixture directory), a JAR, a gemspec, an old-format rpm
database, this machine's gofmt binary when it exists, and deletes
/etc/alpine-release with a whiteout.

usage: make_inventory_image.py ROOTFS.tar.gz OUT.tar
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
import zipfile


def add(tf, name, data, mode=0o644):
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    ti.mode = mode
    ti.mtime = 1700000000
    tf.addfile(ti, io.BytesIO(data))


def main(rootfs, out):
    with open(rootfs, "rb") as f:
        layer0 = gzip.decompress(f.read())
    with tarfile.open(fileobj=io.BytesIO(layer0)) as tf:
        db = tf.extractfile("./lib/apk/db/installed").read()
    db = db.rstrip(b"\n") + (b"\n\nP:extra-tool\nV:2.0.1-r3\nA:x86_64\nL:MIT\no:extra-tool\n\n")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        add(tf, "lib/apk/db/installed", db)
        add(tf, "usr/lib/python3.12/site-packages/requests-2.31.0.dist-info/METADATA",
            b"Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nLicense: Apache 2.0\n\nbody\n")
        add(tf, "app/node_modules/@scope/left-pad/package.json",
            b'{"name":"@scope/left-pad","version":"1.3.0","license":"WTFPL"}')
        add(tf, "app/node_modules/x/test/node_modules/fixture/package.json",
            b'{"name":"fixture","version":"0.0.1"}')
        add(tf, "etc/.wh.alpine-release", b"")
        # an rpm database in the old Berkeley DB format: must give a note
        add(tf, "var/lib/rpm/Packages", b"\0" * 12 + b"\x61\x15\x06\x00" + b"\0" * 496)
        jar = io.BytesIO()
        with zipfile.ZipFile(jar, "w") as z:
            z.writestr("META-INF/maven/org.example/demo/pom.properties",
                       "groupId=org.example\nartifactId=demo\nversion=1.2.3\n")
        add(tf, "opt/app/demo.jar", jar.getvalue())
        add(tf, "usr/lib/ruby/gems/3.3.0/specifications/rake-13.2.1.gemspec",
            b'Gem::Specification.new do |s|\n  s.name = "rake"\n  s.version = "13.2.1"\nend\n')
        # a real Go binary from this machine, when there is one (read at test time only)
        gofmt = os.environ.get("GOFMT_BINARY", "/usr/local/go/bin/gofmt")
        if os.path.isfile(gofmt):
            with open(gofmt, "rb") as f:
                add(tf, "usr/local/bin/gofmt", f.read(), 0o755)
    layer1 = buf.getvalue()
    layers = [layer0, layer1]
    diff_ids = ["sha256:" + hashlib.sha256(l).hexdigest() for l in layers]
    config = json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": {"Cmd": ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created_by": "ADD alpine-minirootfs /"},
                    {"created_by": "RUN apk add extra-tool && pip install requests"}],
    }).encode()
    cfg_name = hashlib.sha256(config).hexdigest() + ".json"
    manifest = json.dumps([{"Config": cfg_name, "RepoTags": ["test/inventory:1"],
                            "Layers": ["layer0/layer.tar", "layer1/layer.tar"]}]).encode()
    with tarfile.open(out, "w") as tf:
        add(tf, cfg_name, config)
        add(tf, "layer0/layer.tar", layer0)
        add(tf, "layer1/layer.tar", layer1)
        add(tf, "manifest.json", manifest)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2])
