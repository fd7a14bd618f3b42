/* provenance.c: can the image be traced to how and from what it was built?
 * The checklist's "prefer automated builds": the source labels of the config
 * (OCI and the older label-schema), the build history against the layers,
 * and the build attestations an index attaches to the manifest (BuildKit's
 * SLSA provenance, read by scan/attest.c): who built it, from which source
 * and revision, whether the statement is about this very manifest, and
 * whether it recorded a credential among the build arguments. Nothing here
 * verifies a signature: an attestation says what its writer claims. */
#include "analyze/analyzer.h"
#include "report/report.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const struct ivet_check checks[] = {
    { "PROV-NO-SOURCE", "provenance", IVET_SEV_LOW, "Nothing names the image's source",
      "Prefer images whose source you can read and rebuild. Publishers record it with the "
      "org.opencontainers.image.source and .revision labels, or with BuildKit provenance (--provenance)." },
    { "PROV-HISTORY-ABSENT", "provenance", IVET_SEV_LOW, "No build history",
      "docker build, BuildKit and buildah record a history entry per step; an image without any was assembled "
      "by other means or had its history removed. Ask the publisher how it was built, or build it yourself." },
    { "PROV-HISTORY-MISMATCH", "provenance", IVET_SEV_MEDIUM, "Build history does not account for the layers",
      "Each layer should have its history entry. A difference means layers were added or removed after the "
      "build, or the history was rewritten: build the image from its source yourself." },
    { "PROV-ATTESTED", "provenance", IVET_SEV_INFO, "Build provenance attached",
      "Check that the builder and the source are the ones you expect. The attestation is only as trustworthy "
      "as its signature, which this check does not verify." },
    { "PROV-ATTESTATION-INVALID", "provenance", IVET_SEV_MEDIUM, "Attestation that cannot be read",
      "An attestation that is not a readable in-toto statement proves nothing; ask the publisher to rebuild "
      "with a current builder." },
    { "PROV-ATTESTATION-SUBJECT", "provenance", IVET_SEV_HIGH, "Attestation describes a different image",
      "The statement attached to this image names another manifest: provenance copied from a different build "
      "vouches for nothing here. Do not rely on it; build the image yourself." },
    { "PROV-SOURCE-MISMATCH", "provenance", IVET_SEV_MEDIUM, "Labels and provenance disagree on the source",
      "The labels name another repository or revision than the build provenance does (labels can be inherited "
      "from a base image or set by hand). Trust neither until the publisher explains it." },
    { "PROV-BUILD-ARG-SECRET", "secrets", IVET_SEV_HIGH, "Credential recorded in the build provenance",
      "Build arguments are recorded in max-mode provenance; pass credentials as build secrets "
      "(RUN --mount=type=secret) and rotate the exposed value." },
};

/* The SLSA versions understood, and where each field BuildKit writes sits in
 * their predicate (NULL-terminated key paths): ivet_prov_read reads these,
 * ivet_prov_slim keeps exactly these. */
static const char *const slsa_versions[] = { "https://slsa.dev/provenance/v0.2", "https://slsa.dev/provenance/v1" };
enum { F_BUILDER, F_BUILD_TYPE, F_SOURCE, F_REVISION, F_ARGS, F_VCS_SOURCE, F_VCS_REVISION, F_COUNT };
static const char *const field_paths[][F_COUNT][7] = {
    {   /* v0.2 */
        { "builder", "id", NULL },
        { "buildType", NULL },
        { "invocation", "configSource", "uri", NULL },
        { "invocation", "configSource", "digest", NULL },
        { "invocation", "parameters", "args", NULL },
        { "metadata", "https://mobyproject.org/buildkit@v1#metadata", "vcs", "source", NULL },
        { "metadata", "https://mobyproject.org/buildkit@v1#metadata", "vcs", "revision", NULL },
    },
    {   /* v1 */
        { "runDetails", "builder", "id", NULL },
        { "buildDefinition", "buildType", NULL },
        { "buildDefinition", "externalParameters", "configSource", "uri", NULL },
        { "buildDefinition", "externalParameters", "configSource", "digest", NULL },
        { "buildDefinition", "externalParameters", "request", "args", NULL },
        { "runDetails", "metadata", "buildkit_metadata", "vcs", "source", NULL },
        { "runDetails", "metadata", "buildkit_metadata", "vcs", "revision", NULL },
    },
};

static json_t *at(json_t *o, const char *const *keys)
{
    for (; *keys && o; keys++)
        o = json_object_get(o, *keys);
    return o;
}

/* The commit of a configSource digest: sha1, else any string member. */
static const char *digest_value(json_t *d)
{
    const char *s = json_string_value(json_object_get(d, "sha1"));
    if (s)
        return s;
    const char *k;
    json_t *v;
    json_object_foreach(d, k, v) {
        if (json_is_string(v))
            return json_string_value(v);
    }
    return NULL;
}

bool ivet_prov_read(json_t *st, const char *ptype, struct ivet_prov *p)
{
    json_t *pr = json_object_get(st, "predicate");
    memset(p, 0, sizeof(*p));
    size_t v = 0;
    while (v < IVET_ARRAY_LEN(slsa_versions) && (!ptype || strcmp(ptype, slsa_versions[v]) != 0))
        v++;
    if (v == IVET_ARRAY_LEN(slsa_versions) || !json_is_object(pr))
        return false;
    const char *const(*f)[7] = field_paths[v];
    p->builder = json_string_value(at(pr, f[F_BUILDER]));
    p->build_type = json_string_value(at(pr, f[F_BUILD_TYPE]));
    p->source = json_string_value(at(pr, f[F_SOURCE]));
    p->revision = digest_value(at(pr, f[F_REVISION]));
    p->args = at(pr, f[F_ARGS]);
    p->vcs_source = json_string_value(at(pr, f[F_VCS_SOURCE]));
    p->vcs_revision = json_string_value(at(pr, f[F_VCS_REVISION]));
    if (!json_is_object(p->args))
        p->args = NULL;
    return true;
}

/* ---- what a statement is reduced to while the scan runs (ivet_prov_slim) */

#define SLIM_MEMBERS 256                /* members of a copied object (build arguments) */
#define SLIM_SUBJECTS 64

/* A string as is; an object as its string members (at most SLIM_MEMBERS);
 * anything else is not read, so NULL with *skip set. */
static json_t *small_copy(json_t *v, bool *skip)
{
    *skip = false;
    if (json_is_string(v))
        return json_stringn(json_string_value(v), json_string_length(v));
    if (!json_is_object(v)) {
        *skip = true;
        return NULL;
    }
    json_t *o = json_object();
    const char *k;
    json_t *m;
    size_t n = 0;
    json_object_foreach(v, k, m) {
        if (!o || n >= SLIM_MEMBERS)
            break;
        if (!json_is_string(m))
            continue;
        if (json_object_set_new(o, k, json_stringn(json_string_value(m), json_string_length(m))) < 0) {
            json_decref(o);
            return NULL;
        }
        n++;
    }
    return o;
}

/* Copies what is at `keys` under src to the same place under dst. */
static int copy_at(json_t *dst, json_t *src, const char *const *keys)
{
    size_t n = 0;
    json_t *v = src;
    while (keys[n] && v)
        v = json_object_get(v, keys[n++]);
    bool skip;
    if (!v)
        return 0;
    json_t *c = small_copy(v, &skip);
    if (skip)
        return 0;
    if (!c)
        return -1;
    for (size_t i = 0; i + 1 < n; i++) {
        json_t *d = json_object_get(dst, keys[i]);
        if (!d && (!(d = json_object()) || json_object_set_new(dst, keys[i], d) < 0)) {
            json_decref(c);
            return -1;
        }
        dst = d;
    }
    return json_object_set_new(dst, keys[n - 1], c);
}

json_t *ivet_prov_slim(json_t *st)
{
    json_t *o = json_object(), *pred = json_object(), *subj = json_object_get(st, "subject");
    if (!o || !pred || json_object_set_new(o, "predicate", pred) < 0) {
        json_decref(o);
        return NULL;
    }
    static const char *const top[] = { "_type", "predicateType" };
    for (size_t i = 0; i < IVET_ARRAY_LEN(top); i++) {
        json_t *v = json_object_get(st, top[i]);
        if (json_is_string(v) && json_object_set_new(o, top[i], json_copy(v)) < 0)
            goto fail;
    }
    if (json_is_array(subj)) {
        json_t *a = json_array();
        if (!a || json_object_set_new(o, "subject", a) < 0)
            goto fail;
        for (size_t i = 0; i < json_array_size(subj) && i < SLIM_SUBJECTS; i++) {
            json_t *e = json_object();
            static const char *const dk[] = { "digest", NULL };
            if (!e || json_array_append_new(a, e) < 0 || copy_at(e, json_array_get(subj, i), dk) < 0)
                goto fail;
        }
    }
    json_t *sp = json_object_get(st, "predicate");
    for (size_t v = 0; v < IVET_ARRAY_LEN(field_paths); v++)
        for (size_t f = 0; f < F_COUNT; f++)
            if (copy_at(pred, sp, field_paths[v][f]) < 0)
                goto fail;
    return o;
fail:
    json_decref(o);
    return NULL;
}

/* Appends n bytes of p, lowercased, to out (size cap, used *o); false when cut. */
static bool put(char *out, size_t cap, size_t *o, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (*o + 1 >= cap)
            return false;
        out[(*o)++] = (char)tolower((unsigned char)p[i]);
    }
    return true;
}

bool ivet_prov_norm_source(const char *in, char *out, size_t cap)
{
    const char *s = in;
    size_t k = 0, o = 0;
    bool fits = true;
    if (!cap)
        return false;
    /* a scheme only at the start: [A-Za-z][A-Za-z0-9+.-]*:// */
    if (isalpha((unsigned char)s[0])) {
        k = 1;
        while (isalnum((unsigned char)s[k]) || s[k] == '+' || s[k] == '.' || s[k] == '-')
            k++;
    }
    bool scheme = k && !strncmp(s + k, "://", 3);
    if (scheme)
        s += k + 3;
    size_t end = strcspn(s, "#?");              /* the fragment and query are not the repository */
    size_t host = strcspn(s, "/?#");
    const char *colon = NULL;
    if (!scheme && (colon = memchr(s, ':', host)) != NULL)
        host = (size_t)(colon - s);             /* user@host:path, as git remotes are often written */
    const char *at = memchr(s, '@', host);
    if (at) {                                   /* user info is not the repository */
        host -= (size_t)(at + 1 - s);
        end -= (size_t)(at + 1 - s);
        s = at + 1;
    }
    size_t hlen = host;
    const char *port = scheme ? memchr(s, ':', host) : NULL;
    if (port) {
        static const char *const defaults[] = { ":22", ":80", ":443", ":9418" };
        for (size_t i = 0; i < IVET_ARRAY_LEN(defaults); i++)
            if ((size_t)(s + host - port) == strlen(defaults[i]) && !strncmp(port, defaults[i], strlen(defaults[i])))
                hlen = (size_t)(port - s);
    }
    fits &= put(out, cap, &o, s, hlen);
    if (colon && end > host) {                  /* host:path -> host/path */
        fits &= put(out, cap, &o, "/", 1);
        fits &= put(out, cap, &o, s + host + 1, end - host - 1);
    } else if (end > host) {
        fits &= put(out, cap, &o, s + host, end - host);
    }
    out[o] = 0;
    while (o && out[o - 1] == '/')
        out[--o] = 0;
    if (o > 4 && !strcmp(out + o - 4, ".git"))
        out[o -= 4] = 0;
    while (o && out[o - 1] == '/')
        out[--o] = 0;
    return fits;
}

/* The same revision: equal (case aside), or one commit id a prefix of the
 * other (a short hash) of at least 7 hex digits. */
bool ivet_prov_same_revision(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), n = la < lb ? la : lb;
    if (!strcasecmp(a, b))
        return true;
    if (n < 7)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)a[i]) || tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
            return false;
    /* the longer one goes on in hex too: "0123456-dirty" is not "0123456789" */
    const char *rest = la > lb ? a + n : b + n;
    while (*rest && isxdigit((unsigned char)*rest))
        rest++;
    return *rest == 0;
}

static const char *label(const struct ivet_image *img, const char *key)
{
    return json_string_value(json_object_get(json_object_get(json_object_get(img->config, "config"), "Labels"),
                                             key));
}

static int set_str(json_t *o, const char *k, const char *v, struct ivet_err *err)
{
    if (!v)
        return 0;
    char *c = ivet_sanitize(v, strlen(v), 512);
    int r = c ? json_object_set_new(o, k, json_string(c)) : -1;
    ivet_free(c);
    return r < 0 ? ivet_err_set(err, IVET_E_NOMEM, "out of memory") : 0;
}

static int check_history(struct ivet_ictx *ix, struct ivet_err *err)
{
    const struct ivet_image *img = ix->image;
    json_t *hist = json_object_get(img->config, "history");
    if (img->nlayers == 0)
        return 0;
    if (!json_array_size(hist))
        return ivet_ictx_finding(ix, "PROV-HISTORY-ABSENT", NULL, -1, NULL, err);
    size_t made = 0, i;
    json_t *h;
    json_array_foreach(hist, i, h) {
        if (!json_is_true(json_object_get(h, "empty_layer")))
            made++;
    }
    if (made == img->nlayers)
        return 0;
    char ev[160];
    snprintf(ev, sizeof(ev), "the history has %zu entr%s that made a layer; the image has %zu layer%s", made,
             made == 1 ? "y" : "ies", img->nlayers, img->nlayers == 1 ? "" : "s");
    return ivet_ictx_finding(ix, "PROV-HISTORY-MISMATCH", NULL, -1, ev, err);
}

/* Does any subject of the statement carry the manifest's sha256? */
static bool subject_matches(json_t *st, const struct ivet_digest *man, const char **other)
{
    json_t *subj = json_object_get(st, "subject"), *e;
    size_t i;
    const char *hex = strchr(man->text, ':') + 1;
    *other = NULL;
    json_array_foreach(subj, i, e) {
        const char *d = json_string_value(json_object_get(json_object_get(e, "digest"), "sha256"));
        if (d && !strcasecmp(d, hex))
            return true;
        if (d && !*other)
            *other = d;
    }
    return false;
}

#define MAX_ARG_FINDINGS 8              /* per statement */

static int check_args(struct ivet_ictx *ix, const struct ivet_prov *p, struct ivet_err *err)
{
    unsigned found = 0;
    const char *k;
    json_t *v;
    json_object_foreach(p->args, k, v) {
        const char *val = json_string_value(v);
        if (!ivet_startswith(k, "build-arg:") || !val)
            continue;
        const char *name = k + strlen("build-arg:");
        if (!ivet_config_secret_name(name, strlen(name)) || ivet_config_secret_placeholder(val, strlen(val)))
            continue;
        char *red = ivet_redact(val, strlen(val), 4), ev[200];
        if (!red)
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        snprintf(ev, sizeof(ev), "build-arg %.80s=%s", name, red);
        ivet_free(red);
        int r = ivet_ictx_finding(ix, "PROV-BUILD-ARG-SECRET", NULL, -1, ev, err);
        if (r < 0)
            return r;
        if (++found == MAX_ARG_FINDINGS)
            break;
    }
    return 0;
}

/* Labels against one statement's source and revision. */
static int cross_check(struct ivet_ictx *ix, const char *lsrc, const char *lrev, const struct ivet_prov *p,
                       struct ivet_err *err)
{
    const char *psrc = p->source ? p->source : p->vcs_source;
    const char *prev = p->source ? p->revision : p->vcs_revision;
    char a[512], b[512], ev[700];
    if (lsrc && psrc) {
        bool wa = ivet_prov_norm_source(lsrc, a, sizeof(a)), wb = ivet_prov_norm_source(psrc, b, sizeof(b));
        bool whole = wa && wb;
        /* too long to reduce: compared as written */
        if (whole ? *a && *b && strcmp(a, b) != 0 : strcasecmp(lsrc, psrc) != 0) {
            snprintf(ev, sizeof(ev), "label source '%.200s', provenance source '%.200s'", lsrc, psrc);
            return ivet_ictx_finding(ix, "PROV-SOURCE-MISMATCH", NULL, -1, ev, err);
        }
    }
    if (lrev && prev && *lrev && *prev && !ivet_prov_same_revision(lrev, prev)) {
        snprintf(ev, sizeof(ev), "label revision '%.80s', provenance revision '%.80s'", lrev, prev);
        return ivet_ictx_finding(ix, "PROV-SOURCE-MISMATCH", NULL, -1, ev, err);
    }
    return 0;
}

static int check_statement(struct ivet_ictx *ix, json_t *att, json_t *out, bool *sourced, struct ivet_err *err)
{
    const struct ivet_image *img = ix->image;
    const char *digest = json_string_value(json_object_get(att, "digest"));
    const char *ptype = json_string_value(json_object_get(att, "predicate_type"));
    const char *error = json_string_value(json_object_get(att, "error"));
    json_t *st = json_object_get(att, "statement");
    char ev[700];
    int r;
    if (error) {
        snprintf(ev, sizeof(ev), "%.19s: %.500s", digest ? digest : "?", error);
        return ivet_ictx_finding(ix, "PROV-ATTESTATION-INVALID", NULL, -1, ev, err);
    }
    if (!st) {                  /* listed, not read: an SBOM or other predicate */
        json_t *o = json_object();
        if (!o || json_array_append_new(out, o) < 0)
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        if ((r = set_str(o, "predicate_type", ptype, err)) < 0 || (r = set_str(o, "digest", digest, err)) < 0)
            return r;
        return json_object_set_new(o, "read", json_false()) < 0 ? ivet_err_set(err, IVET_E_NOMEM, "out of memory")
                                                                : 0;
    }
    const char *type = json_string_value(json_object_get(st, "_type"));
    const char *spt = json_string_value(json_object_get(st, "predicateType"));
    if (!type || !ivet_startswith(type, "https://in-toto.io/Statement/") || !spt ||
        !json_is_array(json_object_get(st, "subject"))) {
        snprintf(ev, sizeof(ev), "%.19s: not an in-toto statement (_type, predicateType or subject missing)",
                 digest ? digest : "?");
        return ivet_ictx_finding(ix, "PROV-ATTESTATION-INVALID", NULL, -1, ev, err);
    }
    if (ptype && strcmp(ptype, spt) != 0) {
        snprintf(ev, sizeof(ev), "%.19s: annotated as '%.150s' but its predicateType is '%.150s'",
                 digest ? digest : "?", ptype, spt);
        return ivet_ictx_finding(ix, "PROV-ATTESTATION-INVALID", NULL, -1, ev, err);
    }
    const char *other;
    if (!subject_matches(st, &img->manifest_digest, &other)) {
        snprintf(ev, sizeof(ev), "statement %.19s names sha256:%.64s, not this image's manifest",
                 digest ? digest : "?", other ? other : "(no sha256 subject)");
        return ivet_ictx_finding(ix, "PROV-ATTESTATION-SUBJECT", NULL, -1, ev, err);
    }
    struct ivet_prov p;
    if (!ivet_prov_read(st, spt, &p))
        return 0;
    json_t *o = json_object();
    if (!o || json_array_append_new(out, o) < 0)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    if ((r = set_str(o, "predicate_type", spt, err)) < 0 || (r = set_str(o, "builder", p.builder, err)) < 0 ||
        (r = set_str(o, "build_type", p.build_type, err)) < 0 || (r = set_str(o, "source", p.source, err)) < 0 ||
        (r = set_str(o, "revision", p.revision, err)) < 0 ||
        (r = set_str(o, "vcs_source", p.vcs_source, err)) < 0 ||
        (r = set_str(o, "vcs_revision", p.vcs_revision, err)) < 0)
        return r;
    if (p.source || p.vcs_source)
        *sourced = true;
    const char *src = p.source ? p.source : p.vcs_source, *rev = p.source ? p.revision : p.vcs_revision;
    /* the source and revision first: evidence is cut at 200 characters */
    snprintf(ev, sizeof(ev), "source %.200s%s%.64s; builder %.150s; SLSA %s", src ? src : "(not recorded)",
             rev ? " at " : "", rev ? rev : "", p.builder && *p.builder ? p.builder : "(unnamed)",
             spt + strlen("https://slsa.dev/"));
    if ((r = ivet_ictx_finding(ix, "PROV-ATTESTED", NULL, -1, ev, err)) < 0 ||
        (r = check_args(ix, &p, err)) < 0)
        return r;
    const char *lsrc = label(img, "org.opencontainers.image.source");
    const char *lrev = label(img, "org.opencontainers.image.revision");
    return cross_check(ix, lsrc ? lsrc : label(img, "org.label-schema.vcs-url"),
                       lrev ? lrev : label(img, "org.label-schema.vcs-ref"), &p, err);
}

static int prov_on_image(struct ivet_ictx *ix, struct ivet_err *err)
{
    const struct ivet_image *img = ix->image;
    const char *lsrc = label(img, "org.opencontainers.image.source");
    const char *lrev = label(img, "org.opencontainers.image.revision");
    if (!lsrc)
        lsrc = label(img, "org.label-schema.vcs-url");
    if (!lrev)
        lrev = label(img, "org.label-schema.vcs-ref");
    bool sourced = lsrc && *lsrc;
    json_t *prov = json_object(), *atts = json_array();
    int r = 0;
    if (!prov || !atts) {
        json_decref(prov);
        json_decref(atts);
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    }
    if ((r = check_history(ix, err)) < 0)
        goto out;
    size_t i;
    json_t *att;
    json_array_foreach(img->attestations, i, att) {
        if ((r = check_statement(ix, att, atts, &sourced, err)) < 0)
            goto out;
    }
    if (!sourced && (r = ivet_ictx_finding(ix, "PROV-NO-SOURCE", NULL, -1,
                                           "no source label, and no build provenance that names one", err)) < 0)
        goto out;
    if ((r = set_str(prov, "source", lsrc, err)) < 0 || (r = set_str(prov, "revision", lrev, err)) < 0)
        goto out;
    if (json_array_size(atts) && json_object_set(prov, "attestations", atts) < 0) {
        r = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        goto out;
    }
    if (json_object_size(prov) && json_object_set(ix->report->image_extra, "provenance", prov) < 0)
        r = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
out:
    json_decref(prov);
    json_decref(atts);
    return r;
}

const struct ivet_analyzer ivet_analyzer_provenance = {
    .name = "provenance",
    .checks = checks,
    .nchecks = IVET_ARRAY_LEN(checks),
    .on_image = prov_on_image,
};
