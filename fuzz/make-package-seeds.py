#!/usr/bin/env python3
"""make-package-seeds.py: writes the binary seed inputs of the package
parsers' fuzz corpora (rpm header, rpmdb.sqlite, Go build info ELF, JAR,
cargo-auditable zlib). Standard library only; run from the source tree."""
import io
import os
import sqlite3
import struct
import sys
import tempfile
import zipfile
import zlib

C = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
# one rpm header writer for the e2e images and these seeds
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import make_rpm_image  # noqa: E402


def rpm_header(name):
    return make_rpm_image.rpm_header(name, "1.0", "1.fc40", epoch=1)


def write(parser, name, data):
    os.makedirs(os.path.join(C, parser), exist_ok=True)
    with open(os.path.join(C, parser, name), "wb") as f:
        f.write(data)


def rpmdb():
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "rpmdb.sqlite")
        db = sqlite3.connect(p)
        db.execute("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)")
        for n in ("bash", "zlib"):
            db.execute("INSERT INTO Packages (blob) VALUES (?)", (rpm_header(n),))
        db.commit()
        db.close()
        with open(p, "rb") as f:
            return f.read()


def varint(n):
    out = b""
    while n >= 0x80:
        out += bytes([n & 0x7f | 0x80])
        n >>= 7
    return out + bytes([n])


def go_elf():
    modinfo = (b"0123456789abcdef" b"path\texample.com/app\n" b"mod\texample.com/app\t(devel)\t\n"
               b"dep\tgolang.org/x/text\tv0.14.0\th1:x=\n" b"\nfedcba9876543210")
    bi = b"\xff Go buildinf:\x08\x02" + b"\0" * 16 + varint(8) + b"go1.22.5" + varint(len(modinfo)) + modinfo
    size = 0x400
    f = bytearray(size)
    f[0:7] = b"\x7fELF\x02\x01\x01"
    struct.pack_into("<QQ", f, 32, 64, 0)          # e_phoff, e_shoff
    struct.pack_into("<HHHH", f, 54, 56, 1, 64, 0)
    struct.pack_into("<IIQQQQQQ", f, 64, 1, 5, 0, 0x400000, 0x400000, size, size, 0x1000)
    f[0x200:0x200 + len(bi)] = bi
    return bytes([0]) + bytes(f)                    # first byte: the fuzzer's read size


def jar():
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("META-INF/maven/org.yaml/snakeyaml/pom.properties",
                   "groupId=org.yaml\nartifactId=snakeyaml\nversion=2.2\n")
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w") as z:
        z.writestr("META-INF/maven/g/a/pom.properties", "groupId=g\nartifactId=a\nversion=1\n")
        z.writestr("BOOT-INF/lib/snakeyaml-2.2.jar", inner.getvalue())
    return outer.getvalue()


write("rpmhdr", "bash.hdr", rpm_header("bash"))
write("rpmdb", "rpmdb.sqlite", rpmdb())
write("gobuildinfo", "go-elf", go_elf())
write("jar", "nested.jar", jar())
write("cargo", "dep-v0.zlib", zlib.compress(
    b'{"packages":[{"name":"serde","version":"1.0.197","source":"crates.io"}]}', 9))
