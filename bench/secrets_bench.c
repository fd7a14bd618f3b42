/* secrets_bench.c: what the secret catalog costs: the time to compile
 * data/rules/secrets.rules into the engine's databases, and the scan
 * throughput over every regular file of a tar(.gz) (read into memory first,
 * so only the scan is timed). Built and run by bench/secrets-accuracy.sh.
 *
 *   secrets_bench RULES_FILE TARBALL [REPEAT]
 *
 * Prints "key value" lines. */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/rules.h"

struct file {
    char *path;
    char *data;
    size_t len;
};

static int count_hit(void *arg, const struct ivet_rule_hit *h, struct ivet_err *err)
{
    (void)h, (void)err;
    (*(size_t *)arg)++;
    return 0;
}

static struct file *read_tar(const char *path, size_t *nfiles, size_t *bytes)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    struct file *v = NULL;
    size_t n = 0;
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK) {
        fprintf(stderr, "secrets_bench: cannot open '%s': %s\n", path, archive_error_string(a));
        exit(2);
    }
    *bytes = 0;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        if (archive_entry_filetype(e) != AE_IFREG)
            continue;
        size_t len = (size_t)archive_entry_size(e);
        struct file f = { .path = NULL, .data = malloc(len + 1), .len = 0 };
        const char *name = archive_entry_pathname(e);
        size_t plen = strlen(name) + 2;
        f.path = malloc(plen);
        if (!f.data || !f.path)
            exit(2);
        snprintf(f.path, plen, "/%s", strncmp(name, "./", 2) == 0 ? name + 2 : name);
        la_ssize_t r;
        while (f.len < len && (r = archive_read_data(a, f.data + f.len, len - f.len)) > 0)
            f.len += (size_t)r;
        v = realloc(v, (n + 1) * sizeof(*v));
        if (!v)
            exit(2);
        v[n++] = f;
        *bytes += f.len;
    }
    archive_read_free(a);
    *nfiles = n;
    return v;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: secrets_bench RULES_FILE TARBALL [REPEAT]\n");
        return 2;
    }
    int repeat = argc > 3 ? atoi(argv[3]) : 3;
    struct ivet_err err = IVET_ERR_INIT;
    FILE *fp = fopen(argv[1], "rb");
    if (!fp) {
        fprintf(stderr, "secrets_bench: cannot open '%s'\n", argv[1]);
        return 2;
    }
    static char text[1 << 20];
    size_t tlen = fread(text, 1, sizeof(text), fp);
    fclose(fp);

    double t0 = ivet_now();
    struct ivet_ruleset *rs = ivet_rules_new(&err);
    if (!rs || ivet_rules_parse(rs, text, tlen, argv[1], NULL, &err) < 0 || ivet_rules_compile(rs, &err) < 0) {
        fprintf(stderr, "secrets_bench: %s\n", err.msg);
        return 2;
    }
    double compile = ivet_now() - t0;

    size_t nfiles = 0, bytes = 0, hits = 0;
    struct file *files = read_tar(argv[2], &nfiles, &bytes);
    double best = 0;
    for (int k = 0; k < repeat; k++) {
        hits = 0;
        double t = ivet_now();
        for (size_t i = 0; i < nfiles; i++)
            if (ivet_rules_scan_buffer(rs, files[i].path, files[i].data, files[i].len, 0, count_hit, &hits,
                                       &err) < 0) {
                fprintf(stderr, "secrets_bench: %s\n", err.msg);
                return 2;
            }
        double dt = ivet_now() - t;
        if (k == 0 || dt < best)
            best = dt;
    }
    printf("rules %zu\n", ivet_rules_count(rs));
    printf("compile_seconds %.2f\n", compile);
    printf("files %zu\n", nfiles);
    printf("bytes %zu\n", bytes);
    printf("hits %zu\n", hits);
    printf("scan_seconds_best_of_%d %.3f\n", repeat, best);
    printf("scan_mb_per_s %.1f\n", best > 0 ? (double)bytes / 1e6 / best : 0.0);
    for (size_t i = 0; i < nfiles; i++) {
        free(files[i].path);
        free(files[i].data);
    }
    free(files);
    ivet_rules_free(rs);
    return 0;
}
