/* bench_rules.c: content rules engine throughput. Loads the files named on
 * stdin (one path per line) into memory up to a byte budget, then streams
 * each through the compiled rules in 128 KiB chunks, as the layer pass does,
 * and through a no-op consumer for comparison. Prints one line per run.
 * Built and driven by bench/content.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "analyze/rules.h"

struct file {
    char *path;
    uint8_t *data;
    size_t len;
};

static const char *cur_path;
static bool verbose;

static int on_hit(void *arg, const struct ivet_rule_hit *h, struct ivet_err *err)
{
    (void)err;
    (*(size_t *)arg)++;
    if (verbose)
        printf("  hit %s %s %s:%u\n", ivet_severity_name(h->rule->check.severity), h->rule->check.id, cur_path,
               h->line);
    return 0;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double run(struct file *f, size_t n, struct ivet_rules_stream *st, size_t *hits, double *cpu)
{
    struct ivet_err err = IVET_ERR_INIT;
    double t0 = ivet_now(), c0 = cpu_now();
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < n; i++) {
        cur_path = f[i].path;
        if (st && ivet_rules_stream_begin(st, f[i].path, 64u << 20, &err) < 0)
            goto fail;
        for (size_t o = 0; o < f[i].len; o += 128 * 1024) {
            size_t k = f[i].len - o < 128 * 1024 ? f[i].len - o : 128 * 1024;
            if (st) {
                if (ivet_rules_stream_data(st, f[i].data + o, k, &err) < 0)
                    goto fail;
            } else {
                sink ^= f[i].data[o];   /* touch the chunk, nothing else */
            }
        }
        if (st && ivet_rules_stream_end(st, on_hit, hits, &err) < 0)
            goto fail;
    }
    (void)sink;
    *cpu = cpu_now() - c0;
    return ivet_now() - t0;
fail:
    fprintf(stderr, "bench: %s\n", ivet_err_msg(&err));
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_rules RULES_DIR MAX_BYTES < paths\n");
        return 2;
    }
    size_t budget = strtoull(argv[2], NULL, 10), total = 0, n = 0, cap = 0;
    struct file *f = NULL;
    char line[4096];
    while (total < budget && fgets(line, sizeof(line), stdin)) {
        line[strcspn(line, "\n")] = 0;
        struct stat sb;
        if (lstat(line, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > (64 << 20))
            continue;
        FILE *fp = fopen(line, "rb");
        if (!fp)
            continue;
        uint8_t *d = malloc((size_t)sb.st_size + 1);
        size_t got = d ? fread(d, 1, (size_t)sb.st_size, fp) : 0;
        fclose(fp);
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            f = realloc(f, cap * sizeof(*f));
        }
        f[n++] = (struct file){ strdup(line), d, got };
        total += got;
    }
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_ruleset *rs;
    double t0 = ivet_now(), c0 = cpu_now();
    if (ivet_rules_load(argv[1], NULL, &rs, &err) < 0) {
        fprintf(stderr, "bench: %s\n", ivet_err_msg(&err));
        return 2;
    }
    double tc = ivet_now() - t0, cc = cpu_now() - c0;
    struct ivet_rules_stream *st = ivet_rules_stream_new(rs, &err);
    size_t patterns = 0;
    for (size_t i = 0; i < ivet_rules_count(rs); i++)
        patterns += ivet_rules_at(rs, i)->npatterns;
    printf("files %zu, bytes %zu, rules %zu, patterns %zu, compile %.2f s wall, %.2f s CPU\n", n, total,
           ivet_rules_count(rs), patterns, tc, cc);
    for (int rep = 0; rep < 3; rep++) {
        size_t hits = 0;
        double cn, cr;
        verbose = rep == 0;
        double tn = run(f, n, NULL, &hits, &cn);
        double tr = run(f, n, st, &hits, &cr);
        printf("rep %d: no-op %.3f s; rules %.3f s wall (%.0f MB/s), %.3f s CPU (%.0f MB/s per CPU second); hits %zu\n",
               rep, tn, tr, total / tr / 1e6, cr, total / cr / 1e6, hits);
    }
    ivet_rules_stream_free(st);
    ivet_rules_free(rs);
    return 0;
}
