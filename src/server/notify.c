/* notify.c: Docker Distribution's notification envelopes (its
 * notifications/event.go): {"events":[{"id","action","target":{"mediaType",
 * "digest","repository","url","tag"},"request":{"host"}}]}. Only a push of a
 * manifest or an index asks for a scan; a registry also reports every blob
 * push, pull and delete. The body is untrusted: every field is checked
 * before it becomes part of an image reference. */
#include "server/server.h"
#include "ref/ref.h"
#include "source/source.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define MAX_EVENTS 256
#define MAX_BODY (1u << 20)

void ivet_push_release(struct ivet_push *p)
{
    ivet_free(p->event_id);
    ivet_free(p->image);
    ivet_free(p->host);
    ivet_free(p->tag);
    memset(p, 0, sizeof(*p));
}

static bool lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Docker's repository grammar, near enough: lowercase components of
 * [a-z0-9] joined by '.', '_' or '-' runs, separated by single '/'; at most
 * 255 bytes. Nothing that could change a URL's meaning ('%', '?', '#',
 * '..', spaces) gets through. */
static bool repo_ok(const char *r)
{
    size_t n = strlen(r);
    if (!n || n > 255)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = r[i];
        if (lower_alnum(c))
            continue;
        if ((c != '/' && c != '.' && c != '_' && c != '-') || i == 0 || i == n - 1)
            return false;
        char p = r[i - 1], q = r[i + 1];
        if ((c == '/' || c == '.') && !(lower_alnum(p) && lower_alnum(q)))
            return false;
        if ((c == '_' || c == '-') && (!(lower_alnum(p) || p == c) || !(lower_alnum(q) || q == c)))
            return false;
    }
    return true;
}

/* host[:port]: letters, digits, '.', '-', and one ':' before digits; or a
 * bracketed IPv6 address. */
static bool host_ok(const char *h, size_t n)
{
    if (!n || n > 255)
        return false;
    size_t i = 0;
    if (h[0] == '[') {
        for (i = 1; i < n && h[i] != ']'; i++)
            if (!isxdigit((unsigned char)h[i]) && h[i] != ':' && h[i] != '.')
                return false;
        if (i == n)
            return false;
        i++;
    } else {
        for (; i < n && h[i] != ':'; i++)
            if (!isalnum((unsigned char)h[i]) && h[i] != '.' && h[i] != '-')
                return false;
    }
    if (i == n)
        return i > 0;
    if (h[i] != ':' || i + 1 == n || n - i - 1 > 5)
        return false;
    for (i++; i < n; i++)
        if (!isdigit((unsigned char)h[i]))
            return false;
    return true;
}

/* The host of "http(s)://host[:port]/v2/...", or NULL. */
static char *url_host(const char *url)
{
    const char *p = NULL;
    if (ivet_startswith(url, "http://"))
        p = url + 7;
    else if (ivet_startswith(url, "https://"))
        p = url + 8;
    if (!p)
        return NULL;
    size_t n = strcspn(p, "/?#");
    return host_ok(p, n) && p[n] == '/' ? ivet_strndup(p, n) : NULL;
}

static bool manifest_type(const char *mt)
{
    return mt && (ivet_media_type_is_manifest(mt) || ivet_media_type_is_index(mt));
}

int ivet_notify_parse(const char *body, size_t len, struct ivet_push **out, size_t *n, size_t *skipped,
                      struct ivet_err *err)
{
    *out = NULL;
    *n = *skipped = 0;
    if (len > MAX_BODY)
        return ivet_err_set(err, IVET_E_LIMIT, "notification of %zu bytes (at most %u)", len, MAX_BODY);
    json_error_t je;
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    json_t *events = json_object_get(doc, "events");
    if (!json_is_array(events)) {
        json_decref(doc);
        return ivet_err_set(err, IVET_E_FORMAT, "not a notification envelope (no \"events\" array)");
    }
    size_t total = json_array_size(events);
    struct ivet_push *v = ivet_calloc(total ? (total < MAX_EVENTS ? total : MAX_EVENTS) : 1, sizeof(*v));
    if (!v) {
        json_decref(doc);
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < total; i++) {
        json_t *e = json_array_get(events, i), *t = json_object_get(e, "target");
        const char *action = json_string_value(json_object_get(e, "action"));
        const char *mt = json_string_value(json_object_get(t, "mediaType"));
        const char *digest = json_string_value(json_object_get(t, "digest"));
        const char *repo = json_string_value(json_object_get(t, "repository"));
        const char *url = json_string_value(json_object_get(t, "url"));
        const char *rhost = json_string_value(json_object_get(json_object_get(e, "request"), "host"));
        const char *tag = json_string_value(json_object_get(t, "tag"));
        const char *id = json_string_value(json_object_get(e, "id"));
        struct ivet_digest d;
        struct ivet_err derr = IVET_ERR_INIT;
        if (i >= MAX_EVENTS || !action || strcmp(action, "push") != 0 || !manifest_type(mt) || !repo ||
            !repo_ok(repo) || ivet_digest_parse(&d, digest, &derr) < 0) {
            ivet_err_release(&derr);
            ++*skipped;
            continue;
        }
        char *host = url ? url_host(url) : NULL;
        if (!host && rhost && host_ok(rhost, strlen(rhost)))
            host = ivet_strdup(rhost);
        if (!host) {
            ++*skipped;
            continue;
        }
        char *image = ivet_asprintf("%s/%s@%s", host, repo, d.text);
        /* the reference must read back with this very host as its registry
         * (a host without '.' or ':' would be read as a Docker Hub namespace) */
        struct ivet_ref ref = { 0 };
        bool same = image && ivet_ref_parse(&ref, image, &derr) == 0 && !strcasecmp(ref.registry, host);
        ivet_ref_release(&ref);
        ivet_err_release(&derr);
        if (image && !same) {
            ivet_free(image);
            ivet_free(host);
            ++*skipped;
            continue;
        }
        struct ivet_push *p = &v[*n];
        p->host = host;
        p->image = image;
        /* ids and tags are only shown and compared: keep them printable */
        p->event_id = id ? ivet_sanitize(id, strlen(id), 128) : NULL;
        p->tag = tag ? ivet_sanitize(tag, strlen(tag), 128) : NULL;
        if (!p->image || (id && !p->event_id) || (tag && !p->tag)) {
            for (size_t k = 0; k <= *n; k++)
                ivet_push_release(&v[k]);
            ivet_free(v);
            json_decref(doc);
            *n = 0;
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        }
        ++*n;
    }
    json_decref(doc);
    *out = v;
    return 0;
}
