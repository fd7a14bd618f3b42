/* publisher.c: one trust level per image, from the reference alone: the
 * Docker Hub namespace's badge, the registry's operator, the user's policy
 * and the known-bad list. Whether the name imitates someone is names.c's. */
#include "analyze/names.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void set(struct ivet_publisher *pub, enum ivet_trust t, const char *fmt, ...)
    IVET_PRINTF(3, 4);
static void set(struct ivet_publisher *pub, enum ivet_trust t, const char *fmt, ...)
{
    va_list ap;
    pub->trust = t;
    va_start(ap, fmt);
    vsnprintf(pub->basis, sizeof(pub->basis), fmt, ap);
    va_end(ap);
}

/* Policy entries match the namespace, "docker.io/namespace", the registry
 * host (with its port) or "registry/first-component". */
static bool policy_trusts(const struct ivet_names_db *db, const struct ivet_ref *ref,
                          const char *first, bool hub, char *matched, size_t cap)
{
    char key[600];
    const char *cands[4];
    size_t n = 0;
    if (hub)
        cands[n++] = first;
    cands[n++] = ref->registry;
    for (size_t i = 0; i < n; i++)
        if (ivet_names_db_find(db, 'p', cands[i])) {
            snprintf(matched, cap, "%s", cands[i]);
            return true;
        }
    snprintf(key, sizeof(key), "%s/%s", ref->registry, first);
    if (ivet_names_db_find(db, 'p', key)) {
        snprintf(matched, cap, "%s", key);
        return true;
    }
    return false;
}

static void decide_hub(const struct ivet_names_db *db, const struct ivet_ref *ref, const char *ns,
                       const char *repo, struct ivet_publisher *pub)
{
    const struct ivet_name_entry *e;
    char matched[600];
    if (!strcmp(ns, "library")) {
        e = ivet_names_db_find(db, 'o', repo);
        if (e && e->kind == IVET_NAME_OFFICIAL)
            set(pub, IVET_TRUST_OFFICIAL, "'%s' is a Docker Official Image", repo);
        else if (e)
            set(pub, IVET_TRUST_OFFICIAL, "'%s' was a Docker Official Image (removed from the library %s)",
                repo, e->info ? e->info : "");
        else
            set(pub, IVET_TRUST_UNKNOWN, "'library/%s' is not a Docker Official Image", repo);
        return;
    }
    if (policy_trusts(db, ref, ns, true, matched, sizeof(matched))) {
        set(pub, IVET_TRUST_POLICY, "'%s' is trusted by policy", matched);
        return;
    }
    e = ivet_names_db_find(db, 'n', ns);
    if (e && e->kind == IVET_NAME_NS_VERIFIED) {
        set(pub, IVET_TRUST_VERIFIED, "namespace '%s' is a Docker Verified Publisher", ns);
        return;
    }
    if (e && e->kind == IVET_NAME_NS_SPONSORED) {
        set(pub, IVET_TRUST_SPONSORED, "namespace '%s' is Docker-Sponsored Open Source", ns);
        return;
    }
    e = ivet_names_db_find(db, 'i', ref->path);
    if (e) {
        set(pub, e->kind == IVET_NAME_IMAGE_VERIFIED ? IVET_TRUST_VERIFIED : IVET_TRUST_SPONSORED,
            "repository '%s' has a Docker Hub trust badge", ref->path);
        return;
    }
    set(pub, IVET_TRUST_UNKNOWN,
        "namespace '%s' has no Docker Hub trust badge in imagevet's data and no policy trusts it", ns);
}

void ivet_publisher_decide(const struct ivet_names_db *db, const struct ivet_ref *ref,
                           struct ivet_publisher *pub)
{
    char first[256];
    const char *slash = strchr(ref->path, '/');
    size_t flen = slash ? (size_t)(slash - ref->path) : strlen(ref->path);
    snprintf(first, sizeof(first), "%.*s", (int)IVET_MIN(flen, sizeof(first) - 1), ref->path);
    bool hub = !strcmp(ref->registry, "docker.io");
    memset(pub, 0, sizeof(*pub));
    if (hub)
        snprintf(pub->namespace_, sizeof(pub->namespace_), "%s", first);
    else if (slash)
        snprintf(pub->namespace_, sizeof(pub->namespace_), "%s/%s", ref->registry, first);
    else
        snprintf(pub->namespace_, sizeof(pub->namespace_), "%s", ref->registry);

    if (hub) {
        const struct ivet_name_entry *bad = ivet_names_db_find(db, 'b', ref->path);
        if (!bad)
            bad = ivet_names_db_find(db, 'b', first);
        if (bad) {
            set(pub, IVET_TRUST_KNOWN_BAD, "'%s' was reported as distributing malicious images (%s)",
                bad->name, bad->info ? bad->info : "see data/names/known-bad.tsv");
            return;
        }
        decide_hub(db, ref, first, slash ? slash + 1 : ref->path, pub);
        return;
    }
    char matched[600], host[256];
    if (policy_trusts(db, ref, first, false, matched, sizeof(matched))) {
        set(pub, IVET_TRUST_POLICY, "'%s' is trusted by policy", matched);
        return;
    }
    snprintf(host, sizeof(host), "%s", ref->registry);
    if (host[0] != '[')
        host[strcspn(host, ":")] = 0;
    const struct ivet_name_entry *r = ivet_names_db_find(db, 'r', host);
    if (r && r->kind == IVET_NAME_REGISTRY_VENDOR) {
        set(pub, IVET_TRUST_VERIFIED, "registry '%s' serves only %s's own images", host,
            r->info ? r->info : "its operator");
        return;
    }
    set(pub, IVET_TRUST_UNKNOWN, "no policy trusts '%s' and its registry is not a single publisher's",
        pub->namespace_);
}

json_t *ivet_publisher_json(const struct ivet_publisher *pub)
{
    return json_pack("{s:s, s:s, s:s}", "trust", ivet_trust_name(pub->trust), "namespace",
                     pub->namespace_, "basis", pub->basis);
}
