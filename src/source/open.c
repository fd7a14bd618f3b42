/* open.c: from the IMAGE argument to a source. The argument is split by a
 * pure parser (fuzzed); a transport table maps each transport to its
 * constructor; a bare path is identified by its content, cheapest test
 * first; anything else is a registry name. */
#include "source/source_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_ARG 4096

const char *ivet_src_shown(const char *s, char *buf, size_t n)
{
    size_t i = 0, w = 0;
    if (!s)
        s = "(none)";
    for (; s[i] && w + 1 < n; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[w++] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
    }
    if (s[i] && n > 4)
        memcpy(buf + n - 4, "...", 3), w = n - 1;
    buf[w] = 0;
    return buf;
}

const char *ivet_transport_name(enum ivet_transport t)
{
    switch (t) {
    case IVET_TRANSPORT_DOCKER_ARCHIVE: return "docker-archive";
    case IVET_TRANSPORT_OCI: return "oci";
    case IVET_TRANSPORT_OCI_ARCHIVE: return "oci-archive";
    case IVET_TRANSPORT_DOCKER: return "docker";
    case IVET_TRANSPORT_DOCKER_DAEMON: return "docker-daemon";
    case IVET_TRANSPORT_BARE: break;
    }
    return "path-or-name";
}

void ivet_image_arg_release(struct ivet_image_arg *a)
{
    if (!a)
        return;
    ivet_free(a->location);
    ivet_free(a->ref);
    a->location = a->ref = NULL;
    a->index = -1;
}

static const struct {
    const char *prefix;
    enum ivet_transport t;
    bool has_path;              /* PATH[:REF] rather than a reference */
} prefixes[] = {
    { "docker-archive:", IVET_TRANSPORT_DOCKER_ARCHIVE, true },
    { "oci-archive:", IVET_TRANSPORT_OCI_ARCHIVE, true },
    { "oci:", IVET_TRANSPORT_OCI, true },
    { "docker://", IVET_TRANSPORT_DOCKER, false },
    { "docker-daemon:", IVET_TRANSPORT_DOCKER_DAEMON, false },
};

/* skopeo transports we do not read */
static const char *const unsupported[] = { "dir:", "containers-storage:", "ostree:", "sif:", "tarball:" };

/* ":REF" or ":@N" after a path */
static int parse_ref(const char *r, struct ivet_image_arg *a, struct ivet_err *err)
{
    char sh[96];
    if (!*r)
        return ivet_err_set(err, IVET_E_USAGE, "empty tag after ':' in the image argument");
    if (r[0] == '@') {
        uint64_t v;
        if (!ivet_parse_u64(r + 1, &v) || v > 1000000)
            return ivet_err_set(err, IVET_E_USAGE, "'%s' is not a source index (@N)", ivet_src_shown(r, sh, sizeof(sh)));
        a->index = (long)v;
        return 0;
    }
    if (!(a->ref = ivet_strdup(r)))
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    return 0;
}

int ivet_image_arg_parse(const char *s, struct ivet_image_arg *a, struct ivet_err *err)
{
    char sh[96];
    memset(a, 0, sizeof(*a));
    a->index = -1;
    if (!s || !*s)
        return ivet_err_set(err, IVET_E_USAGE, "no image given");
    size_t n = strnlen(s, MAX_ARG + 1);
    if (n > MAX_ARG)
        return ivet_err_set(err, IVET_E_USAGE, "the image argument is longer than %d bytes", MAX_ARG);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return ivet_err_set(err, IVET_E_USAGE, "the image argument has a control character");
    for (size_t i = 0; i < IVET_ARRAY_LEN(unsupported); i++)
        if (ivet_startswith(s, unsupported[i]))
            return ivet_err_set(err, IVET_E_UNSUPPORTED,
                                "the '%.*s' transport is not supported (use docker-archive:, oci:, oci-archive:, "
                                "docker:// or docker-daemon:)", (int)strlen(unsupported[i]) - 1, unsupported[i]);
    const char *rest = s;
    bool has_path = true;
    a->transport = IVET_TRANSPORT_BARE;
    for (size_t i = 0; i < IVET_ARRAY_LEN(prefixes); i++) {
        if (ivet_startswith(s, prefixes[i].prefix)) {
            a->transport = prefixes[i].t;
            has_path = prefixes[i].has_path;
            rest = s + strlen(prefixes[i].prefix);
            break;
        }
    }
    if (!*rest)
        return ivet_err_set(err, IVET_E_USAGE, "'%s' names no %s", ivet_src_shown(s, sh, sizeof(sh)),
                            has_path ? "path" : "image");
    const char *colon = (a->transport != IVET_TRANSPORT_BARE && has_path) ? strchr(rest, ':') : NULL;
    size_t loclen = colon ? (size_t)(colon - rest) : strlen(rest);
    if (loclen == 0)
        return ivet_err_set(err, IVET_E_USAGE, "'%s' names no path", ivet_src_shown(s, sh, sizeof(sh)));
    if (!(a->location = ivet_strndup(rest, loclen)))
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    if (colon && parse_ref(colon + 1, a, err) < 0) {
        ivet_image_arg_release(a);
        return -err->code;
    }
    return 0;
}

bool ivet_src_name_matches(const char *have, const char *want)
{
    if (strcmp(have, want) == 0)
        return true;
    /* skopeo and containerd write "docker.io/fixture/x:t", docker "fixture/x:t" */
    static const char *const pre[] = { "docker.io/library/", "docker.io/", "library/" };
    for (size_t i = 0; i < IVET_ARRAY_LEN(pre); i++) {
        if (ivet_startswith(have, pre[i]) && strcmp(have + strlen(pre[i]), want) == 0)
            return true;
        if (ivet_startswith(want, pre[i]) && strcmp(want + strlen(pre[i]), have) == 0)
            return true;
    }
    return false;
}

int ivet_image_set_reference(struct ivet_image *img, const struct ivet_source *src, const char *fallback,
                             struct ivet_err *err)
{
    if (img->reference)
        return 0;
    const char *r = src->reference ? src->reference : fallback;
    if (r && !(img->reference = ivet_strdup(r)))
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    return 0;
}

/* ---- bare paths: identified by content, cheapest test first */

static struct ivet_source *bid_dir(const struct ivet_image_arg *a, const struct ivet_source_opts *o,
                                   struct ivet_err *err)
{
    char sh[200], p[MAX_ARG + 32];
    struct stat st;
    snprintf(p, sizeof(p), "%s/oci-layout", a->location);
    if (lstat(p, &st) == 0)
        return ivet_source_open_oci(a, o, err);
    snprintf(p, sizeof(p), "%s/manifest.json", a->location);
    bool unpacked = lstat(p, &st) == 0;
    ivet_err_set(err, IVET_E_FORMAT, "directory '%s' is not an OCI image layout (no oci-layout file)%s",
                 ivet_src_shown(a->location, sh, sizeof(sh)),
                 unpacked ? "; it looks like an unpacked docker save: pack it with tar and use docker-archive:" : "");
    return NULL;
}

static struct ivet_source *bid_file(const struct ivet_image_arg *a, const struct ivet_source_opts *o,
                                    struct ivet_err *err)
{
    char sh[200];
    uint8_t head[512];
    const char *shown = ivet_src_shown(a->location, sh, sizeof(sh));
    int fd = open(a->location, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        ivet_err_sys(err, IVET_E_IO, "cannot open '%s'", shown);
        return NULL;
    }
    ssize_t n = pread(fd, head, sizeof(head), 0);
    if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b) {
        close(fd);
        ivet_err_set(err, IVET_E_UNSUPPORTED, "'%s' is gzip-compressed: decompress it first (archives are read in place)",
                     shown);
        return NULL;
    }
    if (n >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd) {
        close(fd);
        ivet_err_set(err, IVET_E_UNSUPPORTED, "'%s' is zstd-compressed: decompress it first (archives are read in place)",
                     shown);
        return NULL;
    }
    if (n < (ssize_t)sizeof(head) || !ivet_tar_header_ok(head, sizeof(head))) {
        close(fd);
        ivet_err_set(err, IVET_E_FORMAT, "'%s' is not a tar archive, an OCI layout directory or an image name", shown);
        return NULL;
    }
    struct ivet_tar_index_limits tl = ivet_tar_index_limits_from(o);
    struct ivet_tar_index *t = ivet_tar_index_new(fd, a->location, &tl, err);
    if (!t)
        return NULL;
    /* manifest.json first: Docker >= 25 writes it next to an OCI layout, and
     * the docker-archive source reads that layout itself */
    if (ivet_tar_index_peek(t, "manifest.json"))
        return ivet_docker_archive_from_index(t, a, o, err);
    if (ivet_tar_index_peek(t, "oci-layout") || ivet_tar_index_peek(t, "index.json"))
        return ivet_oci_archive_from_index(t, a, o, err);
    struct ivet_buf b;
    ivet_buf_init(&b, 1024);
    for (size_t i = 0; i < ivet_tar_index_count(t) && i < 5; i++) {
        char m[96];
        if (ivet_buf_printf(&b, err, "%s'%s'", i ? ", " : "",
                            ivet_src_shown(ivet_tar_index_at(t, i)->name, m, sizeof(m))) < 0) {
            ivet_buf_release(&b);
            ivet_tar_index_free(t);
            return NULL;
        }
    }
    ivet_err_set(err, IVET_E_FORMAT,
                 "tar archive '%s' is neither an OCI archive (oci-layout, index.json) nor a docker-archive "
                 "(manifest.json); its members include: %s",
                 shown, b.ptr ? b.ptr : "(none)");
    ivet_buf_release(&b);
    ivet_tar_index_free(t);
    return NULL;
}

static bool looks_like_path(const char *s)
{
    return s[0] == '/' || s[0] == '.' || ivet_endswith(s, ".tar") || ivet_endswith(s, ".tar.gz");
}

static struct ivet_source *open_bare(const struct ivet_image_arg *a, const struct ivet_source_opts *o,
                                     struct ivet_err *err)
{
    char sh[200];
    struct stat st;
    if (stat(a->location, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return bid_dir(a, o, err);
        if (S_ISREG(st.st_mode))
            return bid_file(a, o, err);
        ivet_err_set(err, IVET_E_FORMAT, "'%s' is neither a directory nor a regular file",
                     ivet_src_shown(a->location, sh, sizeof(sh)));
        return NULL;
    }
    if (looks_like_path(a->location)) {
        ivet_err_sys(err, IVET_E_NOTFOUND, "cannot open '%s'", ivet_src_shown(a->location, sh, sizeof(sh)));
        return NULL;
    }
    return ivet_source_open_docker(a->location, o, err);
}

static struct ivet_source *open_docker(const struct ivet_image_arg *a, const struct ivet_source_opts *o,
                                       struct ivet_err *err)
{
    return ivet_source_open_docker(a->location, o, err);
}

static struct ivet_source *open_daemon(const struct ivet_image_arg *a, const struct ivet_source_opts *o,
                                       struct ivet_err *err)
{
    return ivet_source_open_daemon(a->location, o, err);
}

/* The transport table: one constructor per transport. */
static const struct {
    enum ivet_transport t;
    struct ivet_source *(*open)(const struct ivet_image_arg *a, const struct ivet_source_opts *o,
                                struct ivet_err *err);
} transports[] = {
    { IVET_TRANSPORT_BARE, open_bare },
    { IVET_TRANSPORT_DOCKER_ARCHIVE, ivet_source_open_docker_archive },
    { IVET_TRANSPORT_OCI, ivet_source_open_oci },
    { IVET_TRANSPORT_OCI_ARCHIVE, ivet_source_open_oci_archive },
    { IVET_TRANSPORT_DOCKER, open_docker },
    { IVET_TRANSPORT_DOCKER_DAEMON, open_daemon },
};

/* "oci:/a:b" where "/a:b" is the path and no tag is meant */
static int prefer_whole_path(struct ivet_image_arg *a, struct ivet_err *err)
{
    struct stat st;
    if (!a->location || (!a->ref && a->index < 0) || stat(a->location, &st) == 0)
        return 0;
    char *whole = a->ref ? ivet_asprintf("%s:%s", a->location, a->ref) : ivet_asprintf("%s:@%ld", a->location, a->index);
    if (!whole)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    if (stat(whole, &st) == 0) {
        ivet_free(a->location);
        ivet_free(a->ref);
        a->location = whole;
        a->ref = NULL;
        a->index = -1;
    } else {
        ivet_free(whole);
    }
    return 0;
}

struct ivet_source *ivet_source_open(const char *image, const struct ivet_source_opts *o,
                                     struct ivet_err *err)
{
    struct ivet_image_arg a;
    struct ivet_source *src = NULL;
    struct ivet_source_opts dflt;
    if (!o) {
        memset(&dflt, 0, sizeof(dflt));
        dflt.limits = ivet_limits_default();
        o = &dflt;
    }
    if (ivet_image_arg_parse(image, &a, err) < 0)
        return NULL;
    if (a.transport != IVET_TRANSPORT_DOCKER && a.transport != IVET_TRANSPORT_DOCKER_DAEMON &&
        a.transport != IVET_TRANSPORT_BARE && prefer_whole_path(&a, err) < 0)
        goto out;
    for (size_t i = 0; i < IVET_ARRAY_LEN(transports); i++) {
        if (transports[i].t == a.transport) {
            src = transports[i].open(&a, o, err);
            break;
        }
    }
    if (src && !(src->reference = ivet_strdup(image))) {
        ivet_source_free(src);
        src = NULL;
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    }
out:
    ivet_image_arg_release(&a);
    return src;
}

void ivet_source_free(struct ivet_source *src)
{
    if (!src)
        return;
    char *r = src->reference;
    src->ops->free(src);
    ivet_free(r);
}
