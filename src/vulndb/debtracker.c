/* debtracker.c: imports the Debian security tracker's JSON
 * (security-tracker.debian.org/tracker/data/json): source package -> CVE ->
 * release codename -> status, fixed_version, urgency. Rows are keyed
 * "debian:<major version>" and the source package name. A fixed_version
 * "0" means the release was never affected; "open" is affected without a
 * fix; TEMP- identifiers (not yet a CVE) are skipped. */
#include <jansson.h>
#include <string.h>

#include "imagevet/version.h"
#include "vulndb/store.h"

#define SOURCE "debian-tracker"

static const struct {
    const char *codename, *version;
} releases[] = {
    { "squeeze", "6" }, { "wheezy", "7" },    { "jessie", "8" }, { "stretch", "9" },
    { "buster", "10" }, { "bullseye", "11" }, { "bookworm", "12" }, { "trixie", "13" },
    { "forky", "14" },  { "duke", "15" },     { "sid", "sid" },
};

static const char *str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

const char *ivet_debian_release_version(const char *codename)
{
    for (size_t i = 0; i < IVET_ARRAY_LEN(releases); i++)
        if (!strcmp(codename, releases[i].codename))
            return releases[i].version;
    return NULL;
}

static const char *urgency_severity(const char *u)
{
    if (!u)
        return NULL;
    if (ivet_startswith(u, "unimportant"))
        return "info";
    if (ivet_startswith(u, "low"))
        return "low";
    if (ivet_startswith(u, "medium"))
        return "medium";
    if (ivet_startswith(u, "high"))
        return "high";
    return NULL;                    /* "not yet assigned", "end-of-life" */
}

static int put_cve(struct ivet_vulndb *db, const char *pkg, const char *cve, json_t *c,
                   struct ivet_vulndb_stats *st, struct ivet_err *err)
{
    const char *desc = str(c, "description");
    char *sum = desc ? ivet_sanitize(desc, strlen(desc), 300) : NULL;
    struct ivet_advisory a = { cve, SOURCE, NULL, NULL, 0, NULL, sum, NULL, NULL };
    int rc = ivet_store_put_advisory(db, &a, err);
    ivet_free(sum);
    if (rc < 0)
        return rc;
    st->records++;
    const char *codename;
    json_t *r;
    json_object_foreach(json_object_get(c, "releases"), codename, r) {
        const char *ver = ivet_debian_release_version(codename);
        const char *status = str(r, "status"), *fixed = str(r, "fixed_version");
        const char *urgency = str(r, "urgency");
        if (!ver || !status)
            continue;
        char eco[32], events[IVET_VERSION_MAX + 32];
        snprintf(eco, sizeof(eco), "debian:%s", ver);
        struct ivet_affected x = { cve, SOURCE, eco, pkg, "0", NULL, NULL, "ECOSYSTEM", NULL,
                                   NULL, NULL, urgency_severity(urgency) };
        if (!strcmp(status, "resolved") && fixed && strcmp(fixed, "0") != 0 &&
            strlen(fixed) <= IVET_VERSION_MAX) {
            x.fixed = fixed;
            snprintf(events, sizeof(events), "introduced=0|fixed=%s", fixed);
            x.events = events;
            x.status = "fixed";
        } else if (!strcmp(status, "resolved")) {
            x.status = "not_affected";
        } else if (!strcmp(status, "open")) {
            x.status = urgency && ivet_startswith(urgency, "end-of-life") ? "end_of_life"
                                                                          : "affected";
            x.events = "introduced=0";
        } else {
            x.status = "under_investigation";   /* "undetermined" */
            x.events = "introduced=0";
        }
        if ((rc = ivet_store_put_affected(db, &x, err)) < 0)
            return rc;
        st->affected++;
    }
    return 0;
}

/* package -> CVE -> {"releases": {...}}: checks the first entry. */
bool ivet_debtracker_looks_like(json_t *root)
{
    const char *k1, *k2;
    json_t *v1, *v2;
    json_object_foreach(root, k1, v1) {
        json_object_foreach(v1, k2, v2) {
            return json_is_object(json_object_get(v2, "releases"));
        }
        return false;
    }
    return json_is_object(root);            /* an empty tracker file */
}

int ivet_debtracker_put(struct ivet_vulndb *db, json_t *root, const char *what, const char *url,
                        struct ivet_vulndb_stats *st, struct ivet_err *err)
{
    int rc = 0;
    uint64_t before = st->records;
    if (!json_is_object(root)) {
        rc = ivet_err_set(err, IVET_E_FORMAT, "'%s': not the Debian security tracker's JSON", what);
        goto out;
    }
    if ((rc = ivet_store_clear_source(db, SOURCE, err)) < 0)
        goto out;
    const char *pkg;
    json_t *cves;
    json_object_foreach(root, pkg, cves) {
        const char *cve;
        json_t *c;
        json_object_foreach(cves, cve, c) {
            if (!ivet_startswith(cve, "CVE-") || !json_is_object(c) || strlen(cve) > 64)
                continue;
            if ((rc = put_cve(db, pkg, cve, c, st, err)) < 0)
                goto out;
        }
    }
    rc = ivet_store_put_source(db, SOURCE, url, NULL, NULL, (int64_t)(st->records - before), err);
out:
    return rc;
}

int ivet_debtracker_import_json(struct ivet_vulndb *db, const char *text, size_t len,
                                const char *what, const char *url, struct ivet_vulndb_stats *st,
                                struct ivet_err *err)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, 0, &je);
    if (!root)
        return ivet_err_set(err, IVET_E_FORMAT, "'%s': line %d column %d: %s", what, je.line,
                            je.column, je.text);
    int rc = ivet_debtracker_put(db, root, what, url, st, err);
    json_decref(root);
    return rc;
}
