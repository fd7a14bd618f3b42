/* notify.c: Docker Distribution's notification envelopes (its
 * notifications/event.go): {"events":[{"id","action","target":{"mediaType",
 * "digest","repository","url","tag"},"request":{"host"}}]}. Only a push of a
 * manifest or an index asks for a scan; a registry also reports every blob
 * push, pull and delete. The body is untrusted: every field is checked
 * before it becomes part of an image reference. */
#include "server/server.h"
#include "ref/ref.h"
#include "source/source.h"

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
    return n && n <= 255 && p[n] == '/' ? ivet_strndup(p, n) : NULL;
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
            ivet_digest_parse(&d, digest, &derr) < 0) {
            ivet_err_release(&derr);
            ++*skipped;
            continue;
        }
        char *host = url ? url_host(url) : NULL;
        if (!host && rhost && *rhost && strlen(rhost) <= 255)
            host = ivet_strdup(rhost);
        char *image = host ? ivet_asprintf("%s/%s@%s", host, repo, d.text) : NULL;
        /* The reference parser is the one judge of the event's fields: the
         * image must read back as exactly this host, repository and digest
         * (a host without '.' or ':' would be a Docker Hub namespace; '..',
         * '%', '?', '#', uppercase or a tag in a repository name do not parse
         * or do not read back). */
        struct ivet_ref ref = { 0 };
        bool same = image && ivet_ref_parse(&ref, image, &derr) == 0 && !strcasecmp(ref.registry, host) &&
                    !strcmp(ref.path, repo) && ref.digest && !strcmp(ref.digest, d.text) && !ref.tag;
        ivet_ref_release(&ref);
        ivet_err_release(&derr);
        if (!same) {
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
