/* merge.c: the overlay view of an image. Entries of each layer are applied
 * bottom-up, the way overlayfs shows them: later versions replace earlier
 * ones, ".wh." whiteouts remove paths, opaque directories hide what lower
 * layers put in them. What a lower layer ships but the final view hides is
 * kept on a list. Paths are compared literally; nothing touches the host.
 *
 * Memory: one allocation per node (the path is stored inline), about 100
 * bytes plus the path, in a hash table keyed by a seeded SipHash of the path
 * (hostile path sets cannot force collisions), and linked into a directory
 * tree so whiteouts and opaque markers remove subtrees without scanning. */
#include "layer/layer.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define MAX_HOPS 40                     /* symlinks followed in one resolution (Linux) */
#define RESOLVE_MAX (1u << 20)          /* bytes of a path under resolution */

struct node {
    struct ivet_fsnode pub;
    struct node *hnext;                 /* hash chain */
    struct node *parent, *child, *next, *prev;  /* directory tree */
    uint32_t hash;
    char path[];
};

_Static_assert(sizeof(struct node) <= 104, "an fsview node stays near 100 bytes plus its path");

struct hidden_rec {
    struct ivet_hidden pub;
    struct hidden_rec *hnext;
    uint32_t hash;
    char path[];
};

struct ivet_fsview {
    uint64_t k0, k1;                    /* SipHash key */
    struct node **buckets;
    size_t nbuckets, count;
    struct hidden_rec **hbuckets;       /* hidden files by path */
    size_t nhbuckets;
    struct hidden_rec **hidden;         /* in the order found */
    size_t nhidden, hidden_cap;
    struct node **sorted;               /* visible nodes in path order, when !dirty */
    bool dirty;
};

/* ---- SipHash-1-3 (Aumasson and Bernstein's construction, 1 compression and
 * 3 finalisation rounds) */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                \
    do {                                                                        \
        v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);               \
        v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                  \
        v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                  \
        v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);               \
    } while (0)

static uint64_t siphash13(uint64_t k0, uint64_t k1, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t v0 = k0 ^ 0x736f6d6570736575ull, v1 = k1 ^ 0x646f72616e646f6dull;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ull, v3 = k1 ^ 0x7465646279746573ull;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t m = 0;
        for (int j = 7; j >= 0; j--)
            m = m << 8 | p[i + (size_t)j];
        v3 ^= m;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t b = (uint64_t)len << 56;
    for (size_t j = 0; i + j < len; j++)
        b |= (uint64_t)p[i + j] << (8 * j);
    v3 ^= b;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

static uint32_t hash_path(const struct ivet_fsview *v, const char *p, size_t n)
{
    return (uint32_t)siphash13(v->k0, v->k1, p, n);
}

static bool file_like(enum ivet_entry_type t)
{
    return t == IVET_ENTRY_FILE || t == IVET_ENTRY_SYMLINK || t == IVET_ENTRY_HARDLINK;
}

static int nomem(struct ivet_err *err)
{
    return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
}

struct ivet_fsview *ivet_fsview_new(struct ivet_err *err)
{
    struct ivet_fsview *v = ivet_calloc(1, sizeof(*v));
    if (!v || !(v->buckets = ivet_calloc(64, sizeof(*v->buckets))) ||
        !(v->hbuckets = ivet_calloc(16, sizeof(*v->hbuckets)))) {
        if (v)
            ivet_free(v->buckets);
        ivet_free(v);
        nomem(err);
        return NULL;
    }
    v->nbuckets = 64;
    v->nhbuckets = 16;
    uint64_t key[2];
    if (getrandom(key, sizeof(key), GRND_NONBLOCK) != (ssize_t)sizeof(key)) {
        /* No entropy yet: still different per process and view. */
        key[0] = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)v;
        key[1] = (uint64_t)clock() * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)&key;
    }
    v->k0 = key[0];
    v->k1 = key[1];
    return v;
}

void ivet_fsview_free(struct ivet_fsview *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->nbuckets; i++) {
        struct node *n = v->buckets[i];
        while (n) {
            struct node *next = n->hnext;
            ivet_free(n->pub.linkname);
            ivet_free(n);
            n = next;
        }
    }
    for (size_t i = 0; i < v->nhidden; i++)
        ivet_free(v->hidden[i]);
    ivet_free(v->buckets);
    ivet_free(v->hbuckets);
    ivet_free(v->hidden);
    ivet_free(v->sorted);
    ivet_free(v);
}

/* ---- the path table */
static struct node *lookup_n(const struct ivet_fsview *v, const char *p, size_t n)
{
    uint32_t h = hash_path(v, p, n);
    for (struct node *x = v->buckets[h & (v->nbuckets - 1)]; x; x = x->hnext)
        if (x->hash == h && strncmp(x->path, p, n) == 0 && x->path[n] == 0)
            return x;
    return NULL;
}

const struct ivet_fsnode *ivet_fsview_lookup(const struct ivet_fsview *v, const char *path)
{
    struct node *n = lookup_n(v, path, strlen(path));
    return n ? &n->pub : NULL;
}

static void grow_table(struct ivet_fsview *v)
{
    size_t nb = v->nbuckets * 2;
    struct node **b = ivet_calloc(nb, sizeof(*b));
    if (!b)
        return;                         /* longer chains, still correct */
    for (size_t i = 0; i < v->nbuckets; i++) {
        struct node *n = v->buckets[i];
        while (n) {
            struct node *next = n->hnext;
            n->hnext = b[n->hash & (nb - 1)];
            b[n->hash & (nb - 1)] = n;
            n = next;
        }
    }
    ivet_free(v->buckets);
    v->buckets = b;
    v->nbuckets = nb;
}

/* Creates a node for path p[0..n) under parent (NULL only for "/"). */
static struct node *new_node(struct ivet_fsview *v, const char *p, size_t n, struct node *parent,
                             enum ivet_entry_type type, uint32_t mode, int layer)
{
    struct node *x = ivet_calloc(1, sizeof(*x) + n + 1);
    if (!x)
        return NULL;
    memcpy(x->path, p, n);
    x->path[n] = 0;
    x->pub.path = x->path;
    x->pub.type = type;
    x->pub.mode = mode;
    x->pub.layer = layer;
    x->hash = hash_path(v, p, n);
    x->hnext = v->buckets[x->hash & (v->nbuckets - 1)];
    v->buckets[x->hash & (v->nbuckets - 1)] = x;
    x->parent = parent;
    if (parent) {
        x->next = parent->child;
        if (x->next)
            x->next->prev = x;
        parent->child = x;
    }
    v->count++;
    v->dirty = true;
    if (v->count > v->nbuckets)
        grow_table(v);
    return x;
}

static void unlink_node(struct ivet_fsview *v, struct node *x)
{
    struct node **pp = &v->buckets[x->hash & (v->nbuckets - 1)];
    while (*pp != x)
        pp = &(*pp)->hnext;
    *pp = x->hnext;
    if (x->prev)
        x->prev->next = x->next;
    else if (x->parent)
        x->parent->child = x->next;
    if (x->next)
        x->next->prev = x->prev;
    v->count--;
    v->dirty = true;
}

/* ---- the hidden list */
static int add_hidden(struct ivet_fsview *v, const struct node *x, int hidden_by,
                      struct ivet_err *err)
{
    if (!file_like(x->pub.type))
        return 0;
    size_t n = strlen(x->path);
    if (v->nhidden == v->hidden_cap) {
        size_t cap = v->hidden_cap ? v->hidden_cap * 2 : 64;
        struct hidden_rec **h = ivet_reallocarray(v->hidden, cap, sizeof(*h));
        if (!h)
            return nomem(err);
        v->hidden = h;
        v->hidden_cap = cap;
    }
    struct hidden_rec *r = ivet_calloc(1, sizeof(*r) + n + 1);
    if (!r)
        return nomem(err);
    memcpy(r->path, x->path, n + 1);
    r->pub.path = r->path;
    r->pub.type = x->pub.type;
    r->pub.mode = x->pub.mode;
    r->pub.size = x->pub.size;
    r->pub.layer = x->pub.layer;
    r->pub.hidden_by = hidden_by;
    r->hash = x->hash;
    v->hidden[v->nhidden++] = r;
    if (v->nhidden > v->nhbuckets) {
        size_t nb = v->nhbuckets * 2;
        struct hidden_rec **b = ivet_calloc(nb, sizeof(*b));
        if (b) {
            for (size_t i = 0; i < v->nhidden - 1; i++) {
                struct hidden_rec *h = v->hidden[i];
                h->hnext = b[h->hash & (nb - 1)];
                b[h->hash & (nb - 1)] = h;
            }
            ivet_free(v->hbuckets);
            v->hbuckets = b;
            v->nhbuckets = nb;
        }
    }
    r->hnext = v->hbuckets[r->hash & (v->nhbuckets - 1)];
    v->hbuckets[r->hash & (v->nhbuckets - 1)] = r;
    return 0;
}

/* Removes x (which has no children left) from the view. */
static int drop_node(struct ivet_fsview *v, struct node *x, int hidden_by, struct ivet_err *err)
{
    int rc = add_hidden(v, x, hidden_by, err);
    if (rc < 0)
        return rc;
    unlink_node(v, x);
    ivet_free(x->pub.linkname);
    ivet_free(x);
    return 0;
}

static struct node *deepest_first(struct node *x)
{
    while (x->child)
        x = x->child;
    return x;
}

/* Removes from the subtree at top every node that comes from a layer below
 * `keep` (all of them for keep == INT_MAX); a directory that still holds
 * newer entries stays, now belonging to `layer`. Post-order without a stack,
 * so hostile nesting depth costs nothing. */
static int remove_subtree(struct ivet_fsview *v, struct node *top, int keep, int layer,
                          struct ivet_err *err)
{
    struct node *x = deepest_first(top);
    for (;;) {
        struct node *next = x->next, *parent = x->parent;
        bool last = x == top;
        if (x->pub.layer < keep && !x->child) {
            int rc = drop_node(v, x, layer, err);
            if (rc < 0)
                return rc;
        } else if (x->pub.layer < keep) {
            x->pub.layer = layer;
        }
        if (last)
            return 0;
        x = next ? deepest_first(next) : parent;
    }
}

static int remove_children(struct ivet_fsview *v, struct node *dir, int keep, int layer,
                           struct ivet_err *err)
{
    struct node *c = dir->child;
    while (c) {
        struct node *next = c->next;
        int rc = remove_subtree(v, c, keep, layer, err);
        if (rc < 0)
            return rc;
        c = next;
    }
    return 0;
}

/* Turns x into a directory of `layer` (an upper directory hides a lower
 * file of the same name). */
static int make_dir(struct ivet_fsview *v, struct node *x, int layer, struct ivet_err *err)
{
    if (x->pub.type == IVET_ENTRY_DIR)
        return 0;
    int rc = add_hidden(v, x, layer, err);
    if (rc < 0)
        return rc;
    ivet_free(x->pub.linkname);
    x->pub.linkname = NULL;
    x->pub.type = IVET_ENTRY_DIR;
    x->pub.mode = 0755;
    x->pub.uid = x->pub.gid = x->pub.size = 0;
    x->pub.layer = layer;
    return 0;
}

/* Length of the parent of p[0..n) ("/" for top-level paths). */
static size_t parent_len(const char *p, size_t n)
{
    while (n > 0 && p[n - 1] != '/')
        n--;
    return n > 1 ? n - 1 : 1;
}

/* Finds or creates the directory p[0..n) and its ancestors; missing ones
 * are implied by the layer, as a tar extractor would create them. */
static struct node *ensure_dir(struct ivet_fsview *v, const char *p, size_t n, int layer,
                               struct ivet_err *err)
{
    IVET_ASSERT(n >= 1 && p[0] == '/');
    struct node *x = lookup_n(v, p, n);
    if (!x) {
        struct node *parent = NULL;
        if (n > 1 && !(parent = ensure_dir(v, p, parent_len(p, n), layer, err)))
            return NULL;
        if (!(x = new_node(v, p, n, parent, IVET_ENTRY_DIR, 0755, layer)))
            nomem(err);
        return x;
    }
    return make_dir(v, x, layer, err) < 0 ? NULL : x;
}

static int set_meta(const struct ivet_fsview *v, struct node *x, int layer, const struct ivet_entry *e,
                    struct ivet_err *err)
{
    /* a hard link shares its target's content, and so what was learned of it */
    const struct node *t = e->type == IVET_ENTRY_HARDLINK && e->linkname
                               ? lookup_n(v, e->linkname, strlen(e->linkname)) : NULL;
    uint8_t marks = t ? t->pub.marks : e->marks;
    char *link = NULL;
    if (e->linkname && (e->type == IVET_ENTRY_SYMLINK || e->type == IVET_ENTRY_HARDLINK) &&
        !(link = ivet_strdup(e->linkname)))
        return nomem(err);
    ivet_free(x->pub.linkname);
    x->pub.linkname = link;
    x->pub.type = e->type;
    x->pub.mode = e->mode;
    x->pub.uid = e->uid;
    x->pub.gid = e->gid;
    x->pub.size = e->type == IVET_ENTRY_FILE ? e->size : 0;
    x->pub.layer = layer;
    x->pub.marks = marks;
    return 0;
}

static int add_entry(struct ivet_fsview *v, int layer, const char *p, const struct ivet_entry *e,
                     struct ivet_err *err)
{
    size_t n = strlen(p);
    if (n == 1) {                       /* the root itself */
        if (e->type != IVET_ENTRY_DIR)
            return ivet_err_set(err, IVET_E_FORMAT, "entry '/' is not a directory");
        struct node *root = ensure_dir(v, p, 1, layer, err);
        return root ? set_meta(v, root, layer, e, err) : -(int)err->code;
    }
    struct node *x = lookup_n(v, p, n);
    if (x) {
        int rc = 0;
        if (x->pub.type == IVET_ENTRY_DIR && e->type != IVET_ENTRY_DIR)
            rc = remove_children(v, x, INT_MAX, layer, err);
        if (rc == 0 && file_like(x->pub.type))
            rc = add_hidden(v, x, layer, err);
        if (rc == 0)
            rc = set_meta(v, x, layer, e, err);
        v->dirty = true;
        return rc;
    }
    struct node *parent = ensure_dir(v, p, parent_len(p, n), layer, err);
    if (!parent)
        return -(int)err->code;
    if (!(x = new_node(v, p, n, parent, e->type, e->mode, layer)))
        return nomem(err);
    return set_meta(v, x, layer, e, err);
}

/* "/a/b" form: absolute, no empty or "." components, no trailing slash. */
static bool is_normal(const char *p)
{
    if (p[0] != '/')
        return false;
    if (p[1] == 0)
        return true;
    for (const char *c = p; *c; c++)
        if (c[0] == '/' && (c[1] == '/' || c[1] == 0 || (c[1] == '.' && (c[2] == '/' || c[2] == 0))))
            return false;
    return true;
}

int ivet_fsview_apply(struct ivet_fsview *v, int layer, const struct ivet_entry *e,
                      struct ivet_err *err)
{
    char *norm = NULL;
    const char *p = e->path;
    int rc = 0;
    if (!is_normal(p)) {
        if (!(norm = ivet_path_normalize(p)))
            return nomem(err);
        p = norm;
    }
    if (e->whiteout) {
        /* Only lower layers are whited out; this layer's own entries stay. */
        struct node *x = lookup_n(v, p, strlen(p));
        if (x && strcmp(p, "/") != 0)
            rc = remove_subtree(v, x, layer, layer, err);
    } else if (e->opaque) {
        struct node *dir = ensure_dir(v, p, strlen(p), layer, err);
        rc = dir ? remove_children(v, dir, layer, layer, err) : -(int)err->code;
    } else {
        rc = add_entry(v, layer, p, e, err);
    }
    ivet_free(norm);
    return rc;
}

/* ---- queries */
static const struct hidden_rec *find_hidden(const struct ivet_fsview *v, const char *path,
                                            int layer)
{
    size_t n = strlen(path);
    uint32_t h = hash_path(v, path, n);
    for (const struct hidden_rec *r = v->hbuckets[h & (v->nhbuckets - 1)]; r; r = r->hnext)
        if (r->hash == h && r->pub.layer == layer && strcmp(r->path, path) == 0)
            return r;
    return NULL;
}

bool ivet_fsview_visible(const struct ivet_fsview *v, const char *path, int layer, int *hidden_by)
{
    const struct node *x = lookup_n(v, path, strlen(path));
    if (x && x->pub.layer == layer)
        return true;
    const struct hidden_rec *r = find_hidden(v, path, layer);
    if (hidden_by)
        *hidden_by = r ? r->pub.hidden_by : -1;
    return false;
}

/* Replaces rest[0..at) with `link`: rest becomes link + "/" + the remainder. */
static bool splice_link(struct ivet_buf *rest, size_t at, const char *link, struct ivet_buf *tmp,
                        struct ivet_err *err)
{
    ivet_buf_reset(tmp);
    if (ivet_buf_puts(tmp, link, err) < 0 || ivet_buf_puts(tmp, "/", err) < 0 ||
        ivet_buf_append(tmp, rest->ptr + at, rest->len - at, err) < 0)
        return false;
    struct ivet_buf swap = *rest;
    *rest = *tmp;
    *tmp = swap;
    return true;
}

const struct ivet_fsnode *ivet_fsview_resolve(const struct ivet_fsview *v, const char *path)
{
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_buf cur, rest, tmp;
    const struct node *found = NULL;
    int hops = 0;
    ivet_buf_init(&cur, RESOLVE_MAX);
    ivet_buf_init(&rest, RESOLVE_MAX);
    ivet_buf_init(&tmp, RESOLVE_MAX);
    if (ivet_buf_puts(&rest, path, &err) < 0 || ivet_buf_puts(&cur, "", &err) < 0)
        goto out;
    size_t pos = 0;
    for (;;) {
        while (pos < rest.len && rest.ptr[pos] == '/')
            pos++;
        if (pos >= rest.len)
            break;
        size_t end = pos;
        while (end < rest.len && rest.ptr[end] != '/')
            end++;
        const char *c = rest.ptr + pos;
        size_t cl = end - pos;
        if (cl == 1 && c[0] == '.') {
            pos = end;
            continue;
        }
        if (cl == 2 && c[0] == '.' && c[1] == '.') {
            while (cur.len > 0 && cur.ptr[cur.len - 1] != '/')
                cur.len--;
            if (cur.len > 0)
                cur.len--;              /* ".." of "/" is "/" */
            cur.ptr[cur.len] = 0;
            pos = end;
            continue;
        }
        size_t saved = cur.len;
        if (ivet_buf_puts(&cur, "/", &err) < 0 || ivet_buf_append(&cur, c, cl, &err) < 0)
            goto out;
        const struct node *x = lookup_n(v, cur.ptr, cur.len);
        if (!x)
            goto out;
        if (x->pub.type == IVET_ENTRY_SYMLINK) {
            if (++hops > MAX_HOPS || !x->pub.linkname || !x->pub.linkname[0])
                goto out;
            cur.len = x->pub.linkname[0] == '/' ? 0 : saved;
            cur.ptr[cur.len] = 0;
            if (!splice_link(&rest, end, x->pub.linkname, &tmp, &err))
                goto out;
            pos = 0;
            continue;
        }
        if (x->pub.type != IVET_ENTRY_DIR) {
            size_t q = end;
            while (q < rest.len && rest.ptr[q] == '/')
                q++;
            if (q < rest.len)
                goto out;               /* a file used as a directory */
        }
        pos = end;
    }
    found = cur.len ? lookup_n(v, cur.ptr, cur.len) : lookup_n(v, "/", 1);
out:
    ivet_buf_release(&cur);
    ivet_buf_release(&rest);
    ivet_buf_release(&tmp);
    ivet_err_release(&err);
    return found ? &found->pub : NULL;
}

size_t ivet_fsview_count(const struct ivet_fsview *v)
{
    return v->count;
}

static int cmp_node(const void *a, const void *b)
{
    return strcmp((*(struct node *const *)a)->path, (*(struct node *const *)b)->path);
}

const struct ivet_fsnode *ivet_fsview_at(struct ivet_fsview *v, size_t i)
{
    if (i >= v->count)
        return NULL;
    if (v->dirty || !v->sorted) {
        struct node **s = ivet_reallocarray(v->sorted, v->count ? v->count : 1, sizeof(*s));
        if (!s)
            return NULL;
        v->sorted = s;
        size_t k = 0;
        for (size_t b = 0; b < v->nbuckets; b++)
            for (struct node *x = v->buckets[b]; x; x = x->hnext)
                s[k++] = x;
        qsort(s, k, sizeof(*s), cmp_node);
        v->dirty = false;
    }
    return &v->sorted[i]->pub;
}

size_t ivet_fsview_hidden_count(const struct ivet_fsview *v)
{
    return v->nhidden;
}

const struct ivet_hidden *ivet_fsview_hidden_at(const struct ivet_fsview *v, size_t i)
{
    return i < v->nhidden ? &v->hidden[i]->pub : NULL;
}
