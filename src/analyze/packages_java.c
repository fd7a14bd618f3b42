/* packages_java.c: Maven coordinates of JARs: META-INF/maven/<g>/<a>/
 * pom.properties inside the archive, and inside the JARs it contains (one
 * level, as Spring Boot's BOOT-INF/lib/ does). The JAR is read from memory
 * with libarchive: through its central directory when it is whole, with the
 * streaming reader when it was cut at the capture cap (the members before
 * the cut still count). */
#include "analyze/packages.h"

#include <archive.h>
#include <archive_entry.h>
#include <string.h>

#define JAR_MAX_MEMBER (16u * 1024u * 1024u)    /* a nested JAR read into memory */
#define JAR_MAX_PROPS (64u * 1024u)
#define JAR_MAX_ENTRIES 200000ul                /* members looked at per archive */

int ivet_pom_properties_parse(struct ivet_bytes b, const struct ivet_pkgctx *c, struct ivet_err *err)
{
    char *g = NULL, *a = NULL, *v = NULL, *name = NULL, *purl = NULL;
    size_t pos = 0, n;
    const char *line;
    int ret = 0;
    while (ivet_text_line(b, &pos, &line, &n)) {
        if (!n || line[0] == '#' || line[0] == '!')
            continue;
        const char *eq = memchr(line, '=', n);
        if (!eq)
            continue;
        size_t kl = (size_t)(eq - line);
        char **dst = NULL;
        if (kl == 7 && !memcmp(line, "groupId", 7))
            dst = &g;
        else if (kl == 10 && !memcmp(line, "artifactId", 10))
            dst = &a;
        else if (kl == 7 && !memcmp(line, "version", 7))
            dst = &v;
        if (!dst || *dst)
            continue;
        if (!(*dst = ivet_text_trimdup(eq + 1, n - kl - 1)))
            goto nomem;
    }
    if (!g || !a || !v || !*g || !*a || !*v)
        goto out;
    if (!(name = ivet_asprintf("%s:%s", g, a)) || !(purl = ivet_purl("maven", g, a, v, NULL, 0)))
        goto nomem;
    struct ivet_package p = { .type = "maven", .name = name, .version = v, .purl = purl };
    ret = ivet_pkg_emit(c, &p, err);
    ret = ret < 0 ? ret : 1;
    goto out;
nomem:
    ret = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
out:
    ivet_free(g);
    ivet_free(a);
    ivet_free(v);
    ivet_free(name);
    ivet_free(purl);
    return ret;
}

static bool is_pom_properties(const char *p)
{
    return ivet_startswith(p, "META-INF/maven/") && ivet_endswith(p, "/pom.properties");
}

bool ivet_jar_path(const char *p)
{
    return ivet_endswith(p, ".jar") || ivet_endswith(p, ".war") || ivet_endswith(p, ".ear");
}

/* Reads the current member into a fresh buffer of at most max bytes; NULL
 * when it is larger or unreadable. */
static char *read_member(struct archive *ar, size_t max, size_t *len)
{
    struct ivet_buf b;
    char chunk[16384];
    ivet_buf_init(&b, max);
    struct ivet_err e = IVET_ERR_INIT;
    la_ssize_t r;
    while ((r = archive_read_data(ar, chunk, sizeof(chunk))) > 0)
        if (ivet_buf_append(&b, chunk, (size_t)r, &e) < 0)
            break;
    char *out = NULL;
    if (r == 0 && e.code == IVET_OK) {
        *len = b.len;
        out = ivet_buf_detach(&b);
    }
    ivet_buf_release(&b);
    ivet_err_release(&e);
    return out;
}

/* A whole JAR is read through its central directory (the seekable reader),
 * so members nobody wants are skipped by their compressed size, never
 * inflated. Only a JAR cut at the capture cap, which has no central
 * directory, falls back to the streaming reader. */
static struct archive *jar_open(struct ivet_bytes b, bool seekable)
{
    struct archive *ar = archive_read_new();
    if (!ar)
        return NULL;
    if (seekable)
        archive_read_support_format_zip_seekable(ar);
    else
        archive_read_support_format_zip_streamable(ar);
    if (archive_read_open_memory(ar, b.ptr, b.len) != ARCHIVE_OK) {
        archive_read_free(ar);
        return NULL;
    }
    return ar;
}

static int jar_walk(struct ivet_bytes b, int depth, const struct ivet_pkgctx *c, struct ivet_err *err)
{
    struct archive *ar = jar_open(b, true);
    if (!ar)
        ar = jar_open(b, false);
    if (!ar)
        return 0;                       /* not a zip we can read: no packages */
    int count = 0;
    unsigned long entries = 0;
    struct archive_entry *ae;
    int r;
    while (((r = archive_read_next_header(ar, &ae)) == ARCHIVE_OK || r == ARCHIVE_WARN) &&
           ++entries <= JAR_MAX_ENTRIES) {
        const char *p = archive_entry_pathname(ae);
        if (!p || archive_entry_filetype(ae) != AE_IFREG)
            continue;
        bool props = is_pom_properties(p);
        bool nested = depth == 0 && ivet_jar_path(p);
        if (!props && !nested)
            continue;
        size_t len = 0;
        char *data = read_member(ar, props ? JAR_MAX_PROPS : JAR_MAX_MEMBER, &len);
        if (!data)
            continue;
        int k = props ? ivet_pom_properties_parse(ivet_bytes_make(data, len), c, err)
                      : jar_walk(ivet_bytes_make(data, len), depth + 1, c, err);
        ivet_free(data);
        if (k < 0) {
            count = k;
            goto out;
        }
        count += k;
    }
out:
    archive_read_free(ar);
    return count;
}

int ivet_jar_parse(struct ivet_bytes b, const struct ivet_pkgctx *c, struct ivet_err *err)
{
    return jar_walk(b, 0, c, err);
}
