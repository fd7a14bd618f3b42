/* secdb.c: imports Alpine's security database (secdb.alpinelinux.org
 * /<release>/<repo>.json): for each source package, the versions that fixed
 * each CVE. A fix version "0" means the CVE never affected Alpine's package
 * (stored as not_affected, never matched). Rows are keyed "alpine:<release>"
 * and the origin package name, since secdb names source packages. */
#include <jansson.h>
#include <string.h>

#include "imagevet/version.h"
#include "vulndb/store.h"

static const char *str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A secfixes entry is "CVE-2019-1234" or, in older files, "CVE-2019-1 CVE-2019-2"
 * or "CVE-2019-1 (some note)": every token that looks like an ID counts. */
static int put_ids(struct ivet_vulndb *db, const char *text, const char *source, const char *eco,
                   const char *pkg, const char *fixed, struct ivet_vulndb_stats *st,
                   struct ivet_err *err)
{
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", text);
    char *save = NULL;
    for (char *tok = strtok_r(buf, " \t,;()", &save); tok; tok = strtok_r(NULL, " \t,;()", &save)) {
        if (!ivet_startswith(tok, "CVE-") && !ivet_startswith(tok, "ALPINE-") &&
            !ivet_startswith(tok, "GHSA-"))
            continue;
        bool never = strcmp(fixed, "0") == 0;
        char events[600];
        snprintf(events, sizeof(events), "introduced=0|fixed=%s", fixed);
        struct ivet_advisory a = { tok, source, NULL, NULL, 0, NULL, NULL, NULL, NULL };
        struct ivet_affected x = { tok, source, eco, pkg, "0", never ? NULL : fixed, NULL,
                                   "ECOSYSTEM", never ? NULL : events, NULL,
                                   never ? "not_affected" : "fixed", NULL };
        int rc = ivet_store_put_advisory(db, &a, err);
        if (rc == 0)
            rc = ivet_store_put_affected(db, &x, err);
        if (rc < 0)
            return rc;
        st->records++;
        st->affected++;
    }
    return 0;
}

/* The secdb layout ("packages": [{"pkg": {...}}]) or vuln-list's per-package
 * slice of it ("name" and "secfixes" at the top). */
bool ivet_secdb_looks_like(json_t *root)
{
    return json_object_get(root, "distroversion") &&
           (json_object_get(root, "packages") || json_object_get(root, "secfixes"));
}

static int put_package(struct ivet_vulndb *db, json_t *pkg, const char *source, const char *eco,
                       struct ivet_vulndb_stats *st, struct ivet_err *err)
{
    const char *name = str(pkg, "name");
    json_t *fixes = json_object_get(pkg, "secfixes");
    if (!name || !json_is_object(fixes))
        return 0;
    const char *fixed;
    json_t *ids;
    json_object_foreach(fixes, fixed, ids) {
        if (strlen(fixed) > 256)
            continue;
        size_t k;
        json_t *id;
        json_array_foreach(ids, k, id) {
            int rc;
            if (json_is_string(id) &&
                (rc = put_ids(db, json_string_value(id), source, eco, name, fixed, st, err)) < 0)
                return rc;
        }
    }
    return 0;
}

int ivet_secdb_put(struct ivet_vulndb *db, json_t *root, const char *what, const char *url,
                   struct ivet_vulndb_stats *st, struct ivet_err *err)
{
    int rc = 0;
    const char *rel = str(root, "distroversion"), *repo = str(root, "reponame");
    json_t *pkgs = json_object_get(root, "packages");
    bool slice = !pkgs && json_object_get(root, "secfixes");
    if (!rel || !repo || (!json_is_array(pkgs) && !slice) || strlen(rel) > 32 || strlen(repo) > 64) {
        rc = ivet_err_set(err, IVET_E_FORMAT,
                          "'%s': not an Alpine secdb file (distroversion, reponame, packages)", what);
        goto out;
    }
    char source[128], eco[64];
    snprintf(source, sizeof(source), "alpine-secdb:%s/%s", rel, repo);
    snprintf(eco, sizeof(eco), "alpine:%s", rel);
    uint64_t before = st->records;
    if (slice) {
        /* one package of the source: replace only that package's rows */
        const char *name = str(root, "name");
        if (!name || (rc = ivet_store_clear_package(db, source, eco, name, err)) < 0 ||
            (rc = put_package(db, root, source, eco, st, err)) < 0)
            goto out;
        rc = ivet_store_count_source(db, source, url, err);
        goto out;
    }
    if ((rc = ivet_store_clear_source(db, source, err)) < 0)
        goto out;
    size_t i;
    json_t *p;
    json_array_foreach(pkgs, i, p) {
        if ((rc = put_package(db, json_object_get(p, "pkg"), source, eco, st, err)) < 0)
            goto out;
    }
    rc = ivet_store_put_source(db, source, url, NULL, NULL, (int64_t)(st->records - before), err);
out:
    return rc;
}

int ivet_secdb_import_json(struct ivet_vulndb *db, const char *text, size_t len, const char *what,
                           const char *url, struct ivet_vulndb_stats *st, struct ivet_err *err)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, 0, &je);
    if (!root)
        return ivet_err_set(err, IVET_E_FORMAT, "'%s': line %d column %d: %s", what, je.line,
                            je.column, je.text);
    int rc = ivet_secdb_put(db, root, what, url, st, err);
    json_decref(root);
    return rc;
}
