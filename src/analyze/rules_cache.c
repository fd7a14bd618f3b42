/* rules_cache.c: compiled pattern databases kept on disk between runs.
 * Compiling the full rule set costs seconds of CPU, more than scanning a
 * small image; the serialized database of the same expressions, flags and
 * ids on the same Vectorscan version and CPU is reused instead. The cache is
 * best effort: any problem reading or writing it falls back to compiling,
 * and a failed compile is never cached. Disabled by IMAGEVET_NO_RULE_CACHE. */
#include "analyze/rules_int.h"

#include <errno.h>
#include <fcntl.h>
#include <hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_CACHED_DB (256u << 20)

/* <cache>/rules, created on first use; NULL (no caching) when disabled or
 * when there is no cache directory. */
static char *cache_dir(const char *base)
{
    if (getenv("IMAGEVET_NO_RULE_CACHE"))
        return NULL;
    struct ivet_err e = IVET_ERR_INIT;
    char *dir = ivet_cache_path(base, "rules", &e);
    if (dir && ivet_mkdir_p(dir, 0700, &e) < 0) {
        ivet_free(dir);
        dir = NULL;
    }
    ivet_err_release(&e);
    return dir;
}

/* The key: everything the compiled database depends on. */
static void cache_key(const char *const *ex, const unsigned *flags, const unsigned *ids, unsigned n,
                      unsigned mode, struct ivet_digest *out)
{
    struct ivet_err e = IVET_ERR_INIT;
    struct ivet_sha256 *h = ivet_sha256_new(&e);
    ivet_err_release(&e);
    if (!h) {
        memset(out, 0, sizeof(*out));
        return;
    }
    hs_platform_info_t plat;
    memset(&plat, 0, sizeof(plat));
    hs_populate_platform(&plat);
    const char *ver = hs_version();
    ivet_sha256_update(h, "imagevet-rules-cache-v1", 24);
    ivet_sha256_update(h, ver, strlen(ver) + 1);
    ivet_sha256_update(h, &plat, sizeof(plat));
    ivet_sha256_update(h, &mode, sizeof(mode));
    ivet_sha256_update(h, &n, sizeof(n));
    for (unsigned i = 0; i < n; i++) {
        ivet_sha256_update(h, &flags[i], sizeof(flags[i]));
        ivet_sha256_update(h, &ids[i], sizeof(ids[i]));
        ivet_sha256_update(h, ex[i], strlen(ex[i]) + 1);
    }
    ivet_sha256_final(h, out);
    ivet_sha256_free(h);
}

static hs_database_t *cache_read(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return NULL;
    struct stat st;
    hs_database_t *db = NULL;
    char *buf = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 || (uint64_t)st.st_size > MAX_CACHED_DB)
        goto out;
    if (!(buf = ivet_malloc((size_t)st.st_size)))
        goto out;
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r <= 0)
            goto out;
        got += (size_t)r;
    }
    if (hs_deserialize_database(buf, got, &db) != HS_SUCCESS)
        db = NULL;
out:
    ivet_free(buf);
    close(fd);
    return db;
}

static void cache_write(const char *path, const hs_database_t *db)
{
    char *bytes = NULL;
    size_t len = 0;
    if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
        return;
    char *tmp = ivet_asprintf("%s.%ld.tmp", path, (long)getpid());
    int fd = tmp ? open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600) : -1;
    bool ok = fd >= 0;
    for (size_t off = 0; ok && off < len;) {
        ssize_t w = write(fd, bytes + off, len - off);
        ok = w > 0;
        off += ok ? (size_t)w : 0;
    }
    if (fd >= 0 && close(fd) != 0)
        ok = false;
    if (tmp && (!ok || rename(tmp, path) != 0))
        unlink(tmp);
    ivet_free(tmp);
    free(bytes);                /* allocated by Vectorscan's allocator (malloc) */
}

int ivet_rules_compile_cached(const char *cache, const char *const *ex, const unsigned *flags,
                              const unsigned *ids, unsigned n, unsigned mode, hs_database_t **db,
                              hs_compile_error_t **ce)
{
    char *dir = cache_dir(cache);
    char *path = NULL;
    if (dir) {
        struct ivet_digest key;
        cache_key(ex, flags, ids, n, mode, &key);
        if (key.text[0])
            path = ivet_asprintf("%s/%s.hsdb", dir, ivet_digest_hex(&key));
        ivet_free(dir);
    }
    if (path && (*db = cache_read(path))) {
        ivet_free(path);
        return HS_SUCCESS;
    }
    hs_error_t r = hs_compile_multi(ex, flags, ids, n, mode, NULL, db, ce);
    if (r == HS_SUCCESS && path)
        cache_write(path, *db);
    ivet_free(path);
    return r;
}
