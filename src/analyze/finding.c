/* finding.c: findings lists, the check catalog lookup, and redaction. */
#include "analyze/analyzer.h"

#include <pthread.h>
#include <string.h>
#include <strings.h>

static const char *const sev_names[] = { "info", "low", "medium", "high", "critical" };

const char *ivet_severity_name(enum ivet_severity s)
{
    return (unsigned)s < IVET_ARRAY_LEN(sev_names) ? sev_names[s] : "unknown";
}

int ivet_severity_parse(const char *s)
{
    for (size_t i = 0; i < IVET_ARRAY_LEN(sev_names); i++)
        if (s && strcasecmp(s, sev_names[i]) == 0)
            return (int)i;
    if (s && (strcasecmp(s, "moderate") == 0))
        return IVET_SEV_MEDIUM;
    if (s && (strcasecmp(s, "negligible") == 0 || strcasecmp(s, "unimportant") == 0))
        return IVET_SEV_INFO;
    return -1;
}

/* Run-time catalogs (rules from data files, YARA), registered by analyzers'
 * setup() and removed when their scan ends. Several scans may run in one
 * process: each entry belongs to the scan that registered it (the owner set
 * on the registering thread), a thread working for a scan (the owner set on
 * it: the scan's own thread and its layer jobs) finds only that scan's
 * entries, and a lock keeps a scan's removal from racing another scan's
 * lookups; ivet_findings_add_check copies an entry while holding it. */
struct dyn {
    const struct ivet_check *v;
    size_t n;
    const void *owner;
};
static struct dyn *dyn;
static size_t ndyn;
static pthread_rwlock_t dyn_lock = PTHREAD_RWLOCK_INITIALIZER;
static _Thread_local const void *cur_owner;

void ivet_check_set_owner(const void *owner)
{
    cur_owner = owner;
}

int ivet_check_register(const struct ivet_check *checks, size_t n, struct ivet_err *err)
{
    int rc = 0;
    pthread_rwlock_wrlock(&dyn_lock);
    struct dyn *d = ivet_reallocarray(dyn, ndyn + 1, sizeof(*d));
    if (!d) {
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory registering checks");
    } else {
        dyn = d;
        dyn[ndyn++] = (struct dyn){ checks, n, cur_owner };
    }
    pthread_rwlock_unlock(&dyn_lock);
    return rc;
}

void ivet_check_unregister(const void *owner)
{
    pthread_rwlock_wrlock(&dyn_lock);
    size_t k = 0;
    for (size_t i = 0; i < ndyn; i++)
        if (dyn[i].owner != owner)
            dyn[k++] = dyn[i];
    ndyn = k;
    if (!ndyn) {
        ivet_free(dyn);
        dyn = NULL;
    }
    pthread_rwlock_unlock(&dyn_lock);
}

/* With dyn_lock held (for reading) when a dynamic entry may be returned. */
static const struct ivet_check *find_locked(const char *id)
{
    for (const struct ivet_analyzer *const *a = ivet_analyzers; *a; a++)
        for (size_t i = 0; i < (*a)->nchecks; i++)
            if (strcmp((*a)->checks[i].id, id) == 0)
                return &(*a)->checks[i];
    /* a thread working for a scan sees that scan's entries only: two scans
     * may load different rules under one name (YARA files, --data-dir) */
    for (size_t k = 0; k < ndyn; k++) {
        if (cur_owner && dyn[k].owner != cur_owner)
            continue;
        for (size_t i = 0; i < dyn[k].n; i++)
            if (strcmp(dyn[k].v[i].id, id) == 0)
                return &dyn[k].v[i];
    }
    return NULL;
}

const struct ivet_check *ivet_check_find(const char *id)
{
    pthread_rwlock_rdlock(&dyn_lock);
    const struct ivet_check *c = find_locked(id);
    pthread_rwlock_unlock(&dyn_lock);
    return c;
}

static void finding_release(struct ivet_finding *f)
{
    ivet_free(f->id);
    ivet_free(f->category);
    ivet_free(f->title);
    ivet_free(f->remediation);
    ivet_free(f->path);
    ivet_free(f->evidence);
}

void ivet_finding_release(struct ivet_finding *f)
{
    finding_release(f);
}

void ivet_findings_release(struct ivet_findings *f)
{
    for (size_t i = 0; i < f->n; i++)
        finding_release(&f->v[i]);
    ivet_free(f->v);
    f->v = NULL;
    f->n = f->cap = 0;
}

static char *dup_or_null(const char *s, bool *oom)
{
    if (!s)
        return NULL;
    char *d = ivet_strdup(s);
    if (!d)
        *oom = true;
    return d;
}

struct ivet_finding *ivet_findings_add(struct ivet_findings *f, const char *id, const char *category,
                                       enum ivet_severity sev, const char *title,
                                       const char *remediation, const char *path, uint32_t line,
                                       int layer, const char *evidence, struct ivet_err *err)
{
    if (f->n == f->cap) {
        size_t nc = f->cap ? f->cap * 2 : 16;
        struct ivet_finding *v = ivet_reallocarray(f->v, nc, sizeof(*v));
        if (!v) {
            ivet_err_set(err, IVET_E_NOMEM, "out of memory adding a finding");
            return NULL;
        }
        f->v = v;
        f->cap = nc;
    }
    struct ivet_finding x = { 0 };
    bool oom = false;
    x.id = dup_or_null(id, &oom);
    x.category = dup_or_null(category, &oom);
    x.title = dup_or_null(title, &oom);
    x.remediation = dup_or_null(remediation, &oom);
    x.path = dup_or_null(path, &oom);
    if (evidence && !(x.evidence = ivet_sanitize(evidence, strlen(evidence), 200)))
        oom = true;
    x.severity = sev;
    x.line = line;
    x.layer = layer;
    x.hidden_by = -1;
    if (oom || !x.id) {
        finding_release(&x);
        ivet_err_set(err, IVET_E_NOMEM, "out of memory adding a finding");
        return NULL;
    }
    f->v[f->n] = x;
    return &f->v[f->n++];
}

struct ivet_finding *ivet_findings_add_check(struct ivet_findings *f, const char *check_id,
                                             const char *path, uint32_t line, int layer,
                                             const char *evidence, struct ivet_err *err)
{
    pthread_rwlock_rdlock(&dyn_lock);
    const struct ivet_check *c = find_locked(check_id);
    struct ivet_finding *x = NULL;
    if (!c)
        ivet_err_set(err, IVET_E_INTERNAL, "check '%s' is not in any catalog", check_id);
    else
        x = ivet_findings_add(f, c->id, c->category, c->severity, c->title, c->remediation, path, line, layer,
                              evidence, err);
    pthread_rwlock_unlock(&dyn_lock);
    return x;
}

int ivet_findings_splice(struct ivet_findings *dst, struct ivet_findings *src, struct ivet_err *err)
{
    if (src->n == 0)
        return 0;
    if (dst->n + src->n > dst->cap) {
        size_t nc = dst->n + src->n;
        struct ivet_finding *v = ivet_reallocarray(dst->v, nc, sizeof(*v));
        if (!v)
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory merging findings");
        dst->v = v;
        dst->cap = nc;
    }
    memcpy(dst->v + dst->n, src->v, src->n * sizeof(*src->v));
    dst->n += src->n;
    ivet_free(src->v);
    src->v = NULL;
    src->n = src->cap = 0;
    return 0;
}

char *ivet_redact(const char *secret, size_t len, size_t keep)
{
    if (keep > 4)
        keep = 4;
    if (keep > len / 3)
        keep = len / 3;
    size_t total = IVET_MIN(IVET_MAX(len, keep + 4), (size_t)16);
    char *out = ivet_malloc(total + 1);
    if (!out)
        return NULL;
    memcpy(out, secret, keep);
    memset(out + keep, '*', total - keep);
    out[total] = 0;
    return out;
}
