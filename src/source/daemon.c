/* daemon.c: the docker-daemon: source. Reads an image from a Docker Engine
 * compatible API (Docker, Podman's compat API) at $DOCKER_HOST (default
 * unix:///var/run/docker.sock, then Podman's sockets) through
 * GET /images/{name}/get, a `docker save` tar, without spooling it to disk.
 *
 * That tar is only readable front to back, and manifest.json comes near its
 * END, after the layers, whose member names (legacy "<id>/layer.tar") do not
 * say which layer they are. So resolve() walks one whole GET, keeping only
 * manifest.json and the small top-level *.json members (bounded), the
 * symlink table and where each member sits in the tar, and skipping layer
 * bytes. The layers then come from a second GET, read front to back and lent
 * to one layer at a time (open_blob waits while another layer holds it): the
 * scan asks for the layers in tar order (stream_rank), so the daemon makes
 * the tar twice in all, whatever the number of layers. A layer whose member
 * the shared pass has already gone by (a caller asking out of order, a
 * daemon that orders its tar differently the second time) gets a GET of its
 * own, so the order only ever costs time. Each member streams straight from
 * the socket into the layer pipeline, which checks the diff_id
 * (docs/internals/registry.md). */
#include "core/lazylib.h"
#include "source/daemon_int.h"

#include <archive.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_LINKS 4096
#define MAX_PLACES 65536                /* members whose place in the tar resolve() notes */
#define MAX_KEPT_TOTAL(lim) ((lim)->max_json * 4)

struct link {
    char *name, *target;
};

/* ---- resolve: one pass for manifest.json, the config and the links */
struct kept {
    char *name, *data;
    size_t len;
};

struct place {
    char *name;
    long at;                            /* ordinal among all the tar's members */
};

struct pass1 {
    struct kept *kept;
    size_t nkept, kept_bytes;
    struct link *links;
    size_t nlinks;
    struct place *places;               /* every regular member */
    size_t nplaces;
};

static void pass1_release(struct pass1 *p)
{
    for (size_t i = 0; i < p->nkept; i++) {
        ivet_free(p->kept[i].name);
        ivet_free(p->kept[i].data);
    }
    for (size_t i = 0; i < p->nlinks; i++) {
        ivet_free(p->links[i].name);
        ivet_free(p->links[i].target);
    }
    for (size_t i = 0; i < p->nplaces; i++)
        ivet_free(p->places[i].name);
    ivet_free(p->kept);
    ivet_free(p->links);
    ivet_free(p->places);
}

static const struct kept *find_kept(const struct pass1 *p, const char *name)
{
    for (size_t i = 0; i < p->nkept; i++)
        if (!strcmp(p->kept[i].name, name))
            return &p->kept[i];
    return NULL;
}

/* Small documents worth keeping: manifest.json, top-level "<hex>.json" configs,
 * and blobs/sha256/<hex> of JSON size (OCI-layout saves, Docker >= 25). */
static bool worth_keeping(const char *n, int64_t size, const struct ivet_limits *lim)
{
    if (size < 0 || (uint64_t)size > lim->max_json)
        return false;
    if (!strcmp(n, "manifest.json"))
        return true;
    if (!strchr(n, '/') && ivet_endswith(n, ".json"))
        return true;
    return ivet_startswith(n, "blobs/sha256/") && size < (1 << 20);
}

static int add_link(struct pass1 *p, const char *name, const char *target, struct ivet_err *err)
{
    if (p->nlinks >= MAX_LINKS)
        return 0;
    struct link *nl = ivet_reallocarray(p->links, p->nlinks + 1, sizeof(*nl));
    if (!nl)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    p->links = nl;
    nl[p->nlinks].name = ivet_strdup(name);
    nl[p->nlinks].target = ivet_strdup(target);
    if (!nl[p->nlinks].name || !nl[p->nlinks].target) {
        ivet_free(nl[p->nlinks].name);
        ivet_free(nl[p->nlinks].target);
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    }
    p->nlinks++;
    return 0;
}

static int add_place(struct pass1 *p, const char *name, long at, struct ivet_err *err)
{
    if (p->nplaces >= MAX_PLACES)
        return 0;                       /* unknown place: that layer gets a GET of its own */
    struct place *np = ivet_reallocarray(p->places, p->nplaces + 1, sizeof(*np));
    if (!np)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    p->places = np;
    if (!(np[p->nplaces].name = ivet_strdup(name)))
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    np[p->nplaces++].at = at;
    return 0;
}

static long find_place(const struct pass1 *p, const char *name)
{
    for (size_t i = 0; i < p->nplaces; i++)
        if (!strcmp(p->places[i].name, name))
            return p->places[i].at;
    return -1;
}

static int pass1_walk(struct daemon_source *s, struct pass1 *p, struct ivet_err *err)
{
    const struct ivet_limits *lim = &s->base.opts.limits;
    struct dtar *t = ivet_dtar_open(s, err);
    if (!t)
        return -err->code;
    struct archive_entry *e;
    int rc;
    for (long at = 0; (rc = ivet_dtar_next(t, s, &e, err)) > 0; at++) {
        const char *n = ivet_dtar_member_name(e);
        if (strlen(n) > 4096)
            continue;
        if (archive_entry_filetype(e) == AE_IFLNK && archive_entry_symlink(e)) {
            if ((rc = add_link(p, n, archive_entry_symlink(e), err)) < 0)
                break;
            continue;
        }
        if (archive_entry_filetype(e) != AE_IFREG)
            continue;
        if ((rc = add_place(p, n, at, err)) < 0)
            break;
        if (!worth_keeping(n, archive_entry_size(e), lim) ||
            p->kept_bytes + (uint64_t)archive_entry_size(e) > MAX_KEPT_TOTAL(lim))
            continue;                   /* archive_read_next_header skips the data */
        struct kept k = { 0 };
        if ((rc = ivet_dtar_slurp(t, (size_t)lim->max_json, &k.data, &k.len, err)) < 0)
            break;
        struct kept *nk = ivet_reallocarray(p->kept, p->nkept + 1, sizeof(*nk));
        if (!nk || !(k.name = ivet_strdup(n))) {
            ivet_free(k.data);
            if (nk)
                p->kept = nk;
            rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
            break;
        }
        p->kept = nk;
        nk[p->nkept++] = k;
        p->kept_bytes += k.len;
    }
    ivet_dtar_close(t);
    return rc < 0 ? rc : 0;
}

/* dir-relative symlink target -> archive member name, ".." resolved
 * lexically; NULL when it leaves the archive's root. */
static char *join_member(const char *link_name, const char *target)
{
    char tmp[8192];
    const char *slash = strrchr(link_name, '/');
    if (target[0] == '/')
        snprintf(tmp, sizeof(tmp), "%s", target);
    else
        snprintf(tmp, sizeof(tmp), "%.*s/%s", slash ? (int)(slash - link_name) : 0, link_name, target);
    char *parts[512];
    size_t np = 0;
    for (char *save = NULL, *c = strtok_r(tmp, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (!strcmp(c, "."))
            continue;
        if (!strcmp(c, "..")) {
            if (!np)
                return NULL;
            np--;
            continue;
        }
        if (np == IVET_ARRAY_LEN(parts))
            return NULL;
        parts[np++] = c;
    }
    struct ivet_buf b;
    struct ivet_err e = IVET_ERR_INIT;
    ivet_buf_init(&b, 8192);
    for (size_t i = 0; i < np; i++)
        if (ivet_buf_printf(&b, &e, "%s%s", i ? "/" : "", parts[i]) < 0)
            break;
    if (e.code) {
        ivet_err_release(&e);
        ivet_buf_release(&b);
        return NULL;
    }
    return ivet_buf_detach(&b);
}

/* Follows symlink members (at most 8 hops) to the member that holds bytes. */
static char *follow_links(const struct pass1 *p, const char *name)
{
    char *cur = ivet_strdup(name);
    for (int hop = 0; cur && hop < 8; hop++) {
        const struct link *l = NULL;
        for (size_t i = 0; i < p->nlinks && !l; i++)
            if (!strcmp(p->links[i].name, cur))
                l = &p->links[i];
        if (!l)
            return cur;
        char *next = join_member(l->name, l->target);
        ivet_free(cur);
        cur = next;
    }
    ivet_free(cur);
    return NULL;
}

/* The manifest.json entry for our image: the one whose RepoTags name it, or
 * the only one. */
static json_t *pick_entry(json_t *m, const char *name)
{
    size_t i;
    json_t *e, *t;
    json_array_foreach(m, i, e) {
        size_t k;
        json_array_foreach(json_object_get(e, "RepoTags"), k, t) {
            const char *tag = json_string_value(t);
            if (tag && ivet_src_name_matches(tag, name))    /* docker.io/, library/ aliases too */
                return e;
        }
    }
    return json_array_size(m) == 1 ? json_array_get(m, 0) : NULL;
}

/* "<hex>.json" or "blobs/sha256/<hex>": the digest the name claims, if any. */
static bool name_digest(const char *n, struct ivet_digest *d)
{
    char text[80];
    struct ivet_err e = IVET_ERR_INIT;
    const char *hex = ivet_startswith(n, "blobs/sha256/") ? n + 13 : n;
    size_t hl = strcspn(hex, ".");
    if (hl != 64 || (hex[hl] && strcmp(hex + hl, ".json")))
        return false;
    snprintf(text, sizeof(text), "sha256:%.64s", hex);
    bool ok = ivet_digest_parse(d, text, &e) == 0;
    ivet_err_release(&e);
    return ok;
}

static int apply_tags(struct ivet_image *img, json_t *entry, struct ivet_err *err)
{
    json_t *tags = json_object_get(entry, "RepoTags");
    size_t n = json_array_size(tags), i;
    json_t *t;
    if (!n)
        return 0;
    if (!(img->repo_tags = ivet_calloc(n, sizeof(char *))))
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    json_array_foreach(tags, i, t) {
        const char *v = json_string_value(t);
        if (v && !(img->repo_tags[img->nrepo_tags++] = ivet_sanitize(v, strlen(v), 512)))
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    }
    return 0;
}

static int apply_entry(struct daemon_source *s, const struct pass1 *p, json_t *entry,
                       struct ivet_image *img, struct ivet_err *err)
{
    const char *cfg = json_string_value(json_object_get(entry, "Config"));
    json_t *layers = json_object_get(entry, "Layers");
    if (!cfg || !json_is_array(layers))
        return ivet_err_set(err, IVET_E_FORMAT, "manifest.json has no Config or Layers");
    char *cfg_member = follow_links(p, cfg);
    const struct kept *k = cfg_member ? find_kept(p, cfg_member) : NULL;
    struct ivet_digest claimed;
    bool have_claim = cfg_member && name_digest(cfg_member, &claimed);
    ivet_free(cfg_member);
    if (!k)
        return ivet_err_set(err, IVET_E_FORMAT, "config '%.200s' named by manifest.json is missing "
                            "or larger than the JSON limit", cfg);
    ivet_sha256(k->data, k->len, &img->config_digest);
    if (have_claim && !ivet_digest_eq(&claimed, &img->config_digest))
        return ivet_err_set(err, IVET_E_DIGEST, "config '%.200s' has digest %s", cfg,
                            img->config_digest.text);
    size_t n = json_array_size(layers), i;
    json_t *l;
    if (!(img->layers = ivet_calloc(n ? n : 1, sizeof(*img->layers))) ||
        !(s->layer_members = ivet_calloc(n ? n : 1, sizeof(char *))) ||
        !(s->layer_place = ivet_calloc(n ? n : 1, sizeof(long))))
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    img->nlayers = s->nlayers = n;
    json_array_foreach(layers, i, l) {
        const char *ln = json_string_value(l);
        img->layers[i].index = (int)i;
        if (!ln || !(s->layer_members[i] = follow_links(p, ln)))
            return ivet_err_set(err, IVET_E_FORMAT, "manifest.json layer %zu is not a member name", i);
        s->layer_place[i] = find_place(p, s->layer_members[i]);
        s->last_place = IVET_MAX(s->last_place, s->layer_place[i]);
    }
    int rc = ivet_image_apply_config(img, k->data, k->len, err);
    if (rc < 0)
        return ivet_err_wrap(err, "config '%s'", img->config_digest.text);
    return apply_tags(img, entry, err);
}

static int daemon_resolve(struct ivet_source *src, struct ivet_image *img, struct ivet_err *err)
{
    struct daemon_source *s = (struct daemon_source *)src;
    struct pass1 p = { 0 };
    json_t *m = NULL;
    int rc = pass1_walk(s, &p, err);
    if (rc < 0)
        goto out;
    const struct kept *mk = find_kept(&p, "manifest.json");
    if (!mk) {
        rc = ivet_err_set(err, IVET_E_FORMAT, "the daemon's tar has no manifest.json");
        goto out;
    }
    if (!(m = ivet_json_parse_max(mk->data, mk->len, src->opts.limits.max_json, "manifest.json", err))) {
        rc = -err->code;
        goto out;
    }
    json_t *entry = pick_entry(m, s->name);
    if (!entry) {
        rc = ivet_err_set(err, IVET_E_FORMAT, "manifest.json does not describe '%s'", s->name);
        goto out;
    }
    if ((rc = apply_entry(s, &p, entry, img, err)) < 0)
        goto out;
    if ((!img->reference && !(img->reference = ivet_strdup(s->name))) ||
        (!img->transport && !(img->transport = ivet_strdup("docker-daemon"))))
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
out:
    json_decref(m);
    pass1_release(&p);
    if (rc < 0)
        ivet_err_wrap(err, "%s", s->label);
    return rc;
}

static struct ivet_istream *daemon_open_blob(struct ivet_source *src,
                                             const struct ivet_layer_desc *d, struct ivet_err *err)
{
    struct daemon_source *s = (struct daemon_source *)src;
    if (d->index < 0 || (size_t)d->index >= s->nlayers) {
        ivet_err_set(err, IVET_E_INTERNAL, "layer %d is not part of the image", d->index);
        return NULL;
    }
    return ivet_daemon_layer_open(s, (size_t)d->index, err);
}

/* Layers in the order the daemon's tar holds them; unknown ones last. */
static long daemon_stream_rank(struct ivet_source *src, const struct ivet_layer_desc *d)
{
    struct daemon_source *s = (struct daemon_source *)src;
    if (d->index < 0 || (size_t)d->index >= s->nlayers || s->layer_place[d->index] < 0)
        return -1;
    return s->layer_place[d->index];
}

static void daemon_free(struct ivet_source *src)
{
    struct daemon_source *s = (struct daemon_source *)src;
    ivet_dtar_close(s->shared);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    for (size_t i = 0; i < s->nlayers; i++)
        ivet_free(s->layer_members[i]);
    ivet_free(s->layer_members);
    ivet_free(s->layer_place);
    ivet_reg_free(s->r);
    ivet_free(s->name);
    ivet_free(s->label);
    ivet_free(s->url);
    ivet_free(s);
}

static const struct ivet_source_ops daemon_ops = {
    .transport = "docker-daemon",
    .resolve = daemon_resolve,
    .open_blob = daemon_open_blob,
    .stream_rank = daemon_stream_rank,
    .free = daemon_free,
};

static bool name_ok(const char *n)
{
    if (!*n || strlen(n) > 255 || n[0] == '/' || strstr(n, ".."))
        return false;
    for (const char *p = n; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("._-/:@", *p)))
            return false;
    return true;
}

/* DOCKER_HOST, else Docker's default socket, else Podman's (rootful, then
 * the user's). *sock receives a socket path or NULL; the result is the base URL. */
static char *daemon_endpoint(char **sock, struct ivet_err *err)
{
    const char *h = getenv("DOCKER_HOST");
    *sock = NULL;
    if (h && *h) {
        if (ivet_startswith(h, "unix://")) {
            *sock = ivet_strdup(h + 7);
            return ivet_strdup("http://localhost");
        }
        if (ivet_startswith(h, "tcp://")) {
            const char *tls = getenv("DOCKER_TLS_VERIFY");
            if (tls && *tls) {
                ivet_err_set(err, IVET_E_UNSUPPORTED, "DOCKER_TLS_VERIFY is set: a daemon over TLS "
                             "(tcp:// with client certificates) is not supported; use its unix socket");
                return NULL;
            }
            return ivet_asprintf("http://%s", h + 6);
        }
        ivet_err_set(err, IVET_E_UNSUPPORTED, "DOCKER_HOST '%s' is neither unix:// nor tcp://", h);
        return NULL;
    }
    const char *cands[3] = { "/var/run/docker.sock", "/run/podman/podman.sock", NULL };
    char user[512] = "";
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    if (xdg && *xdg) {
        snprintf(user, sizeof(user), "%s/podman/podman.sock", xdg);
        cands[2] = user;
    }
    const char *pick = cands[0];
    struct stat st;
    for (size_t i = 0; i < 3; i++)
        if (cands[i] && stat(cands[i], &st) == 0 && S_ISSOCK(st.st_mode)) {
            pick = cands[i];
            break;
        }
    *sock = ivet_strdup(pick);
    return ivet_strdup("http://localhost");
}

struct ivet_source *ivet_source_open_daemon(const char *name, const struct ivet_source_opts *o,
                                           struct ivet_err *err)
{
    if (ivet_startswith(name, "docker-daemon:"))
        name += 14;
    if (!name_ok(name)) {
        ivet_err_set(err, IVET_E_USAGE, "invalid image name for docker-daemon: '%.200s'", name);
        return NULL;
    }
    struct daemon_source *s = ivet_calloc(1, sizeof(*s));
    char *sock = NULL, *base = NULL;
    if (!s) {
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return NULL;
    }
    s->base.ops = &daemon_ops;
    s->base.opts = *o;
    s->shared_at = s->last_place = -1;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (!(base = daemon_endpoint(&sock, err)))
        goto fail;
    s->name = ivet_strdup(name);
    s->label = sock ? ivet_asprintf("docker daemon at 'unix://%s'", sock)
                    : ivet_asprintf("docker daemon at '%s'", base);
    s->url = ivet_asprintf("%s/images/%s/get", base, name);
    if (!s->name || !s->label || !s->url) {
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        goto fail;
    }
    if (!(s->r = ivet_reg_new_local(s->label, base, sock, o, err)))
        goto fail;
    ivet_free(sock);
    ivet_free(base);
    return &s->base;
fail:
    ivet_free(sock);
    ivet_free(base);
    daemon_free(&s->base);
    return NULL;
}
