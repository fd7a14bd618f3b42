/* packages_dpkg.c: dpkg's status database (var/lib/dpkg/status) and the
 * per-package files distroless images ship instead (var/lib/dpkg/status.d/):
 * RFC 822-style paragraphs; only packages whose Status says "installed". */
#include "analyze/packages.h"

#include <string.h>

struct deb_rec {
    char *name, *status, *version, *arch, *source;
    bool any;
};

static void rec_clear(struct deb_rec *r)
{
    ivet_free(r->name);
    ivet_free(r->status);
    ivet_free(r->version);
    ivet_free(r->arch);
    ivet_free(r->source);
    memset(r, 0, sizeof(*r));
}

/* "install ok installed": the third word is the package's state. */
static bool status_installed(const char *s)
{
    const char *last = strrchr(s, ' ');
    return last && !strcmp(last + 1, "installed");
}

static int rec_emit(struct deb_rec *r, bool status_d, const struct ivet_pkgctx *c,
                    struct ivet_err *err)
{
    if (r->status ? !status_installed(r->status) : !status_d)
        return 0;                       /* not installed (a purged stanza has no Version) */
    if (!r->name || !r->version || !*r->name || !*r->version) {
        ivet_pkg_malformed(c);          /* an installed package that cannot be listed */
        return 0;
    }
    /* "Source: name (version)" when the source version differs */
    char *src_name = NULL, *src_ver = NULL;
    int ret = 0;
    if (r->source) {
        char *paren = strchr(r->source, '(');
        size_t nl = paren ? (size_t)(paren - r->source) : strlen(r->source);
        src_name = ivet_text_trimdup(r->source, nl);
        if (paren) {
            char *close = strchr(paren, ')');
            src_ver = ivet_text_trimdup(paren + 1, close ? (size_t)(close - paren - 1)
                                                         : strlen(paren + 1));
        } else {
            src_ver = ivet_strdup(r->version);
        }
        if (!src_name || !src_ver)
            goto nomem;
    }
    const char *ns = c->distro_id ? c->distro_id : "debian";
    char *distro = ivet_purl_distro(c->distro_id, c->distro_version);
    struct ivet_purl_qual q[] = { { "arch", r->arch }, { "distro", distro } };
    char *purl = ivet_purl("deb", ns, r->name, r->version, q, IVET_ARRAY_LEN(q));
    ivet_free(distro);
    if (!purl)
        goto nomem;
    struct ivet_package p = {
        .type = "deb", .name = r->name, .version = r->version, .arch = r->arch,
        .source_name = src_name, .source_version = src_name ? src_ver : NULL, .purl = purl,
    };
    ret = ivet_pkg_emit(c, &p, err);
    ret = ret < 0 ? ret : 1;
    ivet_free(purl);
    goto out;
nomem:
    ret = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
out:
    ivet_free(src_name);
    ivet_free(src_ver);
    return ret;
}

static char **field(struct deb_rec *r, const char *line, size_t kl)
{
    static const struct { const char *k; size_t off; } f[] = {
        { "Package", offsetof(struct deb_rec, name) },
        { "Status", offsetof(struct deb_rec, status) },
        { "Version", offsetof(struct deb_rec, version) },
        { "Architecture", offsetof(struct deb_rec, arch) },
        { "Source", offsetof(struct deb_rec, source) },
    };
    for (size_t i = 0; i < IVET_ARRAY_LEN(f); i++)
        if (strlen(f[i].k) == kl && !strncasecmp(line, f[i].k, kl))
            return (char **)((char *)r + f[i].off);
    return NULL;
}

int ivet_dpkg_parse(struct ivet_bytes b, bool status_d, const struct ivet_pkgctx *c,
                    struct ivet_err *err)
{
    struct deb_rec r = { 0 };
    size_t pos = 0, n;
    const char *line;
    int count = 0, ret = 0;
    for (;;) {
        bool more = ivet_text_line(b, &pos, &line, &n);
        if (!more || n == 0) {
            if (r.any && (ret = rec_emit(&r, status_d, c, err)) < 0)
                goto fail;
            if (r.any)
                count += ret;
            rec_clear(&r);
            if (!more)
                break;
            continue;
        }
        if (line[0] == '#')
            continue;                   /* a comment: not a stanza by itself */
        r.any = true;
        if (line[0] == ' ' || line[0] == '\t')
            continue;                   /* continuation of a multi-line field */
        const char *colon = memchr(line, ':', n);
        if (!colon)
            continue;
        char **dst = field(&r, line, (size_t)(colon - line));
        if (!dst)
            continue;
        char *v = ivet_text_trimdup(colon + 1, n - (size_t)(colon - line) - 1);
        if (!v) {
            ret = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
            goto fail;
        }
        ivet_free(*dst);
        *dst = v;
    }
    return count;
fail:
    rec_clear(&r);
    return ret;
}
