/* packages_list.c: owned package lists and the layer that added each
 * package of a database (apk, dpkg, rpm) that several layers rewrite. */
#include "analyze/packages.h"

#include <string.h>

void ivet_pkglist_release(struct ivet_pkglist *l)
{
    for (size_t i = 0; i < l->n; i++)
        ivet_package_release(&l->v[i]);
    ivet_free(l->v);
    memset(l, 0, sizeof(*l));
}

static bool dup_field(char **dst, const char *s)
{
    *dst = s ? ivet_strdup(s) : NULL;
    return !s || *dst;
}

int ivet_pkglist_add(struct ivet_pkglist *l, const struct ivet_package *p, struct ivet_err *err)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 32;
        struct ivet_package *v = ivet_reallocarray(l->v, nc, sizeof(*v));
        if (!v)
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        l->v = v;
        l->cap = nc;
    }
    struct ivet_package q = { .layer = p->layer };
    if (!dup_field(&q.type, p->type) || !dup_field(&q.name, p->name) ||
        !dup_field(&q.version, p->version) || !dup_field(&q.source_name, p->source_name) ||
        !dup_field(&q.source_version, p->source_version) || !dup_field(&q.arch, p->arch) ||
        !dup_field(&q.purl, p->purl) || !dup_field(&q.path, p->path) ||
        !dup_field(&q.license, p->license)) {
        ivet_package_release(&q);
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    }
    l->v[l->n++] = q;
    return 0;
}

int ivet_pkglist_sink(void *arg, const struct ivet_package *p, struct ivet_err *err)
{
    return ivet_pkglist_add(arg, p, err);
}

static bool lists(const struct ivet_pkglist *l, const struct ivet_package *p)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i].name, p->name) && !strcmp(l->v[i].version, p->version) &&
            (!l->v[i].arch || !p->arch || !strcmp(l->v[i].arch, p->arch)))
            return true;
    return false;
}

void ivet_pkglist_attribute(struct ivet_pkglist *visible, int visible_layer,
                            const struct ivet_pkglist *older, const int *older_layers,
                            size_t nolder)
{
    for (size_t i = 0; i < visible->n; i++) {
        struct ivet_package *p = &visible->v[i];
        int layer = visible_layer;
        /* newest first, skipping versions at or above the visible one */
        for (size_t k = nolder; k-- > 0;) {
            if (older_layers[k] >= visible_layer)
                continue;
            if (!lists(&older[k], p))
                break;
            layer = older_layers[k];
        }
        p->layer = layer;
    }
}
