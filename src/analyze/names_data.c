/* names_data.c: loads the name reference data (the files under data/names/) into sorted
 * tables with each name's confusable skeleton precomputed, and answers
 * exact lookups. What the names mean is decided in names.c and publisher.c. */
#include "analyze/names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imagevet/scan.h"

#define LINE_MAX_LEN 1024
#define FAMILIES "onibrp"

struct table {
    struct ivet_name_entry *v;
    size_t n, cap;
};

struct ivet_names_db {
    struct table t[sizeof(FAMILIES) - 1];
};

static struct table *table_of(struct ivet_names_db *db, char family)
{
    const char *p = strchr(FAMILIES, family);
    return (p && family) ? &db->t[p - FAMILIES] : NULL;
}

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const struct ivet_name_entry *)a)->name, ((const struct ivet_name_entry *)b)->name);
}

static int table_add(struct table *t, const char *name, enum ivet_name_kind kind, const char *info,
                     struct ivet_err *err)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        struct ivet_name_entry *v = ivet_reallocarray(t->v, cap, sizeof(*v));
        if (!v)
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory loading name data");
        t->v = v;
        t->cap = cap;
    }
    struct ivet_name_entry *e = &t->v[t->n];
    size_t len = strlen(name);
    memset(e, 0, sizeof(*e));
    e->kind = kind;
    e->name = ivet_strdup(name);
    e->skel = ivet_malloc(len + 1);
    e->info = info && *info ? ivet_strdup(info) : NULL;
    if (!e->name || !e->skel || (info && *info && !e->info)) {
        ivet_free(e->name);
        ivet_free(e->skel);
        ivet_free(e->info);
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory loading name data");
    }
    ivet_confusable_skeleton(name, len, e->skel, len + 1);
    t->n++;
    return 0;
}

static int kind_of(const char *file, const char *field, enum ivet_name_kind *kind)
{
    static const struct {
        const char *file, *field;
        enum ivet_name_kind kind;
    } map[] = {
        { "trusted-namespaces.tsv", "verified-publisher", IVET_NAME_NS_VERIFIED },
        { "trusted-namespaces.tsv", "sponsored-oss", IVET_NAME_NS_SPONSORED },
        { "trusted-namespaces.tsv", "brand", IVET_NAME_NS_BRAND },
        { "trusted-images.tsv", "verified-publisher", IVET_NAME_IMAGE_VERIFIED },
        { "trusted-images.tsv", "sponsored-oss", IVET_NAME_IMAGE_SPONSORED },
        { "registries.tsv", "vendor", IVET_NAME_REGISTRY_VENDOR },
        { "registries.tsv", "shared", IVET_NAME_REGISTRY_SHARED },
    };
    for (size_t i = 0; i < IVET_ARRAY_LEN(map); i++)
        if (!strcmp(map[i].file, file) && !strcmp(map[i].field, field)) {
            *kind = map[i].kind;
            return 0;
        }
    return -1;
}

/* One data file: '#' comments, TAB-separated fields. `kind` 0 means the
 * second field names the kind (kind_of); `info_field` is the column kept as
 * info (0 = none). */
static int load_file(struct ivet_names_db *db, const char *dir, const char *file, char family,
                     enum ivet_name_kind kind, int info_field, struct ivet_err *err)
{
    int rc = 0;
    char line[LINE_MAX_LEN];
    unsigned lineno = 0;
    char *path = ivet_asprintf("%s/names/%s", dir, file);
    if (!path)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory loading name data");
    FILE *f = fopen(path, "r");
    if (!f) {
        rc = ivet_err_sys(err, IVET_E_IO, "cannot open '%s'", path);
        goto out;
    }
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0] || line[0] == '#')
            continue;
        char *fields[4] = { line, NULL, NULL, NULL };
        for (int i = 1; i < 4 && fields[i - 1]; i++) {
            char *tab = strchr(fields[i - 1], '\t');
            if (tab) {
                *tab = 0;
                fields[i] = tab + 1;
            }
        }
        enum ivet_name_kind k = kind;
        if (!k && (!fields[1] || kind_of(file, fields[1], &k) < 0)) {
            rc = ivet_err_set(err, IVET_E_FORMAT, "'%s' line %u: unknown kind '%s'", path, lineno,
                              fields[1] ? fields[1] : "");
            goto out;
        }
        const char *info = info_field > 0 && info_field < 4 ? fields[info_field] : NULL;
        if ((rc = table_add(table_of(db, family), fields[0], k, info, err)) < 0)
            goto out;
    }
    if (ferror(f))
        rc = ivet_err_sys(err, IVET_E_IO, "cannot read '%s'", path);
out:
    if (f)
        fclose(f);
    ivet_free(path);
    return rc;
}

struct ivet_names_db *ivet_names_db_load(const char *data_dir, struct ivet_err *err)
{
    static const struct {
        const char *file;
        char family;
        enum ivet_name_kind kind;
        int info;
    } files[] = {
        { "official-images.txt", 'o', IVET_NAME_OFFICIAL, 0 },
        { "official-images-removed.tsv", 'o', IVET_NAME_OFFICIAL_REMOVED, 1 },
        { "trusted-namespaces.tsv", 'n', 0, 2 },
        { "trusted-images.tsv", 'i', 0, 2 },
        { "known-bad.tsv", 'b', IVET_NAME_BAD, 2 },
        { "registries.tsv", 'r', 0, 2 },
    };
    struct ivet_names_db *db = ivet_calloc(1, sizeof(*db));
    char *probe = ivet_data_path(data_dir, "names/official-images.txt", err);
    if (!db || !probe) {
        if (!db)
            ivet_err_set(err, IVET_E_NOMEM, "out of memory loading name data");
        goto fail;
    }
    probe[strlen(probe) - strlen("/names/official-images.txt")] = 0;
    for (size_t i = 0; i < IVET_ARRAY_LEN(files); i++)
        if (load_file(db, probe, files[i].file, files[i].family, files[i].kind, files[i].info, err) < 0)
            goto fail;
    for (size_t i = 0; i < IVET_ARRAY_LEN(db->t); i++)
        if (db->t[i].n)
            qsort(db->t[i].v, db->t[i].n, sizeof(*db->t[i].v), entry_cmp);
    ivet_free(probe);
    return db;
fail:
    ivet_free(probe);
    ivet_names_db_free(db);
    return NULL;
}

void ivet_names_db_free(struct ivet_names_db *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < IVET_ARRAY_LEN(db->t); i++) {
        for (size_t k = 0; k < db->t[i].n; k++) {
            ivet_free(db->t[i].v[k].name);
            ivet_free(db->t[i].v[k].skel);
            ivet_free(db->t[i].v[k].info);
        }
        ivet_free(db->t[i].v);
    }
    ivet_free(db);
}

int ivet_names_db_trust(struct ivet_names_db *db, const char *entry, struct ivet_err *err)
{
    if (!entry || !*entry || strlen(entry) > 255)
        return ivet_err_set(err, IVET_E_USAGE, "invalid trusted namespace '%s'", entry ? entry : "");
    for (const char *p = entry; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
            return ivet_err_set(err, IVET_E_USAGE, "invalid trusted namespace '%s'", entry);
    struct table *t = table_of(db, 'p');
    if (ivet_names_db_find(db, 'p', entry))
        return 0;
    if (table_add(t, entry, IVET_NAME_POLICY, "policy", err) < 0)
        return -IVET_E_NOMEM;
    qsort(t->v, t->n, sizeof(*t->v), entry_cmp);
    return 0;
}

const struct ivet_name_entry *ivet_names_db_find(const struct ivet_names_db *db, char family,
                                                 const char *name)
{
    const struct table *t = table_of((struct ivet_names_db *)db, family);
    if (!t || !t->n || !name)
        return NULL;
    struct ivet_name_entry key = { .name = (char *)name };
    return bsearch(&key, t->v, t->n, sizeof(*t->v), entry_cmp);
}

const struct ivet_name_entry *ivet_names_db_all(const struct ivet_names_db *db, char family,
                                                size_t *n)
{
    const struct table *t = table_of((struct ivet_names_db *)db, family);
    *n = t ? t->n : 0;
    return t ? t->v : NULL;
}

static const char *const trust_names[] = {
    "official", "verified-publisher", "sponsored-oss", "trusted-by-policy", "unknown", "known-bad",
};

const char *ivet_trust_name(enum ivet_trust t)
{
    return (unsigned)t < IVET_ARRAY_LEN(trust_names) ? trust_names[t] : "unknown";
}
