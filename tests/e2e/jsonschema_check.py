#!/usr/bin/env python3
"""jsonschema_check.py: a small JSON Schema (draft-07) validator, standard
library only, covering the keywords the CycloneDX 1.5 and SPDX 2.3 schemas in
tests/fixtures/schemas/ use: type, properties, required, additionalProperties,
patternProperties, items, additionalItems, enum, const, pattern, format
(date-time, uri, email checked loosely; iri-reference accepted), $ref (local
and to sibling schema files), oneOf, anyOf, allOf, not, if/then/else,
minItems, maxItems, uniqueItems, minLength, maxLength, minimum, maximum.
An unknown keyword that could constrain is an error, so the check never
passes by ignoring something.

usage: jsonschema_check.py SCHEMA DOCUMENT...
exit 0 when every document validates, 1 when one does not (errors on
stderr), 2 on usage or unreadable input.
"""
import json
import os
import re
import sys

ANNOTATIONS = {"$schema", "$id", "$comment", "title", "description", "examples", "default",
               "definitions", "meta:enum", "deprecated", "readOnly", "writeOnly"}
KNOWN = ANNOTATIONS | {
    "type", "properties", "required", "additionalProperties", "patternProperties", "items",
    "additionalItems", "enum", "const", "pattern", "format", "$ref", "oneOf", "anyOf", "allOf",
    "not", "if", "then", "else", "minItems", "maxItems", "uniqueItems", "minLength", "maxLength",
    "minimum", "maximum"}

DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S*$")


class Schemas:
    """Loads schema files on demand, by file name relative to the first one."""

    def __init__(self, path):
        self.dir = os.path.dirname(os.path.abspath(path))
        self.docs = {}
        self.root_name = os.path.basename(path)
        self.load(self.root_name)

    def load(self, name):
        if name not in self.docs:
            with open(os.path.join(self.dir, name), encoding="utf-8") as f:
                self.docs[name] = json.load(f)
        return self.docs[name]

    def resolve(self, ref, base):
        """Returns (schema, file name) that `ref` names, seen from file `base`."""
        name, _, frag = ref.partition("#")
        name = name or base
        node = self.load(name)
        for part in [p for p in frag.split("/") if p]:
            part = part.replace("~1", "/").replace("~0", "~")
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node, name


def type_ok(value, t):
    if t == "object":
        return isinstance(value, dict)
    if t == "array":
        return isinstance(value, list)
    if t == "string":
        return isinstance(value, str)
    if t == "boolean":
        return isinstance(value, bool)
    if t == "null":
        return value is None
    if t == "integer":
        return isinstance(value, int) and not isinstance(value, bool) or (
            isinstance(value, float) and value.is_integer())
    if t == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    raise ValueError("unknown type %r" % t)


def canon(v):
    return json.dumps(v, sort_keys=True)


def format_ok(value, fmt):
    if not isinstance(value, str):
        return True
    if fmt == "date-time":
        return bool(DATE_TIME.match(value))
    if fmt == "uri":
        return bool(URI.match(value))
    if fmt in ("email", "idn-email"):
        return "@" in value
    return True                     # iri-reference, uri-reference, ...: accepted


class Validator:
    def __init__(self, schemas):
        self.s = schemas
        self.errors = []

    def err(self, path, msg):
        self.errors.append("%s: %s" % (path or "$", msg))

    def valid(self, value, schema, base):
        """True/False without recording errors (for oneOf, anyOf, if)."""
        saved = self.errors
        self.errors = []
        self.check(value, schema, base, "")
        ok = not self.errors
        self.errors = saved
        return ok

    def check(self, v, sc, base, path):
        if sc is True or sc == {}:
            return
        if sc is False:
            self.err(path, "no value is allowed here")
            return
        for k in sc:
            if k not in KNOWN:
                self.err(path, "schema keyword %r is not supported by this validator" % k)
        if "$ref" in sc:
            target, tbase = self.s.resolve(sc["$ref"], base)
            self.check(v, target, tbase, path)
        if "type" in sc:
            types = sc["type"] if isinstance(sc["type"], list) else [sc["type"]]
            if not any(type_ok(v, t) for t in types):
                self.err(path, "expected %s, got %s" % ("/".join(types), type(v).__name__))
                return
        if "enum" in sc and canon(v) not in {canon(e) for e in sc["enum"]}:
            self.err(path, "%r is not one of the allowed values" % (v,))
        if "const" in sc and canon(v) != canon(sc["const"]):
            self.err(path, "%r is not %r" % (v, sc["const"]))
        if isinstance(v, str):
            if "pattern" in sc and not re.search(sc["pattern"], v):
                self.err(path, "%r does not match %r" % (v, sc["pattern"]))
            if "minLength" in sc and len(v) < sc["minLength"]:
                self.err(path, "shorter than %d" % sc["minLength"])
            if "maxLength" in sc and len(v) > sc["maxLength"]:
                self.err(path, "longer than %d" % sc["maxLength"])
            if "format" in sc and not format_ok(v, sc["format"]):
                self.err(path, "%r is not a valid %s" % (v, sc["format"]))
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if "minimum" in sc and v < sc["minimum"]:
                self.err(path, "%r is below %r" % (v, sc["minimum"]))
            if "maximum" in sc and v > sc["maximum"]:
                self.err(path, "%r is above %r" % (v, sc["maximum"]))
        if isinstance(v, dict):
            self.check_object(v, sc, base, path)
        if isinstance(v, list):
            self.check_array(v, sc, base, path)
        for sub in sc.get("allOf", []):
            self.check(v, sub, base, path)
        if "anyOf" in sc and not any(self.valid(v, sub, base) for sub in sc["anyOf"]):
            self.err(path, "matches none of anyOf")
        if "oneOf" in sc:
            n = sum(1 for sub in sc["oneOf"] if self.valid(v, sub, base))
            if n != 1:
                self.err(path, "matches %d of oneOf (exactly one needed)" % n)
        if "not" in sc and self.valid(v, sc["not"], base):
            self.err(path, "matches a schema it must not")
        if "if" in sc:
            branch = "then" if self.valid(v, sc["if"], base) else "else"
            if branch in sc:
                self.check(v, sc[branch], base, path)

    def check_object(self, v, sc, base, path):
        for r in sc.get("required", []):
            if r not in v:
                self.err(path, "missing required property %r" % r)
        props = sc.get("properties", {})
        pats = sc.get("patternProperties", {})
        for k, val in v.items():
            sub = "%s.%s" % (path or "$", k)
            matched = False
            if k in props:
                self.check(val, props[k], base, sub)
                matched = True
            for p, psc in pats.items():
                if re.search(p, k):
                    self.check(val, psc, base, sub)
                    matched = True
            if not matched and "additionalProperties" in sc:
                ap = sc["additionalProperties"]
                if ap is False:
                    self.err(path, "property %r is not allowed" % k)
                elif isinstance(ap, dict):
                    self.check(val, ap, base, sub)

    def check_array(self, v, sc, base, path):
        if "minItems" in sc and len(v) < sc["minItems"]:
            self.err(path, "fewer than %d items" % sc["minItems"])
        if "maxItems" in sc and len(v) > sc["maxItems"]:
            self.err(path, "more than %d items" % sc["maxItems"])
        if sc.get("uniqueItems") and len({canon(x) for x in v}) != len(v):
            self.err(path, "items are not unique")
        items = sc.get("items")
        if isinstance(items, list):
            for i, x in enumerate(v):
                if i < len(items):
                    self.check(x, items[i], base, "%s[%d]" % (path or "$", i))
                elif sc.get("additionalItems") is False:
                    self.err(path, "item %d is not allowed" % i)
                elif isinstance(sc.get("additionalItems"), dict):
                    self.check(x, sc["additionalItems"], base, "%s[%d]" % (path or "$", i))
        elif items is not None:
            for i, x in enumerate(v):
                self.check(x, items, base, "%s[%d]" % (path or "$", i))


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[-4], file=sys.stderr)
        return 2
    try:
        schemas = Schemas(argv[1])
    except (OSError, ValueError) as e:
        print("jsonschema_check: cannot read schema '%s': %s" % (argv[1], e), file=sys.stderr)
        return 2
    status = 0
    for doc in argv[2:]:
        try:
            with open(doc, encoding="utf-8") as f:
                value = json.load(f)
        except (OSError, ValueError) as e:
            print("jsonschema_check: cannot read '%s': %s" % (doc, e), file=sys.stderr)
            return 2
        v = Validator(schemas)
        v.check(value, schemas.docs[schemas.root_name], schemas.root_name, "")
        if v.errors:
            status = 1
            print("%s: INVALID against %s" % (doc, os.path.basename(argv[1])), file=sys.stderr)
            for e in v.errors[:50]:
                print("  " + e, file=sys.stderr)
        else:
            print("%s: valid against %s" % (doc, os.path.basename(argv[1])))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
