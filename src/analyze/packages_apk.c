/* packages_apk.c: Alpine's installed database (lib/apk/db/installed): one
 * record per package, "X:value" lines, records separated by a blank line. */
#include "analyze/packages.h"

#include <string.h>

struct apk_rec {
    char *name, *version, *arch, *origin, *license;
};

static void rec_clear(struct apk_rec *r)
{
    ivet_free(r->name);
    ivet_free(r->version);
    ivet_free(r->arch);
    ivet_free(r->origin);
    ivet_free(r->license);
    memset(r, 0, sizeof(*r));
}

static int rec_emit(struct apk_rec *r, const struct ivet_pkgctx *c, struct ivet_err *err)
{
    if (!r->name || !r->version || !*r->name || !*r->version) {
        if (r->name || r->version)
            ivet_pkg_malformed(c);
        return 0;
    }
    char *distro = ivet_purl_distro(c->distro_id ? c->distro_id : "alpine", c->distro_version);
    struct ivet_purl_qual q[] = { { "arch", r->arch }, { "distro", distro } };
    char *purl = distro ? ivet_purl("apk", c->distro_id ? c->distro_id : "alpine", r->name,
                                    r->version, q, IVET_ARRAY_LEN(q))
                        : NULL;
    int ret;
    if (!purl) {
        ret = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    } else {
        struct ivet_package p = {
            .type = "apk", .name = r->name, .version = r->version, .arch = r->arch,
            .source_name = r->origin, .source_version = r->origin ? r->version : NULL,
            .license = r->license, .purl = purl,
        };
        ret = ivet_pkg_emit(c, &p, err);
        ret = ret < 0 ? ret : 1;
    }
    ivet_free(purl);
    ivet_free(distro);
    return ret;
}

int ivet_apkdb_parse(struct ivet_bytes b, const struct ivet_pkgctx *c, struct ivet_err *err)
{
    struct apk_rec r = { 0 };
    size_t pos = 0, n;
    const char *line;
    int count = 0, ret;
    for (;;) {
        bool more = ivet_text_line(b, &pos, &line, &n);
        if (!more || n == 0) {
            if ((ret = rec_emit(&r, c, err)) < 0)
                goto fail;
            count += ret;
            rec_clear(&r);
            if (!more)
                break;
            continue;
        }
        if (n < 2 || line[1] != ':')
            continue;
        char **dst = NULL;
        switch (line[0]) {
        case 'P': dst = &r.name; break;
        case 'V': dst = &r.version; break;
        case 'A': dst = &r.arch; break;
        case 'o': dst = &r.origin; break;
        case 'L': dst = &r.license; break;
        default: break;
        }
        if (!dst)
            continue;
        char *v = ivet_text_trimdup(line + 2, n - 2);
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
