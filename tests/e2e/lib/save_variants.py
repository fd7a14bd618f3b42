"""Rewrites a docker-archive made by skopeo into the two other layouts a daemon's
GET /images/{name}/get produces, for the docker-daemon: e2e test.

save_variants.py IN.tar LEGACY.tar OCI.tar
LEGACY: Docker <= 24 `docker save`: <id>/layer.tar regular files, <id>/json, <id>/VERSION,
        <config hex>.json, manifest.json, repositories, all in name order (the daemon tars a
        directory), so manifest.json comes after the layers.
OCI:    Docker >= 25: blobs/sha256/<hex> (uncompressed layers, config), index.json,
        oci-layout, manifest.json with Layers "blobs/sha256/<hex>"."""
import hashlib, io, json, sys, tarfile

src, legacy, oci = sys.argv[1], sys.argv[2], sys.argv[3]
t = tarfile.open(src)
files = {}
for m in t.getmembers():
    if m.isfile():
        files[m.name] = t.extractfile(m).read()
man = json.loads(files["manifest.json"])[0]
cfg_name = man["Config"]
cfg = files[cfg_name]
layers = [files[n] for n in man["Layers"]]
tags = [x.replace("docker.io/", "", 1) for x in man.get("RepoTags") or []]


def write(path, entries):
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as out:
        for name in sorted(entries):
            data = entries[name]
            ti = tarfile.TarInfo(name)
            ti.size, ti.mode, ti.mtime = len(data), 0o644, 1700000000
            out.addfile(ti, io.BytesIO(data))


ent, names, parent = {}, [], ""
for i, data in enumerate(layers):
    lid = hashlib.sha256(("%s/%d" % (parent, i)).encode()).hexdigest()
    j = {"id": lid, "created": "2023-11-14T22:13:20Z"}
    if parent:
        j["parent"] = parent
    ent[lid + "/layer.tar"] = data
    ent[lid + "/json"] = json.dumps(j).encode()
    ent[lid + "/VERSION"] = b"1.0"
    names.append(lid + "/layer.tar")
    parent = lid
ent[cfg_name] = cfg
ent["manifest.json"] = json.dumps([{"Config": cfg_name, "RepoTags": tags, "Layers": names}]).encode()
ent["repositories"] = b"{}"
write(legacy, ent)

ent, names = {}, []
for data in layers:
    h = hashlib.sha256(data).hexdigest()
    ent["blobs/sha256/" + h] = data
    names.append("blobs/sha256/" + h)
ch = hashlib.sha256(cfg).hexdigest()
ent["blobs/sha256/" + ch] = cfg
ent["oci-layout"] = b'{"imageLayoutVersion":"1.0.0"}'
ent["index.json"] = b'{"schemaVersion":2,"manifests":[]}'
ent["manifest.json"] = json.dumps([{"Config": "blobs/sha256/" + ch, "RepoTags": tags, "Layers": names}]).encode()
write(oci, ent)
