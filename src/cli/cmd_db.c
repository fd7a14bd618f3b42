/* cmd_db.c: `imagevet db update | import FILE|DIR | status`: argument
 * handling for the vulnerability database. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "imagevet/vulndb.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: imagevet db [--vulndb PATH] update [options]\n"
            "       imagevet db [--vulndb PATH] import FILE|DIR...\n"
            "       imagevet db [--vulndb PATH] status\n"
            "\n"
            "  --vulndb PATH          database file (default vulndb.sqlite in the cache directory)\n"
            "  --cache-dir DIR        the cache directory, as for scan (default $XDG_CACHE_HOME/imagevet\n"
            "                         or ~/.cache/imagevet)\n"
            "update options:\n"
            "  --osv-base URL         OSV dumps: URL/<Ecosystem>/all.zip\n"
            "  --osv-ecosystems LIST  comma-separated (default PyPI,npm,Go,Maven,crates.io; '' = none)\n"
            "  --alpine-base URL      Alpine secdb: URL/<release>/<repo>.json\n"
            "  --alpine-releases LIST comma-separated (default v3.18..v3.22; '' = none)\n"
            "  --alpine-repos LIST    comma-separated (default main,community)\n"
            "  --debian-url URL       Debian security tracker JSON ('' = skip)\n"
            "  --ca-file FILE         extra CA bundle for TLS\n"
            "  --allow-http           accept plain http:// URLs (local mirrors, tests)\n"
            "  --timeout SECONDS      per download (default 600)\n");
}

#define MAX_LIST 64

/* Splits a comma list into v (NULL-terminated; the strings point into s). */
static const char **split(char *s, const char **v)
{
    size_t i = 0;
    char *save = NULL;
    for (char *t = strtok_r(s, ",", &save); t && i < MAX_LIST; t = strtok_r(NULL, ",", &save))
        v[i++] = t;
    v[i] = NULL;
    return v;
}

static int fail(struct ivet_err *err)
{
    fprintf(stderr, "imagevet: %s\n", ivet_err_msg(err));
    int st = ivet_err_exit_status(err->code);
    ivet_err_release(err);
    return st;
}

static const char *age_text(int64_t t, char *buf, size_t n)
{
    int64_t age = (int64_t)time(NULL) - t;
    if (age < 0)
        age = 0;
    if (age < 3600)
        snprintf(buf, n, "%lldm", (long long)(age / 60));
    else if (age < 172800)
        snprintf(buf, n, "%lldh", (long long)(age / 3600));
    else
        snprintf(buf, n, "%lldd", (long long)(age / 86400));
    return buf;
}

static int status(struct ivet_vulndb *db)
{
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_vulndb_source *v = NULL;
    size_t n = 0;
    int64_t adv, aff, newest;
    if (ivet_vulndb_sources(db, &v, &n, &err) < 0 ||
        ivet_vulndb_counts(db, &adv, &aff, &newest, &err) < 0)
        return fail(&err);
    printf("database: %s\n", ivet_vulndb_path(db));
    printf("advisories: %lld, affected-package rows: %lld\n", (long long)adv, (long long)aff);
    if (n == 0)
        printf("no sources imported yet (run imagevet db update or db import)\n");
    else
        printf("%-34s %10s %8s  %s\n", "SOURCE", "RECORDS", "AGE", "URL");
    for (size_t i = 0; i < n; i++) {
        char age[32];
        printf("%-34s %10lld %8s  ", v[i].name, (long long)v[i].records,
               age_text(v[i].updated_at, age, sizeof(age)));
        printf("%s\n", v[i].url ? v[i].url : "-");
    }
    ivet_vulndb_sources_free(v, n);
    return 0;
}

int cmd_db(int argc, char **argv)
{
    static const struct option opts[] = {
        { "vulndb", required_argument, NULL, 'd' },
        { "cache-dir", required_argument, NULL, 'C' },
        { "osv-base", required_argument, NULL, 'o' },
        { "osv-ecosystems", required_argument, NULL, 'e' },
        { "alpine-base", required_argument, NULL, 'a' },
        { "alpine-releases", required_argument, NULL, 'r' },
        { "alpine-repos", required_argument, NULL, 'p' },
        { "debian-url", required_argument, NULL, 'D' },
        { "ca-file", required_argument, NULL, 'c' },
        { "allow-http", no_argument, NULL, 'H' },
        { "timeout", required_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct ivet_vulndb_update_opts uo;
    const char *path = NULL, *cache_dir = NULL;
    char *cache_path = NULL;
    /* libarchive converts every zip member's DOS time with mktime(); with TZ
     * unset glibc re-reads /etc/localtime each time (two stats per record). */
    setenv("TZ", ":/etc/localtime", 0);
    static const char *ecos[MAX_LIST + 1], *rels[MAX_LIST + 1], *repos[MAX_LIST + 1];
    int c, ret = 2;
    ivet_vulndb_update_opts_init(&uo);
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': path = optarg; break;
        case 'C': cache_dir = optarg; break;
        case 'o': uo.osv_base = optarg; break;
        case 'e': uo.osv_ecosystems = split(optarg, ecos); break;
        case 'a': uo.alpine_base = optarg; break;
        case 'r': uo.alpine_releases = split(optarg, rels); break;
        case 'p': uo.alpine_repos = split(optarg, repos); break;
        case 'D': uo.debian_url = *optarg ? optarg : NULL; break;
        case 'c': uo.ca_file = optarg; break;
        case 'H': uo.insecure_http = true; break;
        case 't': uo.timeout = strtol(optarg, NULL, 10); break;
        case 'h': usage(stdout); ret = 0; goto out;
        default: usage(stderr); goto out;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        goto out;
    }
    const char *sub = argv[optind++];
    bool write = strcmp(sub, "status") != 0;
    if (strcmp(sub, "update") && strcmp(sub, "import") && strcmp(sub, "status")) {
        fprintf(stderr, "imagevet: unknown db command '%s'\n", sub);
        usage(stderr);
        goto out;
    }
    if (!strcmp(sub, "import") && optind >= argc) {
        fprintf(stderr, "imagevet: db import needs a FILE or DIR\n");
        goto out;
    }
    struct ivet_err err = IVET_ERR_INIT;
    if (!path && cache_dir && *cache_dir) {
        /* the same file `scan --cache-dir DIR` reads */
        if (!(path = cache_path = ivet_vulndb_default_path(cache_dir, &err))) {
            fprintf(stderr, "imagevet: %s\n", ivet_err_msg(&err));
            ivet_err_release(&err);
            goto out;
        }
    }
    struct ivet_vulndb *db = ivet_vulndb_open(path, write ? IVET_VULNDB_WRITE : IVET_VULNDB_READ,
                                              &err);
    if (!db) {
        ret = fail(&err);
        goto out;
    }
    struct ivet_vulndb_stats st = { 0 };
    if (!strcmp(sub, "status")) {
        ret = status(db);
    } else if (!strcmp(sub, "import")) {
        ret = 0;
        for (int i = optind; i < argc && ret == 0; i++)
            if (ivet_vulndb_import(db, argv[i], stderr, &st, &err) < 0)
                ret = fail(&err);
        if (ret == 0)
            printf("imported %llu records (%llu affected-package rows, %llu skipped) in %.2fs"
                   " (%.0f records/s)\n",
                   (unsigned long long)st.records, (unsigned long long)st.affected,
                   (unsigned long long)st.skipped, st.seconds,
                   st.seconds > 0 ? (double)st.records / st.seconds : 0.0);
    } else {
        ret = ivet_vulndb_update(db, &uo, stderr, &st, &err) < 0 ? fail(&err) : 0;
        if (ret == 0)
            printf("updated: %llu records imported in %.1fs\n", (unsigned long long)st.records,
                   st.seconds);
    }
    ivet_vulndb_close(db);
out:
    free(cache_path);                   /* a fresh string from the library (malloc) */
    return ret;
}
