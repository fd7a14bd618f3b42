#!/usr/bin/env python3
"""Generates look-alike image references from the Docker Official Images list
and the known registry hosts: homoglyphs, one-edit typos, transpositions,
official names under foreign namespaces and registry host look-alikes.

Deterministic (fixed seed), so the set is reproducible. Output lines:
reference<TAB>kind<TAB>imitated name

Typo model (what people actually mistype): an adjacent transposition, a
dropped letter, a doubled letter, or a neighbouring-key substitution, none of
them on the first letter, for names of 5 characters or more (a one-edit change
of a shorter name is usually another real word). Generated names that are
themselves a known official image or trusted namespace are skipped: they are
legitimate names, not look-alikes.
"""
import random
import sys

HOMOGLYPHS = [("l", "1"), ("o", "0"), ("m", "rn"), ("w", "vv"), ("s", "5"), ("i", "1"),
              ("e", "3"), ("a", "4"), ("g", "q")]
ROWS = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"]
FOREIGN = ["someone", "x123", "devops42", "jdoe", "buildbot", "acme-ci"]


def neighbours(c):
    out = []
    for r, row in enumerate(ROWS):
        i = row.find(c)
        if i < 0:
            continue
        for j in (i - 1, i + 1):
            if 0 <= j < len(row):
                out.append(row[j])
        for rr, shift in ((r - 1, (0, 1)), (r + 1, (-1, 0))):
            if 0 <= rr < len(ROWS):
                for s in shift:
                    j = i + s
                    if 0 <= j < len(ROWS[rr]):
                        out.append(ROWS[rr][j])
    return [x for x in out if x.isalnum()]


def load(path, col=0):
    names = []
    for line in open(path):
        line = line.rstrip("\n")
        if line and not line.startswith("#"):
            names.append(line.split("\t")[col])
    return names


def typos(name, rnd):
    out = set()
    n = len(name)
    if n < 5:
        return out
    for i in range(1, n - 1):
        if name[i] != name[i + 1]:
            out.add(name[:i] + name[i + 1] + name[i] + name[i + 2:])     # transposition
    for i in range(1, n):
        out.add(name[:i] + name[i + 1:])                                 # dropped letter
        out.add(name[:i] + name[i] + name[i:])                           # doubled letter
        for k in neighbours(name[i]):
            out.add(name[:i] + k + name[i + 1:])                         # neighbouring key
    out = sorted(out)
    rnd.shuffle(out)
    return out[:4]


def homoglyphs(name):
    out = []
    for a, b in HOMOGLYPHS:
        i = name.find(a)
        if i >= 0:
            out.append(name[:i] + b + name[i + len(a):])
    return out[:3]


def main():
    data = sys.argv[1]
    rnd = random.Random(20261127)
    official = load(f"{data}/names/official-images.txt")
    removed = load(f"{data}/names/official-images-removed.tsv")
    namespaces = load(f"{data}/names/trusted-namespaces.tsv")
    hosts = [h for h in load(f"{data}/names/registries.tsv") if h.count(".") >= 1 and len(h) >= 6]
    known = set(official) | set(removed) | set(namespaces)
    rows = []
    for name in official:
        for h in homoglyphs(name):
            if h not in known and h != name:
                rows.append((h, "homoglyph", name))
        for t in typos(name, rnd):
            if t not in known and t != name:
                rows.append((t, "typo", name))
        rows.append((f"{rnd.choice(FOREIGN)}/{name}", "foreign-namespace", name))
    for ns in namespaces:
        for h in homoglyphs(ns):
            if h not in known and len(ns) >= 4:
                rows.append((f"{h}/app", "homoglyph-namespace", ns))
    for host in hosts:
        first = host.split(".")[0]
        if host[len(first) + 1:] in hosts:
            # a subdomain of a known registry's own domain is not an attacker's name
            rows.append((f"{host}.evil.com/team/app", "host-prefix", host))
            continue
        rows.append((f"{host}.evil.com/team/app", "host-prefix", host))
        rows.append((host.replace(".", "-") + ".com/team/app", "host-dashes", host))
        for a, b in (("i", "l"), ("o", "0"), ("l", "1")):
            if a in host:
                rows.append((host.replace(a, b, 1) + "/team/app", "host-homoglyph", host))
                break
        if len(first) >= 4:
            rows.append((first[0] + first[2] + first[1] + first[3:] + host[len(first):] + "/team/app",
                         "host-transposition", host))
    for r in rows:
        print("\t".join(r))


main()
