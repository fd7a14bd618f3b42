/* rules.c: compiles a loaded ruleset into Vectorscan databases and scans
 * files with it in streaming mode. The stream databases report only match
 * ends (cheap); the first match of a rule in a file is re-scanned in block
 * mode with leftmost-start reporting over a bounded window of the bytes
 * before it, which gives the excerpt and the text validators check.
 * Parsing rule files lives in rules_load.c. */
#include "analyze/rules_int.h"
#include "core/lazylib.h"

#include <hs.h>
#if defined(__SSE2__) && defined(__x86_64__)   /* _mm_cvtsi128_si64 is x86-64 only */
#define NL_SSE2 1
#include <emmintrin.h>
#endif
#include <string.h>

#define WIN 1024                /* bytes kept before the current chunk */
#define AFTER 48                /* context shown after a match (same chunk, same line) */
#define BEFORE 40               /* context shown before a match (same line) */
#define SHOW_MATCH 120          /* bytes of the match itself shown */
#define MAX_VALIDATIONS 256     /* candidate checks per rule per file */
#define BINARY_PROBE 4096       /* a NUL in the first bytes makes a file binary (line 0) */
#define FORMAT_PROBE 256        /* bytes that decide text or binary rule set */

/* ---- compiling */

static int compile_error(struct ivet_ruleset *rs, const unsigned *ids, const unsigned *pidx,
                         hs_compile_error_t *ce, const char *what, struct ivet_err *err)
{
    int rc;
    if (ce->expression >= 0) {
        const struct ivet_rule *r = &rs->rules[ids[ce->expression] / (pidx ? 1 : 2)];
        rc = ivet_err_set(err, IVET_E_FORMAT, "rules '%s' line %u: rule '%s' %s %u: %s", r->file,
                          r->line, r->check.id, what, pidx ? pidx[ce->expression] + 1 : 1, ce->message);
    } else {
        rc = ivet_err_set(err, IVET_E_FORMAT, "cannot compile rules: %s", ce->message);
    }
    hs_free_compile_error(ce);
    return rc;
}

/* Which rules go into a pattern database. */
enum sel { SEL_TEXT, SEL_BIN, SEL_SCOPED };

static int compile_patterns(struct ivet_ruleset *rs, enum sel sel, hs_database_t **db,
                            struct ivet_err *err)
{
    const char **ex = ivet_calloc(rs->npatterns_total + 1, sizeof(*ex));
    unsigned *flags = ivet_calloc(rs->npatterns_total + 1, sizeof(*flags));
    unsigned *ids = ivet_calloc(rs->npatterns_total + 1, sizeof(*ids));
    unsigned *pidx = ivet_calloc(rs->npatterns_total + 1, sizeof(*pidx));
    int rc = 0;
    *db = NULL;
    if (!ex || !flags || !ids || !pidx) {
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory compiling rules");
        goto out;
    }
    unsigned n = 0;
    for (size_t i = 0; i < rs->n; i++) {
        const struct ivet_rule *r = &rs->rules[i];
        if ((sel != SEL_SCOPED && r->paths) || (sel == SEL_SCOPED && !r->paths) ||
            (sel == SEL_BIN && !r->binary))
            continue;
        for (size_t k = 0; k < r->npatterns; k++) {
            ex[n] = r->patterns[k];
            flags[n] = r->flags;
            ids[n] = (unsigned)i;
            pidx[n++] = (unsigned)k;
        }
    }
    hs_compile_error_t *ce = NULL;
    if (n && ivet_rules_compile_cached(rs->cache_dir, ex, flags, ids, n, HS_MODE_STREAM, db, &ce) != HS_SUCCESS)
        rc = compile_error(rs, ids, pidx, ce, "pattern", err);
out:
    ivet_free(ex);
    ivet_free(flags);
    ivet_free(ids);
    ivet_free(pidx);
    return rc;
}

static int compile_paths(struct ivet_ruleset *rs, struct ivet_err *err)
{
    const char **ex = ivet_calloc(2 * rs->n + 1, sizeof(*ex));
    unsigned *flags = ivet_calloc(2 * rs->n + 1, sizeof(*flags));
    unsigned *ids = ivet_calloc(2 * rs->n + 1, sizeof(*ids));
    unsigned n = 0;
    int rc = 0;
    if (!ex || !flags || !ids) {
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory compiling rules");
        goto out;
    }
    for (size_t i = 0; i < rs->n; i++) {
        const struct ivet_rule *r = &rs->rules[i];
        if (r->paths)
            ex[n] = r->paths, flags[n] = HS_FLAG_SINGLEMATCH | HS_FLAG_DOTALL, ids[n++] = (unsigned)(2 * i);
        if (r->not_paths)
            ex[n] = r->not_paths, flags[n] = HS_FLAG_SINGLEMATCH | HS_FLAG_DOTALL,
            ids[n++] = (unsigned)(2 * i + 1);
    }
    hs_compile_error_t *ce = NULL;
    if (n && ivet_rules_compile_cached(rs->cache_dir, ex, flags, ids, n, HS_MODE_BLOCK, &rs->db_paths, &ce) != HS_SUCCESS)
        rc = compile_error(rs, ids, NULL, ce, "paths", err);
out:
    ivet_free(ex);
    ivet_free(flags);
    ivet_free(ids);
    return rc;
}

void ivet_rules_uncompile(struct ivet_ruleset *rs)
{
    hs_free_database(rs->db_text);
    hs_free_database(rs->db_bin);
    hs_free_database(rs->db_scoped);
    hs_free_database(rs->db_paths);
    hs_free_scratch(rs->proto);
    rs->db_text = rs->db_bin = rs->db_scoped = rs->db_paths = NULL;
    rs->proto = NULL;
    for (size_t i = 0; rs->som && i < rs->n; i++)
        hs_free_database(rs->som[i]);
    if (rs->som)
        pthread_mutex_destroy(&rs->som_lock);
    ivet_free(rs->checks);
    ivet_free(rs->som);
    ivet_free((void *)rs->som_state);
    rs->checks = NULL;
    rs->som = NULL;
    rs->som_state = NULL;
    rs->compiled = false;
}

int ivet_rules_compile(struct ivet_ruleset *rs, struct ivet_err *err)
{
    int rc = 0;
    if (rs->compiled)
        return 0;
    if ((rc = ivet_lazylib_require(&ivet_lib_hs, err)) < 0)
        return rc;
    rs->checks = ivet_calloc(rs->n + 1, sizeof(*rs->checks));
    rs->som = ivet_calloc(rs->n + 1, sizeof(*rs->som));
    rs->som_state = ivet_calloc(rs->n + 1, sizeof(*rs->som_state));
    if (!rs->checks || !rs->som || !rs->som_state) {
        ivet_free(rs->som);
        rs->som = NULL;
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory compiling rules");
        goto out;
    }
    pthread_mutex_init(&rs->som_lock, NULL);
    rs->any_path_only = false;
    for (size_t i = 0; i < rs->n; i++) {
        rs->checks[i] = rs->rules[i].check;
        rs->any_path_only |= rs->rules[i].path_only;
    }
    if ((rc = compile_patterns(rs, SEL_TEXT, &rs->db_text, err)) < 0 ||
        (rc = compile_patterns(rs, SEL_BIN, &rs->db_bin, err)) < 0 ||
        (rc = compile_patterns(rs, SEL_SCOPED, &rs->db_scoped, err)) < 0 ||
        (rc = compile_paths(rs, err)) < 0)
        goto out;
    hs_database_t *dbs[] = { rs->db_text, rs->db_bin, rs->db_scoped, rs->db_paths };
    for (size_t i = 0; i < IVET_ARRAY_LEN(dbs); i++) {
        if (dbs[i] && hs_alloc_scratch(dbs[i], &rs->proto) != HS_SUCCESS) {
            rc = ivet_err_set(err, IVET_E_NOMEM, "cannot allocate pattern scratch space");
            goto out;
        }
    }
    rs->compiled = true;
out:
    if (rc < 0)
        ivet_rules_uncompile(rs);
    return rc;
}

const struct ivet_check *ivet_rules_checks(const struct ivet_ruleset *rs)
{
    return rs->checks;
}

/* ---- scanning */

struct hitrec {
    uint64_t count;
    uint64_t first_end;         /* end offset of the first validated match */
    uint64_t last_end;          /* to merge the growing ends of one match */
    uint64_t grow_end;          /* end of the first match as it grows */
    uint32_t line;
    uint64_t start;             /* start offset of the first match (best known) */
    unsigned tries;             /* validations attempted */
    bool pending;               /* evidence waits for the bytes after the match */
    char *evidence;
};

struct ivet_rules_stream {
    const struct ivet_ruleset *rs;
    hs_scratch_t *scratch, *scratch2;   /* stream scan; nested block re-scan */
    hs_stream_t *s_main, *s_scoped;    /* db_text or db_bin (opened once decided); db_scoped */
    bool active;
    bool decided;               /* the first bytes chose db_text or db_bin */
    bool bin_set;               /* ... and it was db_bin */
    uint8_t probe[FORMAT_PROBE];        /* the first bytes, held until decided */
    size_t probelen;
    uint64_t pos, max;
    bool truncated, binary, nonspace;
    uint64_t newlines;          /* newlines before the current chunk */
    uint8_t win[WIN];           /* the last winlen bytes before the current chunk */
    size_t winlen;
    const uint8_t *chunk;
    size_t chunklen;
    uint64_t chunk_off;
    uint8_t head[96];           /* first bytes, for path-only rule evidence */
    size_t headlen;
    uint8_t *scope;             /* per rule: 1 include, 2 excluded (path db) */
    struct hitrec *hits;
    uint32_t *touched;          /* rules with a hit in this file */
    size_t ntouched;
    struct ivet_err *err;       /* error raised inside a callback */
    int cb_rc;
};

struct ivet_rules_stream *ivet_rules_stream_new(const struct ivet_ruleset *rs, struct ivet_err *err)
{
    if (!rs->compiled) {
        ivet_err_set(err, IVET_E_INTERNAL, "rules not compiled");
        return NULL;
    }
    struct ivet_rules_stream *st = ivet_calloc(1, sizeof(*st));
    if (!st)
        goto nomem;
    st->rs = rs;
    st->scope = ivet_calloc(rs->n + 1, 1);
    st->hits = ivet_calloc(rs->n + 1, sizeof(*st->hits));
    st->touched = ivet_calloc(rs->n + 1, sizeof(*st->touched));
    if (!st->scope || !st->hits || !st->touched)
        goto nomem;
    if (rs->proto && (hs_clone_scratch(rs->proto, &st->scratch) != HS_SUCCESS ||
                      hs_clone_scratch(rs->proto, &st->scratch2) != HS_SUCCESS))
        goto nomem;
    return st;
nomem:
    ivet_rules_stream_free(st);
    ivet_err_set(err, IVET_E_NOMEM, "out of memory for a rules stream");
    return NULL;
}

static void reset_hits(struct ivet_rules_stream *st)
{
    for (size_t i = 0; i < st->ntouched; i++) {
        struct hitrec *h = &st->hits[st->touched[i]];
        ivet_free(h->evidence);
        memset(h, 0, sizeof(*h));
    }
    st->ntouched = 0;
}

static void close_streams(struct ivet_rules_stream *st)
{
    if (st->s_main)
        hs_close_stream(st->s_main, NULL, NULL, NULL);
    if (st->s_scoped)
        hs_close_stream(st->s_scoped, NULL, NULL, NULL);
    st->s_main = st->s_scoped = NULL;
}

void ivet_rules_stream_free(struct ivet_rules_stream *st)
{
    if (!st)
        return;
    close_streams(st);
    if (st->hits)
        reset_hits(st);
    hs_free_scratch(st->scratch);
    hs_free_scratch(st->scratch2);
    ivet_free(st->scope);
    ivet_free(st->hits);
    ivet_free(st->touched);
    ivet_free(st);
}

static int path_cb(unsigned id, unsigned long long from, unsigned long long to, unsigned fl, void *ctx)
{
    (void)from, (void)to, (void)fl;
    struct ivet_rules_stream *st = ctx;
    uint8_t *s = &st->scope[id / 2];
    *s = (id & 1) ? 2 : (*s == 2 ? 2 : 1);
    return 0;
}

int ivet_rules_stream_begin(struct ivet_rules_stream *st, const char *path, uint64_t max_bytes,
                            struct ivet_err *err)
{
    const struct ivet_ruleset *rs = st->rs;
    close_streams(st);
    reset_hits(st);
    memset(st->scope, 0, rs->n);
    st->pos = 0;
    st->max = max_bytes ? max_bytes : UINT64_MAX;
    st->truncated = st->binary = st->nonspace = false;
    st->newlines = 0;
    st->winlen = st->headlen = 0;
    st->cb_rc = 0;
    st->active = true;
    st->decided = st->bin_set = false;
    st->probelen = 0;
    bool scoped = false;
    if (path && rs->db_paths) {
        if (hs_scan(rs->db_paths, path, (unsigned)strnlen(path, 1u << 20), 0, st->scratch, path_cb, st) !=
            HS_SUCCESS)
            return ivet_err_set(err, IVET_E_INTERNAL, "path scan failed for '%s'", path);
        for (size_t i = 0; i < rs->n && !scoped; i++)
            scoped = st->scope[i] == 1 && !rs->rules[i].path_only;
    }
    if (scoped && rs->db_scoped && hs_open_stream(rs->db_scoped, 0, &st->s_scoped) != HS_SUCCESS) {
        st->active = false;
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory opening a rules stream");
    }
    return 0;
}

/* Newlines in p[0..n). On x86-64 (SSE2 is part of it), sixteen bytes at a time:
 * each byte lane counts its newlines (compare gives -1, subtract adds 1) for
 * at most 255 rounds, then a sum of absolute differences adds the lanes up.
 * The rest, eight bytes at a time: in x = word ^ "\n\n..", a byte is zero
 * exactly where the word has a newline, and the expression below sets the top
 * bit of exactly those bytes (no carries cross bytes); a multiply adds them
 * up (no popcount: it is a libgcc call without -mpopcnt). */
static uint64_t count_nl(const uint8_t *p, size_t n)
{
    uint64_t c = 0;
    size_t i = 0;
#ifdef NL_SSE2
    const __m128i nl16 = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
    while (n - i >= 16) {
        __m128i lanes = zero;
        size_t end = i + 16 * IVET_MIN((n - i) / 16, (size_t)255);
        for (; i < end; i += 16)
            lanes = _mm_sub_epi8(lanes, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + i)), nl16));
        __m128i sums = _mm_sad_epu8(lanes, zero);
        c += (uint64_t)_mm_cvtsi128_si64(sums) + (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums));
    }
#endif
    const uint64_t lo7 = 0x7f7f7f7f7f7f7f7full, nl = 0x0a0a0a0a0a0a0a0aull;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        uint64_t x = w ^ nl;
        uint64_t t = ~(((x & lo7) + lo7) | x | lo7) >> 7;    /* 1 per newline byte */
        c += (t * 0x0101010101010101ull) >> 56;                 /* their sum (at most 8) */
    }
    for (; i < n; i++)
        c += p[i] == '\n';
    return c;
}

/* Newlines in the file's bytes [0, off), for off at most one window before
 * the current chunk. */
static uint64_t nl_before(const struct ivet_rules_stream *st, uint64_t off)
{
    if (off >= st->chunk_off)
        return st->newlines + count_nl(st->chunk, (size_t)IVET_MIN(off - st->chunk_off, (uint64_t)st->chunklen));
    uint64_t back = IVET_MIN(st->chunk_off - off, (uint64_t)st->winlen);
    return st->newlines - count_nl(st->win + st->winlen - back, (size_t)back);
}

/* Copies the bytes [from, to) of the file into out, from the window and the
 * current chunk; returns how many (fewer when they are no longer kept). */
static size_t get_bytes(const struct ivet_rules_stream *st, uint64_t from, uint64_t to, uint8_t *out)
{
    uint64_t wstart = st->chunk_off - st->winlen;
    uint64_t cend = st->chunk_off + st->chunklen;
    if (from < wstart)
        from = wstart;
    if (to > cend)
        to = cend;
    size_t n = 0;
    for (uint64_t o = from; o < to;) {
        if (o < st->chunk_off) {
            size_t k = (size_t)(IVET_MIN(to, st->chunk_off) - o);
            memcpy(out + n, st->win + (o - wstart), k);
            n += k, o += k;
        } else {
            size_t k = (size_t)(to - o);
            memcpy(out + n, st->chunk + (o - st->chunk_off), k);
            n += k, o += k;
        }
    }
    return n;
}

struct som_ctx {
    unsigned rule;
    unsigned long long end;
    unsigned long long start;
    bool found;
};

static int som_cb(unsigned id, unsigned long long from, unsigned long long to, unsigned fl, void *ctx)
{
    (void)fl;
    struct som_ctx *c = ctx;
    if (id == c->rule && to == c->end && (!c->found || from < c->start)) {
        c->start = from;
        c->found = true;
    }
    return 0;
}

/* The rule's leftmost-start database, compiled on first use. Patterns
 * Vectorscan cannot give starts for get none: their excerpt ends at the
 * match and validation fails. */
static hs_database_t *som_db(const struct ivet_ruleset *crs, unsigned ri)
{
    struct ivet_ruleset *rs = (struct ivet_ruleset *)crs;     /* the cache is the only mutable part */
    int state = atomic_load_explicit(&rs->som_state[ri], memory_order_acquire);
    if (state)
        return state == 1 ? rs->som[ri] : NULL;
    pthread_mutex_lock(&rs->som_lock);
    if (!atomic_load_explicit(&rs->som_state[ri], memory_order_relaxed)) {
        const struct ivet_rule *r = &rs->rules[ri];
        unsigned *flags = ivet_calloc(r->npatterns + 1, sizeof(*flags));
        unsigned *ids = ivet_calloc(r->npatterns + 1, sizeof(*ids));
        hs_compile_error_t *ce = NULL;
        hs_database_t *db = NULL;
        for (size_t k = 0; flags && k < r->npatterns; k++)
            flags[k] = r->flags | HS_FLAG_SOM_LEFTMOST;
        if (flags && ids && hs_compile_multi((const char *const *)r->patterns, flags, ids, (unsigned)r->npatterns,
                                             HS_MODE_BLOCK, NULL, &db, &ce) != HS_SUCCESS) {
            hs_free_compile_error(ce);
            db = NULL;
        }
        ivet_free(flags);
        ivet_free(ids);
        rs->som[ri] = db;
        atomic_store_explicit(&rs->som_state[ri], db ? 1 : 2, memory_order_release);
    }
    pthread_mutex_unlock(&rs->som_lock);
    return atomic_load_explicit(&rs->som_state[ri], memory_order_acquire) == 1 ? rs->som[ri] : NULL;
}

static bool lit_eq(const uint8_t *a, const char *b, size_t n, bool caseless)
{
    if (!caseless)
        return memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char x = a[i], y = (unsigned char)b[i];
        if (x != y && !((x | 0x20) == (y | 0x20) && (x | 0x20) >= 'a' && (x | 0x20) <= 'z'))
            return false;
    }
    return true;
}

/* Start of the match of rule `ri` ending at the end of buf[0..n), or -1.
 * Rules made only of literals compare them; others re-scan in block mode. */
static long match_start(struct ivet_rules_stream *st, unsigned ri, const uint8_t *buf, size_t n)
{
    const struct ivet_rule *r = &st->rs->rules[ri];
    if (n == 0)
        return -1;
    if (r->nliterals == r->npatterns) {
        size_t best = 0;
        for (size_t k = 0; k < r->nliterals; k++) {
            size_t l = strlen(r->literals[k]);
            if (l > best && l <= n && lit_eq(buf + n - l, r->literals[k], l, r->flags & HS_FLAG_CASELESS))
                best = l;
        }
        return best ? (long)(n - best) : -1;
    }
    hs_database_t *db = som_db(st->rs, ri);
    if (!db || hs_alloc_scratch(db, &st->scratch2) != HS_SUCCESS)
        return -1;
    struct som_ctx c = { .rule = 0, .end = n };
    if (hs_scan(db, (const char *)buf, (unsigned)n, 0, st->scratch2, som_cb, &c) != HS_SUCCESS || !c.found)
        return -1;
    return (long)c.start;
}

/* Evidence: the match on its line with a little context, or for secret
 * rules the context before it and the match masked. buf[0..n) holds the
 * bytes from `ctx` before the match to the end of what is known after it;
 * the match is buf[ms..me). */
static char *make_evidence(const struct ivet_rule *r, const uint8_t *buf, size_t n, size_t ms, size_t me)
{
    while (ms < me && (buf[ms] == '\n' || buf[ms] == '\r'))
        ms++;                   /* a match that begins with its line break */
    size_t cs = ms;
    while (cs > 0 && ms - cs < BEFORE && buf[cs - 1] != '\n')
        cs--;
    struct ivet_buf b;
    ivet_buf_init(&b, 1024);
    struct ivet_err e = IVET_ERR_INIT;
    int rc = ivet_buf_append(&b, buf + cs, ms - cs, &e);
    if (r->keep >= 0) {
        char *red = ivet_redact((const char *)buf + ms, me - ms, (size_t)r->keep);
        rc = red ? (rc < 0 ? rc : ivet_buf_puts(&b, red, &e)) : -IVET_E_NOMEM;
        ivet_free(red);
    } else {
        size_t ml = IVET_MIN(me - ms, (size_t)SHOW_MATCH);
        if (rc == 0)
            rc = ivet_buf_append(&b, buf + ms, ml, &e);
        if (rc == 0 && ml < me - ms)
            rc = ivet_buf_puts(&b, "...", &e);
        size_t k = me;
        while (k < n && k - me < AFTER && buf[k] != '\n')
            k++;
        if (rc == 0)
            rc = ivet_buf_append(&b, buf + me, k - me, &e);
    }
    ivet_err_release(&e);
    char *s = rc == 0 ? ivet_buf_detach(&b) : NULL;
    ivet_buf_release(&b);
    return s;
}

/* Builds the evidence of hit `ri` from the window, once enough bytes after
 * the match have come (or `force`, at the end of the file). */
static int flush_evidence(struct ivet_rules_stream *st, uint32_t ri, bool force, struct ivet_err *err)
{
    struct hitrec *h = &st->hits[ri];
    if (!h->pending)
        return 0;
    uint64_t known = st->chunk_off + st->chunklen;
    uint64_t wstart = st->chunk_off - st->winlen;
    bool losing = known - h->start + BEFORE + SHOW_MATCH > WIN;    /* the window moves on */
    if (!force && !losing && known < h->grow_end + AFTER) {
        uint8_t tail[AFTER];
        size_t t = get_bytes(st, h->grow_end, known, tail);
        if (!memchr(tail, '\n', t))
            return 0;
    }
    uint8_t buf[WIN];
    uint64_t from = h->start > BEFORE ? h->start - BEFORE : 0;
    h->pending = false;
    if (h->start < wstart)
        return 0;               /* keep the provisional evidence */
    if (from < wstart)
        from = wstart;
    uint64_t to = IVET_MIN(known, IVET_MAX(h->grow_end, h->start) + AFTER);
    size_t n = get_bytes(st, from, to, buf);
    size_t ms = (size_t)(IVET_MAX(h->start, from) - from);
    size_t me = (size_t)IVET_MIN(IVET_MAX(h->grow_end, h->start) - from, (uint64_t)n);
    ivet_free(h->evidence);
    h->evidence = make_evidence(&st->rs->rules[ri], buf, n, IVET_MIN(ms, me), me);
    if (!h->evidence)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory for evidence");
    return 0;
}

static int flush_all(struct ivet_rules_stream *st, bool force, struct ivet_err *err)
{
    for (size_t i = 0; i < st->ntouched; i++) {
        int rc = flush_evidence(st, st->touched[i], force, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned fl, void *ctx)
{
    (void)from, (void)fl;
    struct ivet_rules_stream *st = ctx;
    const struct ivet_rule *r = &st->rs->rules[id];
    struct hitrec *h = &st->hits[id];
    if (st->scope[id] == 2 || (r->paths && st->scope[id] != 1))
        return 0;
    if (h->count && to <= h->last_end + 1) {
        if (h->grow_end == h->last_end)
            h->grow_end = to;
        h->last_end = to;       /* the same match growing (x+ reports every end) */
        return 0;
    }
    if (h->count && !r->validator) {
        h->count++;
        h->last_end = to;
        return 0;
    }
    if (r->validator && h->tries >= MAX_VALIDATIONS)
        return 0;
    uint8_t buf[WIN + SHOW_MATCH];
    uint64_t wfrom = to > WIN ? to - WIN : 0;
    size_t n = get_bytes(st, wfrom, to, buf);
    long start = match_start(st, id, buf, n);
    h->last_end = to;
    if (r->validator) {
        h->tries++;
        if (start < 0 || !r->validator->fn(buf + start, n - (size_t)start, r->vparam))
            return 0;
        if (h->count++)
            return 0;
    } else {
        h->count = 1;
    }
    h->first_end = h->grow_end = to;
    h->line = st->binary ? 0 : (uint32_t)IVET_MIN((uint64_t)UINT32_MAX, 1 + nl_before(st, to - 1));
    h->start = start >= 0 ? to - (n - (size_t)start) : (to > 64 ? to - 64 : 0);
    h->pending = true;
    st->touched[st->ntouched++] = id;
    /* Provisional evidence from what is at hand; flush_evidence improves it
     * while the window still holds the start. */
    uint8_t ev[WIN + AFTER];
    uint64_t efrom = IVET_MAX(wfrom, h->start > BEFORE ? h->start - BEFORE : 0);
    size_t en = get_bytes(st, efrom, to + AFTER, ev);
    size_t me = (size_t)IVET_MIN(to - efrom, (uint64_t)en);
    h->evidence = make_evidence(r, ev, en, IVET_MIN((size_t)(h->start - efrom), me), me);
    if (!h->evidence) {
        st->cb_rc = ivet_err_set(st->err, IVET_E_NOMEM, "out of memory for evidence");
        return 1;
    }
    return 0;
}

static void keep_window(struct ivet_rules_stream *st, const uint8_t *p, size_t n)
{
    if (n >= WIN) {
        memcpy(st->win, p + n - WIN, WIN);
        st->winlen = WIN;
    } else {
        size_t keep = IVET_MIN(st->winlen, (size_t)WIN - n);
        memmove(st->win, st->win + st->winlen - keep, keep);
        memcpy(st->win + keep, p, n);
        st->winlen = keep + n;
    }
}

static int scan_chunk(struct ivet_rules_stream *st, hs_stream_t *s, struct ivet_err *err)
{
    if (!s)
        return 0;
    hs_error_t e = hs_scan_stream(s, (const char *)st->chunk, (unsigned)st->chunklen, 0, st->scratch,
                                  on_match, st);
    if (st->cb_rc < 0)
        return st->cb_rc;
    if (e != HS_SUCCESS && e != HS_SCAN_TERMINATED)
        return ivet_err_set(err, IVET_E_INTERNAL, "pattern scan failed (%d)", (int)e);
    return 0;
}

/* Scans the next n bytes of the file (after the probe decided). */
static int feed(struct ivet_rules_stream *st, const uint8_t *b, size_t n, struct ivet_err *err)
{
    if (st->pos >= st->max) {
        st->truncated = st->truncated || n > 0;
        return 0;
    }
    if (n > st->max - st->pos) {
        n = (size_t)(st->max - st->pos);
        st->truncated = true;
    }
    st->err = err;
    while (n > 0) {
        /* Vectorscan takes unsigned lengths: feed at most 1 GiB at a time. */
        size_t k = IVET_MIN(n, (size_t)1 << 30);
        if (st->pos < BINARY_PROBE && memchr(b, 0, (size_t)IVET_MIN((uint64_t)k, BINARY_PROBE - st->pos)))
            st->binary = true;
        if (st->headlen < sizeof(st->head)) {
            size_t h = IVET_MIN(k, sizeof(st->head) - st->headlen);
            memcpy(st->head + st->headlen, b, h);
            st->headlen += h;
        }
        if (st->rs->any_path_only && !st->nonspace)
            for (size_t i = 0; i < k && !st->nonspace; i++)
                st->nonspace = !(b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r');
        st->chunk = b;
        st->chunklen = k;
        st->chunk_off = st->pos;
        int rc = scan_chunk(st, st->s_main, err);
        if (rc == 0)
            rc = scan_chunk(st, st->s_scoped, err);
        if (rc < 0)
            return rc;
        if (!st->binary)
            st->newlines += count_nl(b, k);
        keep_window(st, b, k);
        st->pos += k;
        b += k;
        n -= k;
        st->chunk = NULL;
        st->chunklen = 0;
        st->chunk_off = st->pos;
        if ((rc = flush_all(st, false, err)) < 0)
            return rc;
    }
    return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* Formats whose files get only the `binary = yes` rules: executables,
 * compressed data, fonts, images, message catalogs, databases, bytecode.
 * Not the magic alone: each format's header must check out (ELF identity
 * bytes, the PE signature where e_lfanew points, gzip's method and reserved
 * flags, TZif's zero padding, ...), the kind of structure a script does not
 * have by accident, and the first FORMAT_PROBE bytes must hold a NUL.
 * Formats whose magic is plain text and whose header a shell line can
 * imitate (GIF, RIFF, bzip2, WOFF) are left to the text rules. A file made
 * on purpose to be both a valid binary header and a shell script still
 * passes; when the entrypoint hands it to a shell, CONT-ENTRY-BINARY-SCRIPT
 * says so (ivet_rules_stream_binary_set, docs/internals/rules.md). */
static bool binary_format(const uint8_t *p, size_t n)
{
    if (n < 16 || !memchr(p, 0, n))
        return false;
    if (!memcmp(p, "\x7f" "ELF", 4))                           /* ELF identity */
        return (p[4] == 1 || p[4] == 2) && (p[5] == 1 || p[5] == 2) && p[6] == 1 && all_zero(p + 9, 7);
    if (!memcmp(p, "MZ", 2) && n >= 64) {                       /* PE: "PE\0\0" at e_lfanew */
        uint64_t off = ivet_load_uint(p + 0x3c, 4, false);
        return off >= 64 && off <= n - 4 && !memcmp(p + off, "PE\0\0", 4);
    }
    if (!memcmp(p, "\xcf\xfa\xed\xfe", 4) || !memcmp(p, "\xce\xfa\xed\xfe", 4) ||    /* Mach-O */
        !memcmp(p, "\xca\xfe\xba\xbe", 4))                       /* Java class, universal Mach-O */
        return true;
    if (!memcmp(p, "\0asm\x01\0\0\0", 8))                      /* WebAssembly 1 */
        return true;
    if (!memcmp(p, "!<arch>\n", 8))                             /* ar: the first member's header */
        return n >= 68 && p[66] == '`' && p[67] == '\n';
    if (p[0] == 0x1f && p[1] == 0x8b)                           /* gzip: deflate, no reserved flags */
        return p[2] == 8 && (p[3] & 0xe0) == 0;
    if (!memcmp(p, "\x28\xb5\x2f\xfd", 4) || !memcmp(p, "\xfd" "7zXZ\0", 6))   /* zstd, xz */
        return true;
    if (!memcmp(p, "PK\x03\x04", 4))                             /* zip, jar, wheel */
        return p[4] <= 100 && p[5] == 0;
    if (!memcmp(p, "\x89PNG\r\n\x1a\n", 8) || !memcmp(p, "\xff\xd8\xff", 3))  /* PNG, JPEG */
        return true;
    if (!memcmp(p, "\0\x01\0\0", 4) || !memcmp(p, "OTTO", 4)) {  /* TrueType/OpenType: tables */
        unsigned tables = (unsigned)p[4] << 8 | p[5], range = (unsigned)p[6] << 8 | p[7];
        unsigned pow2 = 1;
        while (pow2 * 2 <= tables)
            pow2 *= 2;
        return tables >= 1 && tables <= 256 && range == pow2 * 16;
    }
    if (!memcmp(p, "\xde\x12\x04\x95", 4) || !memcmp(p, "\x95\x04\x12\xde", 4))   /* gettext .mo */
        return true;
    if (!memcmp(p, "Xcur\x10\0\0\0", 8))                       /* Xcursor, 16-byte header */
        return true;
    if (!memcmp(p, "TZif", 4))                                  /* version, then 15 zero bytes */
        return (p[4] == 0 || (p[4] >= '2' && p[4] <= '4')) && n >= 20 && all_zero(p + 5, 15);
    if (!memcmp(p, "SQLite format 3\0", 16))
        return n >= 20 && (p[18] == 1 || p[18] == 2) && (p[19] == 1 || p[19] == 2);
    if ((p[0] == 0x1a && p[1] == 0x01) || (p[0] == 0x1e && p[1] == 0x02))   /* terminfo */
        return p[3] == 0 && p[5] == 0;
    /* CPython 3 bytecode: magic 3000-3839 little-endian, "\r\n", flags 0-3 */
    return p[1] >= 0x0b && p[1] <= 0x0e && p[2] == '\r' && p[3] == '\n' && p[4] <= 3 && all_zero(p + 5, 3);
}

/* Opens the stream of the rule set the file's first bytes call for. */
static int open_main(struct ivet_rules_stream *st, const uint8_t *head, size_t n, struct ivet_err *err)
{
    const struct ivet_ruleset *rs = st->rs;
    st->decided = true;
    st->bin_set = binary_format(head, IVET_MIN(n, (size_t)FORMAT_PROBE));
    hs_database_t *db = st->bin_set ? rs->db_bin : rs->db_text;
    if (db && hs_open_stream(db, 0, &st->s_main) != HS_SUCCESS) {
        st->active = false;
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory opening a rules stream");
    }
    return 0;
}

/* The probe is complete (or the file ended): decide and scan what it holds. */
static int decide(struct ivet_rules_stream *st, struct ivet_err *err)
{
    int rc = open_main(st, st->probe, st->probelen, err);
    return rc == 0 && st->probelen ? feed(st, st->probe, st->probelen, err) : rc;
}

int ivet_rules_stream_data(struct ivet_rules_stream *st, const void *p, size_t n, struct ivet_err *err)
{
    const uint8_t *b = p;
    if (!st->active)
        return ivet_err_set(err, IVET_E_INTERNAL, "rules stream not begun");
    if (!st->decided && st->probelen == 0 && n >= FORMAT_PROBE) {
        /* the usual case: the first block holds the probe; scanning it in one
         * piece keeps the context after early matches for the evidence */
        int rc = open_main(st, b, n, err);
        return rc < 0 ? rc : feed(st, b, n, err);
    }
    if (!st->decided) {
        size_t k = IVET_MIN(n, sizeof(st->probe) - st->probelen);
        memcpy(st->probe + st->probelen, b, k);
        st->probelen += k;
        b += k;
        n -= k;
        if (st->probelen < sizeof(st->probe))
            return 0;
        int rc = decide(st, err);
        if (rc < 0)
            return rc;
    }
    return n ? feed(st, b, n, err) : 0;
}

static int hit_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Path-only rules: a non-empty file at a matching path is the hit. */
static int path_only_hits(struct ivet_rules_stream *st, struct ivet_err *err)
{
    if (!st->nonspace)
        return 0;
    for (size_t i = 0; i < st->rs->n; i++) {
        if (!st->rs->rules[i].path_only || st->scope[i] != 1)
            continue;
        struct hitrec *h = &st->hits[i];
        size_t k = 0;
        while (k < st->headlen && st->head[k] != '\n')
            k++;
        h->count = 1;
        h->line = st->binary ? 0 : 1;
        h->evidence = ivet_strndup((const char *)st->head, k);
        st->touched[st->ntouched++] = (uint32_t)i;
        if (!h->evidence)
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory for evidence");
    }
    return 0;
}

int ivet_rules_stream_end(struct ivet_rules_stream *st, ivet_rule_hit_fn fn, void *arg,
                          struct ivet_err *err)
{
    if (!st->active)
        return ivet_err_set(err, IVET_E_INTERNAL, "rules stream not begun");
    st->err = err;
    if (!st->decided) {
        int rc = decide(st, err);
        if (rc < 0)
            return rc;
    }
    st->active = false;
    st->chunk = NULL;
    st->chunklen = 0;
    st->chunk_off = st->pos;
    /* Closing flushes matches that end at the end of the data ("x$", "\b"). */
    hs_stream_t *ss[] = { st->s_main, st->s_scoped };
    st->s_main = st->s_scoped = NULL;
    for (size_t i = 0; i < IVET_ARRAY_LEN(ss); i++)
        if (ss[i] && hs_close_stream(ss[i], st->scratch, on_match, st) != HS_SUCCESS && st->cb_rc == 0)
            st->cb_rc = ivet_err_set(err, IVET_E_INTERNAL, "pattern scan failed at end of file");
    if (st->cb_rc < 0)
        return st->cb_rc;
    int rc = flush_all(st, true, err);
    if (rc == 0)
        rc = path_only_hits(st, err);
    if (rc < 0)
        return rc;
    qsort(st->touched, st->ntouched, sizeof(*st->touched), hit_cmp);
    for (size_t i = 0; i < st->ntouched && rc == 0; i++) {
        const struct hitrec *h = &st->hits[st->touched[i]];
        struct ivet_rule_hit hit = {
            .rule = &st->rs->rules[st->touched[i]],
            .offset = h->first_end,
            .line = st->binary ? 0 : h->line,
            .count = h->count,
            .evidence = h->evidence,
            .truncated = st->truncated,
        };
        rc = fn(arg, &hit, err);
    }
    return rc;
}

uint64_t ivet_rules_stream_bytes(const struct ivet_rules_stream *st)
{
    return st->pos;
}

bool ivet_rules_stream_truncated(const struct ivet_rules_stream *st)
{
    return st->truncated;
}

bool ivet_rules_stream_binary_set(const struct ivet_rules_stream *st)
{
    return st->bin_set;
}

int ivet_rules_scan_buffer(const struct ivet_ruleset *rs, const char *path, const void *buf,
                           size_t len, uint64_t max_bytes, ivet_rule_hit_fn fn, void *arg,
                           struct ivet_err *err)
{
    struct ivet_rules_stream *st = ivet_rules_stream_new(rs, err);
    if (!st)
        return -(int)err->code;
    int rc = ivet_rules_stream_begin(st, path, max_bytes, err);
    if (rc == 0)
        rc = ivet_rules_stream_data(st, buf, len, err);
    if (rc == 0)
        rc = ivet_rules_stream_end(st, fn, arg, err);
    ivet_rules_stream_free(st);
    return rc;
}
