#!/usr/bin/env python3
"""make_rpm_image.py: builds a two-layer docker-archive of an rpm-based
image with Python's tarfile and sqlite3 (independent of imagevet): an
os-release for Fedora 40 and a SQLite rpmdb (usr/lib/sysimage/rpm/rpmdb.sqlite)
whose Packages rows are rpm headers written here from the header format
(index entries + data store). Layer 0 installs bash and coreutils; layer 1
rewrites the database adding zlib (epoch 1) and upgrading coreutils.

usage: make_rpm_image.py OUT.tar
"""
import hashlib
import io
import json
import os
import sqlite3
import struct
import sys
import tarfile
import tempfile


def rpm_header(name, version, release, epoch=None):
    tags = [(1000, 6, name), (1001, 6, version), (1002, 6, release), (1022, 6, "x86_64"),
            (1014, 6, "GPL-3.0-or-later"), (1044, 6, "%s-%s-%s.src.rpm" % (name, version, release))]
    if epoch is not None:
        tags.append((1003, 4, epoch))
    index, data = b"", b""
    for tag, typ, val in tags:
        if typ == 4:
            data += b"\0" * (-len(data) % 4)
            off, data = len(data), data + struct.pack(">I", val)
        else:
            off, data = len(data), data + val.encode() + b"\0"
        index += struct.pack(">IIII", tag, typ, off, 1)
    return struct.pack(">II", len(tags), len(data)) + index + data


def rpmdb(pkgs):
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "rpmdb.sqlite")
        db = sqlite3.connect(p)
        db.execute("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)")
        for args in pkgs:
            db.execute("INSERT INTO Packages (blob) VALUES (?)", (rpm_header(*args),))
        db.commit()
        db.close()
        with open(p, "rb") as f:
            return f.read()


def tar_layer(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for name, data in files:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mode = 0o644
            tf.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def main(out):
    osr = b'NAME="Fedora Linux"\nID=fedora\nVERSION_ID=40\nPRETTY_NAME="Fedora Linux 40"\n'
    db = "usr/lib/sysimage/rpm/rpmdb.sqlite"
    l0 = tar_layer([("etc/os-release", osr),
                    (db, rpmdb([("bash", "5.2.26", "3.fc40"), ("coreutils", "9.4", "6.fc40")]))])
    l1 = tar_layer([(db, rpmdb([("bash", "5.2.26", "3.fc40"), ("coreutils", "9.4", "8.fc40"),
                                ("zlib", "1.3.1", "1.fc40", 1)]))])
    layers = [l0, l1]
    cfg = json.dumps({"architecture": "amd64", "os": "linux",
                      "rootfs": {"type": "layers",
                                 "diff_ids": ["sha256:" + hashlib.sha256(l).hexdigest() for l in layers]},
                      "history": [{"created_by": "ADD rootfs /"},
                                  {"created_by": "RUN dnf install -y zlib && dnf upgrade -y coreutils"}]}).encode()
    man = json.dumps([{"Config": "config.json", "RepoTags": ["test/rpm:1"],
                       "Layers": ["0/layer.tar", "1/layer.tar"]}]).encode()
    with tarfile.open(out, "w") as tf:
        for n, d in (("config.json", cfg), ("0/layer.tar", l0), ("1/layer.tar", l1), ("manifest.json", man)):
            ti = tarfile.TarInfo(n)
            ti.size = len(d)
            tf.addfile(ti, io.BytesIO(d))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1])
