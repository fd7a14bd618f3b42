/* names.c: impersonation checks on an image reference. Each kind of
 * imitation is its own check, and each finding names the look-alike it
 * imitates: folded look-alike characters (NAME-HOMOGLYPH), small edit
 * distance (NAME-TYPO), an official image's name under an unknown
 * namespace (NAME-OFFICIAL-FOREIGN-NS), a trusted name dressed up as
 * official (NAME-BORROWED-TRUST) and registry hosts imitating known ones
 * (NAME-REGISTRY-LOOKALIKE). Names that are themselves known never match:
 * false positives cost more than a missed look-alike. */
#include "analyze/names.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define NAME_BUF 256

struct nctx {
    const struct ivet_names_db *db;
    struct ivet_findings *out;
    char *imitated;
    size_t cap;
    struct ivet_err *err;
};

static int emit(struct nctx *c, const char *id, const char *target, const char *fmt, ...)
    IVET_PRINTF(4, 5);
static int emit(struct nctx *c, const char *id, const char *target, const char *fmt, ...)
{
    char ev[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ev, sizeof(ev), fmt, ap);
    va_end(ap);
    if (target && c->imitated && !c->imitated[0])
        snprintf(c->imitated, c->cap, "%s", target);
    if (!ivet_findings_add_check(c->out, id, NULL, 0, -1, ev, c->err))
        return -1;
    return 0;
}

/* How many edits a name of this length may be from a target and still be
 * called a typo of it: none below 5 characters (too many real words are one
 * edit apart), one up to 8, two from 9. */
static unsigned typo_budget(size_t len)
{
    return len >= 9 ? 2 : len >= 5 ? 1 : 0;
}

static bool all_in(const char *s, size_t n, const char *set)
{
    for (size_t i = 0; i < n; i++)
        if (!strchr(set, s[i]))
            return false;
    return true;
}

/* "python3", "3-python", "alpine_2": a known name plus a version is common
 * and legitimate, so it is not called a typo. */
static bool version_affix(const char *cand, size_t nc, const char *t, size_t nt)
{
    if (nc <= nt)
        return false;
    if (!memcmp(cand, t, nt) && all_in(cand + nt, nc - nt, "0123456789.-_"))
        return true;
    return !memcmp(cand + nc - nt, t, nt) && all_in(cand, nc - nt, "0123456789.-_");
}

static bool known_anywhere(const struct ivet_names_db *db, const char *name)
{
    return ivet_names_db_find(db, 'o', name) || ivet_names_db_find(db, 'n', name) ||
           ivet_names_db_find(db, 'p', name) || ivet_names_db_find(db, 'b', name);
}

/* The single substitution in two same-length strings, if the keys touch. */
static bool keyboard_slip(const char *a, const char *b, size_t n)
{
    size_t diff = 0, at = 0;
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) {
            diff++;
            at = i;
        }
    return diff == 1 && ivet_keys_adjacent(a[at], b[at]);
}

/* A different first letter makes a different word ("rocker", "docker")
 * far more often than a slip of the finger does: people rarely mistype
 * the first letter. Not counted for names shorter than 9. */
static bool first_letter_only(const char *a, const char *b, size_t na, size_t nb)
{
    return na == nb && na < 9 && a[0] != b[0] && !strcmp(a + 1, b + 1);
}

enum target_set { T_NAMESPACES, T_OFFICIAL };

static const char *kind_label(const struct ivet_name_entry *e)
{
    switch (e->kind) {
    case IVET_NAME_OFFICIAL:
    case IVET_NAME_OFFICIAL_REMOVED:
        return "Docker Official Image";
    case IVET_NAME_NS_VERIFIED:
        return "Docker Verified Publisher";
    case IVET_NAME_NS_SPONSORED:
        return "Docker-Sponsored Open Source publisher";
    default:
        return "well-known organisation";
    }
}

/* Compares one name (a namespace or a repository) with a family of known
 * names: look-alike characters first, then edit distance. `what` is
 * "namespace" or "repository" for the evidence. typos=false keeps only the
 * homoglyph comparison (used off Docker Hub, where namespaces are another
 * registry's). Returns 1 when something matched, 0 when not, <0 on error. */
static int similar(struct nctx *c, const char *cand, const char *what, enum target_set ts, bool typos)
{
    size_t nc = strlen(cand), n;
    char skel[NAME_BUF];
    if (nc >= NAME_BUF || known_anywhere(c->db, cand))
        return 0;
    ivet_confusable_skeleton(cand, nc, skel, sizeof(skel));
    const struct ivet_name_entry *all = ivet_names_db_all(c->db, ts == T_OFFICIAL ? 'o' : 'n', &n);
    for (size_t i = 0; i < n; i++) {
        const struct ivet_name_entry *e = &all[i];
        if (strcmp(e->skel, skel) != 0 || strlen(e->name) < 3)
            continue;
        if (emit(c, "NAME-HOMOGLYPH", e->name, "%s '%s' imitates '%s' (%s) with look-alike characters",
                 what, cand, e->name, kind_label(e)) < 0)
            return -1;
        return 1;
    }
    if (!typos)
        return 0;
    for (size_t i = 0; i < n; i++) {
        const struct ivet_name_entry *e = &all[i];
        size_t nt = strlen(e->name);
        unsigned budget = IVET_MIN(nc, nt) >= 4 ? typo_budget(IVET_MAX(nc, nt)) : 0;
        if (!budget || version_affix(cand, nc, e->name, nt))
            continue;
        unsigned d = ivet_dl_distance(cand, nc, e->name, nt, budget);
        if (d == 0 || d > budget || first_letter_only(cand, e->name, nc, nt))
            continue;
        bool slip = nc == nt && keyboard_slip(cand, e->name, nc);
        if (emit(c, "NAME-TYPO", e->name, "%s '%s' is %u edit%s from '%s' (%s)%s", what, cand, d,
                 d == 1 ? "" : "s", e->name, kind_label(e), slip ? ", a neighbouring-key slip" : "") < 0)
            return -1;
        return 1;
    }
    return 0;
}

/* ---- names that claim to be official */

static const char *const claims[] = {
    "official", "offical", "oficial", "officail", "officiall", "verified", "verifed",
    "certified", "trusted", "authentic", "genuine",
};
static const char *const decorations[] = {
    "library", "lib", "team", "inc", "corp", "hq", "images", "image", "hub", "docker", "real",
    "secure", "signed", "org", "cloud", "admin", "support", "staff",
};

static bool in_list(const char *s, size_t n, const char *const *list, size_t nlist)
{
    for (size_t i = 0; i < nlist; i++)
        if (strlen(list[i]) == n && !memcmp(list[i], s, n))
            return true;
    return false;
}

/* A token that is a known publisher or official image name (4+ chars). */
static bool known_token(const struct ivet_names_db *db, const char *s, size_t n, char *name, size_t cap)
{
    char buf[NAME_BUF];
    if (n < 3 || n >= sizeof(buf))
        return false;
    memcpy(buf, s, n);
    buf[n] = 0;
    const struct ivet_name_entry *e = ivet_names_db_find(db, 'n', buf);
    if (!e && n >= 4)
        e = ivet_names_db_find(db, 'o', buf);
    if (!e && strcmp(buf, "docker") != 0)
        return false;
    snprintf(name, cap, "%s", buf);
    return true;
}

/* A claim glued to a known name: "nginxofficial", "officialnginx". */
static bool glued_claim(const struct ivet_names_db *db, const char *s, size_t n, char *name, size_t cap)
{
    for (size_t i = 0; i < IVET_ARRAY_LEN(claims); i++) {
        size_t cl = strlen(claims[i]);
        if (n <= cl + 2)
            continue;
        if (!memcmp(s, claims[i], cl) && known_token(db, s + cl, n - cl, name, cap))
            return true;
        if (!memcmp(s + n - cl, claims[i], cl) && known_token(db, s, n - cl, name, cap))
            return true;
    }
    return false;
}

/* Namespaces may not claim officialness at all, nor dress a known name up
 * ("docker-library", "nginx-team"); repositories under an unknown
 * namespace may not pair a known name with a claim ("nginx-official"). */
static int borrowed(struct nctx *c, const char *s, bool is_namespace)
{
    char known[NAME_BUF] = "", claim[32] = "";
    bool has_decor = false;
    size_t ntok = 0;
    for (const char *p = s; *p;) {
        size_t n = strcspn(p, "-_.");
        if (n) {
            ntok++;
            if (in_list(p, n, claims, IVET_ARRAY_LEN(claims)))
                snprintf(claim, sizeof(claim), "%.*s", (int)n, p);
            else if (in_list(p, n, decorations, IVET_ARRAY_LEN(decorations)) && strncmp(p, "docker", n))
                has_decor = true;
            else if (!known[0] && known_token(c->db, p, n, known, sizeof(known)))
                ;
            else if (!known[0] && glued_claim(c->db, p, n, known, sizeof(known)))
                snprintf(claim, sizeof(claim), "official");
            if (n == 6 && !memcmp(p, "docker", 6) && !known[0])
                snprintf(known, sizeof(known), "docker");
        }
        p += n;
        if (*p)
            p++;
    }
    const char *what = is_namespace ? "namespace" : "repository";
    if (claim[0] && (is_namespace || known[0]))
        return emit(c, "NAME-BORROWED-TRUST", known[0] ? known : claim,
                    "%s '%s' claims to be '%s'%s%s%s", what, s, claim,
                    known[0] ? " and borrows '" : "", known, known[0] ? "'" : "");
    if (is_namespace && known[0] && has_decor && ntok >= 2)
        return emit(c, "NAME-BORROWED-TRUST", known, "%s '%s' dresses up the trusted name '%s'", what, s,
                    known);
    return 0;
}

/* ---- registry hosts */

static bool is_ip_literal(const char *h)
{
    return h[0] == '[' || all_in(h, strlen(h), "0123456789.");
}

/* Real hosts of known registries and their own subdomains (us.gcr.io,
 * europe-docker.pkg.dev, x.dkr.ecr.us-east-1.amazonaws.com, x.azurecr.io). */
static bool host_is_known(const struct ivet_names_db *db, const char *h)
{
    size_t n, hl = strlen(h);
    const struct ivet_name_entry *all = ivet_names_db_all(db, 'r', &n);
    for (size_t i = 0; i < n; i++) {
        size_t kl = strlen(all[i].name);
        if (!strcmp(h, all[i].name))
            return true;
        if (hl > kl && !strcmp(h + hl - kl, all[i].name) && (h[hl - kl - 1] == '.' ||
                                                             (h[hl - kl - 1] == '-' && !strcmp(all[i].name, "docker.pkg.dev"))))
            return true;
    }
    return false;
}

static int registry_lookalike(struct nctx *c, const char *registry)
{
    char h[NAME_BUF], dots[NAME_BUF], kdots[NAME_BUF], skel[NAME_BUF];
    snprintf(h, sizeof(h), "%s", registry);
    if (h[0] != '[')
        h[strcspn(h, ":")] = 0;
    for (char *p = h; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    if (!strchr(h, '.') || !strcmp(h, "localhost") || is_ip_literal(h) || host_is_known(c->db, h))
        return 0;
    size_t hl = strlen(h), n;
    snprintf(dots, sizeof(dots), "%s", h);
    for (char *p = dots; *p; p++)
        if (*p == '-')
            *p = '.';
    ivet_confusable_skeleton(h, hl, skel, sizeof(skel));
    const struct ivet_name_entry *all = ivet_names_db_all(c->db, 'r', &n);
    for (size_t i = 0; i < n; i++) {
        const char *k = all[i].name;
        size_t kl = strlen(k);
        unsigned budget = kl >= 12 ? 2 : 1;
        const char *how = NULL;
        snprintf(kdots, sizeof(kdots), "%s", k);
        for (char *p = kdots; *p; p++)
            if (*p == '-')
                *p = '.';
        /* dots/kdots read '-' as '.', so this covers "k." and "k-" prefixes too */
        if (!strncmp(dots, kdots, kl) && (dots[kl] == '.' || dots[kl] == 0))
            how = "starts with the real host's name";
        else if (!strcmp(skel, all[i].skel))
            how = "uses look-alike characters";
        else if (kl >= 6 && ivet_dl_distance(h, hl, k, kl, budget) <= budget)
            how = "is a small edit away";
        if (how)
            return emit(c, "NAME-REGISTRY-LOOKALIKE", k, "registry host '%s' imitates '%s' (%s): it %s", h, k,
                        all[i].info ? all[i].info : "known registry", how);
    }
    return 0;
}

/* ---- the whole reference */

static int check_hub(struct nctx *c, const struct ivet_ref *ref, const struct ivet_publisher *pub)
{
    char ns[NAME_BUF];
    const char *slash = strchr(ref->path, '/');
    const char *last = strrchr(ref->path, '/') + 1;
    snprintf(ns, sizeof(ns), "%.*s", (int)(slash - ref->path), ref->path);
    int rc;
    if (!strcmp(ns, "library")) {
        if (pub->trust == IVET_TRUST_OFFICIAL)
            return 0;
        return similar(c, last, "repository", T_OFFICIAL, true) < 0 ? -1 : 0;
    }
    if (pub->trust != IVET_TRUST_UNKNOWN && pub->trust != IVET_TRUST_KNOWN_BAD)
        return 0;       /* a trusted publisher owns its names */
    if ((rc = similar(c, ns, "namespace", T_NAMESPACES, true)) < 0)
        return -1;
    if (!rc && (rc = similar(c, ns, "namespace", T_OFFICIAL, false)) < 0)
        return -1;
    if (!rc && borrowed(c, ns, true) < 0)
        return -1;
    const struct ivet_name_entry *o = ivet_names_db_find(c->db, 'o', last);
    /* "emqx/emqx", "phpmyadmin/phpmyadmin": the upstream project publishing
     * under its own name is not an impersonation */
    if (o && o->kind == IVET_NAME_OFFICIAL && strcmp(ns, last) != 0)
        return emit(c, "NAME-OFFICIAL-FOREIGN-NS", last,
                    "'%s' carries the name of the Docker Official Image '%s' under the unknown namespace '%s'",
                    ref->path, last, ns);
    /* `docker pull ngnix` can only reach library/ngnix, which nobody but
     * Docker can publish: under a foreign namespace only look-alike
     * characters and the exact official name are signals. */
    if (!o && (rc = similar(c, last, "repository", T_OFFICIAL, false)) < 0)
        return -1;
    if (!rc && borrowed(c, last, false) < 0)
        return -1;
    return 0;
}

int ivet_names_check(const struct ivet_names_db *db, const struct ivet_ref *ref,
                     struct ivet_findings *out, struct ivet_publisher *pub, char *imitated,
                     size_t cap, struct ivet_err *err)
{
    struct nctx c = { db, out, imitated, cap, err };
    if (imitated && cap)
        imitated[0] = 0;
    ivet_publisher_decide(db, ref, pub);
    if (pub->trust == IVET_TRUST_KNOWN_BAD) {
        if (emit(&c, "PUB-KNOWN-BAD", NULL, "%s", pub->basis) < 0)
            return -1;
    } else if (pub->trust == IVET_TRUST_UNKNOWN) {
        if (emit(&c, "PUB-UNKNOWN", NULL, "%s", pub->basis) < 0)
            return -1;
    }
    if (strcmp(ref->registry, "docker.io") != 0) {
        if (registry_lookalike(&c, ref->registry) < 0)
            return -1;
        const char *slash = strchr(ref->path, '/');
        if (slash && pub->trust == IVET_TRUST_UNKNOWN) {
            char first[NAME_BUF];
            snprintf(first, sizeof(first), "%.*s", (int)(slash - ref->path), ref->path);
            if (similar(&c, first, "namespace", T_NAMESPACES, false) < 0)
                return -1;
        }
        return 0;
    }
    return check_hub(&c, ref, pub);
}
