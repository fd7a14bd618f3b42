/* ref.c: parses and normalises image references with the rules of the
 * distribution reference grammar (what `docker pull` accepts). It does not
 * contact any registry; resolving a reference is the sources' business.
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [ domain "/" ] path-component [ "/" path-component ]*
 *   domain     := host [ ":" port ]        host := domain-name | "[" IPv6 "]"
 *   path-component := [a-z0-9]+ ( ( [._] | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *   digest     := algorithm ":" hex      (sha256: exactly 64 lowercase hex)
 *
 * The name is at most 255 characters once normalised (registry included).
 * The first component is a domain when it contains '.' or ':', is
 * "localhost", or has an uppercase letter (Docker's splitDockerDomain). */
#include "ref/ref.h"

#include <ctype.h>
#include <string.h>

#define NAME_MAX_TOTAL 255
#define TAG_MAX 128

static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_word(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* One path component [s, s+n). Returns NULL when valid, else why not. */
static const char *check_component(const char *s, size_t n)
{
    if (n == 0)
        return "empty path component";
    if (!is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
        return "a path component must start and end with a lowercase letter or digit";
    size_t i = 0;
    while (i < n) {
        if (is_lower_alnum(s[i])) {
            i++;
            continue;
        }
        /* a separator: '.', '_', "__" or a run of '-' */
        size_t j = i;
        if (s[i] == '-') {
            while (j < n && s[j] == '-')
                j++;
        } else if (s[i] == '_') {
            j = (i + 1 < n && s[i + 1] == '_') ? i + 2 : i + 1;
        } else if (s[i] == '.') {
            j = i + 1;
        } else {
            return "a path component may only contain [a-z0-9] and the separators '.', '_', '__' and '-'";
        }
        if (j >= n || !is_lower_alnum(s[j]))
            return "separators in a path component must be followed by a lowercase letter or digit";
        i = j;
    }
    return NULL;
}

static bool has_upper(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 'A' && s[i] <= 'Z')
            return true;
    return false;
}

static int check_domain(const char *d, size_t n, struct ivet_err *err)
{
    size_t hostlen = n;
    if (n && d[0] == '[') {
        const char *close = memchr(d, ']', n);
        if (!close || close == d + 1)
            return ivet_err_set(err, IVET_E_USAGE, "invalid registry '%.*s': unterminated IPv6 address",
                                (int)n, d);
        for (const char *p = d + 1; p < close; p++)
            if (!isxdigit((unsigned char)*p) && *p != ':')
                return ivet_err_set(err, IVET_E_USAGE, "invalid registry '%.*s': bad IPv6 address",
                                    (int)n, d);
        hostlen = (size_t)(close - d) + 1;
    } else {
        const char *colon = memchr(d, ':', n);
        if (colon)
            hostlen = (size_t)(colon - d);
        /* domain-component ('.' domain-component)*, each [A-Za-z0-9] with inner '-' */
        size_t start = 0;
        for (size_t i = 0; i <= hostlen; i++) {
            if (i < hostlen && d[i] != '.')
                continue;
            size_t len = i - start;
            const char *c = d + start;
            if (len == 0)
                return ivet_err_set(err, IVET_E_USAGE, "invalid registry '%.*s': empty host label",
                                    (int)n, d);
            if (!isalnum((unsigned char)c[0]) || !isalnum((unsigned char)c[len - 1]))
                return ivet_err_set(err, IVET_E_USAGE,
                                    "invalid registry '%.*s': host labels must start and end with a letter or digit",
                                    (int)n, d);
            for (size_t k = 0; k < len; k++)
                if (!isalnum((unsigned char)c[k]) && c[k] != '-')
                    return ivet_err_set(err, IVET_E_USAGE,
                                        "invalid registry '%.*s': bad character '%c' in host",
                                        (int)n, d, c[k]);
            start = i + 1;
        }
    }
    if (hostlen < n) {
        if (d[hostlen] != ':' || hostlen + 1 == n)
            return ivet_err_set(err, IVET_E_USAGE, "invalid registry '%.*s': bad port", (int)n, d);
        for (size_t i = hostlen + 1; i < n; i++)
            if (!isdigit((unsigned char)d[i]))
                return ivet_err_set(err, IVET_E_USAGE, "invalid registry '%.*s': port must be digits",
                                    (int)n, d);
    }
    return 0;
}

static int check_tag(const char *t, size_t n, struct ivet_err *err)
{
    if (n == 0)
        return ivet_err_set(err, IVET_E_USAGE, "invalid tag: empty after ':'");
    if (n > TAG_MAX)
        return ivet_err_set(err, IVET_E_USAGE, "invalid tag: %zu characters, at most %d allowed", n,
                            TAG_MAX);
    if (!is_word(t[0]))
        return ivet_err_set(err, IVET_E_USAGE,
                            "invalid tag '%.*s': must start with a letter, digit or '_'", (int)n, t);
    for (size_t i = 1; i < n; i++)
        if (!is_word(t[i]) && t[i] != '.' && t[i] != '-')
            return ivet_err_set(err, IVET_E_USAGE, "invalid tag '%.*s': bad character '%c'", (int)n,
                                t, t[i]);
    return 0;
}

static int check_digest(const char *s, struct ivet_err *err)
{
    const char *colon = strchr(s, ':');
    if (!colon || colon == s)
        return ivet_err_set(err, IVET_E_USAGE, "invalid digest '%s': expected algorithm:hex", s);
    /* algorithm: [A-Za-z][A-Za-z0-9]* ([+.-_] [A-Za-z][A-Za-z0-9]*)* */
    bool need_alpha = true;
    for (const char *p = s; p < colon; p++) {
        if (need_alpha) {
            if (!isalpha((unsigned char)*p))
                return ivet_err_set(err, IVET_E_USAGE, "invalid digest '%s': bad algorithm", s);
            need_alpha = false;
        } else if (*p == '+' || *p == '.' || *p == '-' || *p == '_') {
            need_alpha = true;
        } else if (!isalnum((unsigned char)*p)) {
            return ivet_err_set(err, IVET_E_USAGE, "invalid digest '%s': bad algorithm", s);
        }
    }
    if (need_alpha)
        return ivet_err_set(err, IVET_E_USAGE, "invalid digest '%s': bad algorithm", s);
    const char *hex = colon + 1;
    size_t n = strlen(hex), alg = (size_t)(colon - s);
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)hex[i]))
            return ivet_err_set(err, IVET_E_USAGE, "invalid digest '%s': not hexadecimal", s);
    size_t want = 0;
    if (alg == 6 && !memcmp(s, "sha256", 6))
        want = 64;
    else if (alg == 6 && !memcmp(s, "sha512", 6))
        want = 128;
    if (want) {
        if (n != want)
            return ivet_err_set(err, IVET_E_USAGE, "invalid digest '%s': %.*s needs %zu hex digits, got %zu",
                                s, (int)alg, s, want, n);
        for (size_t i = 0; i < n; i++)
            if (isupper((unsigned char)hex[i]))
                return ivet_err_set(err, IVET_E_USAGE, "invalid digest '%s': hex must be lowercase", s);
    } else if (n < 32) {
        return ivet_err_set(err, IVET_E_USAGE, "invalid digest '%s': at least 32 hex digits needed", s);
    }
    return 0;
}

static int check_path(const char *p, size_t n, struct ivet_err *err)
{
    if (has_upper(p, n))
        return ivet_err_set(err, IVET_E_USAGE, "invalid repository name '%.*s': must be lowercase",
                            (int)n, p);
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && p[i] != '/')
            continue;
        const char *why = check_component(p + start, i - start);
        if (why)
            return ivet_err_set(err, IVET_E_USAGE, "invalid repository name '%.*s': %s", (int)n, p, why);
        start = i + 1;
    }
    return 0;
}

static bool is_hex64(const char *s, size_t n)
{
    if (n != 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* Splits name into registry and path the way Docker does, and checks both. */
static int split_name(struct ivet_ref *r, const char *name, size_t n, struct ivet_err *err)
{
    const char *slash = memchr(name, '/', n);
    const char *dom = "docker.io", *path = name;
    size_t domlen = 9, pathlen = n;
    if (slash) {
        size_t first = (size_t)(slash - name);
        bool is_domain = memchr(name, '.', first) || memchr(name, ':', first) ||
                         (first == 9 && !memcmp(name, "localhost", 9)) || has_upper(name, first);
        if (is_domain) {
            dom = name;
            domlen = first;
            path = slash + 1;
            pathlen = n - first - 1;
            if (check_domain(dom, domlen, err) < 0)
                return -IVET_E_USAGE;
        }
    }
    if (pathlen == 0)
        return ivet_err_set(err, IVET_E_USAGE, "invalid reference: repository name is empty");
    if (check_path(path, pathlen, err) < 0)
        return -IVET_E_USAGE;
    if ((domlen == 15 && !memcmp(dom, "index.docker.io", 15)) ||
        (domlen == 20 && !memcmp(dom, "registry-1.docker.io", 20))) {
        dom = "docker.io";
        domlen = 9;
    }
    bool hub = domlen == 9 && !memcmp(dom, "docker.io", 9);
    r->registry = ivet_strndup(dom, domlen);
    if (hub && !memchr(path, '/', pathlen))
        r->path = ivet_asprintf("library/%.*s", (int)pathlen, path);
    else
        r->path = ivet_strndup(path, pathlen);
    if (!r->registry || !r->path)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory parsing a reference");
    return 0;
}

static int build_strings(struct ivet_ref *r, struct ivet_err *err)
{
    const char *fam = r->path;
    bool hub = !strcmp(r->registry, "docker.io");
    if (hub && ivet_startswith(fam, "library/") && !strchr(fam + 8, '/'))
        fam += 8;
    const char *tsep = r->tag ? ":" : "", *tag = r->tag ? r->tag : "";
    const char *dsep = r->digest ? "@" : "", *dig = r->digest ? r->digest : "";
    r->normalized = ivet_asprintf("%s/%s%s%s%s%s", r->registry, r->path, tsep, tag, dsep, dig);
    if (hub)
        r->familiar = ivet_asprintf("%s%s%s%s%s", fam, tsep, tag, dsep, dig);
    else if (r->normalized)
        r->familiar = ivet_strdup(r->normalized);
    if (!r->normalized || !r->familiar)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory parsing a reference");
    return 0;
}

int ivet_ref_parse(struct ivet_ref *r, const char *s, struct ivet_err *err)
{
    memset(r, 0, sizeof(*r));
    if (!s || !*s)
        return ivet_err_set(err, IVET_E_USAGE, "invalid reference: empty");
    size_t len = strlen(s);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
            return ivet_err_set(err, IVET_E_USAGE,
                                "invalid reference: character at offset %zu is not printable ASCII", i);
    if (is_hex64(s, len))
        return ivet_err_set(err, IVET_E_USAGE,
                            "invalid reference '%s': a 64-character hex string is an image ID, not a name", s);
    int rc = 0;
    const char *at = strchr(s, '@');
    size_t namelen = at ? (size_t)(at - s) : len;
    if (at) {
        if ((rc = check_digest(at + 1, err)) < 0)
            goto fail;
        if (!(r->digest = ivet_strdup(at + 1)))
            goto nomem;
    }
    /* The tag follows the last ':' that comes after the last '/'. */
    const char *colon = NULL;
    for (size_t i = namelen; i-- > 0;) {
        if (s[i] == '/')
            break;
        if (s[i] == ':') {
            colon = s + i;
            break;
        }
    }
    if (colon) {
        size_t taglen = namelen - (size_t)(colon - s) - 1;
        if ((rc = check_tag(colon + 1, taglen, err)) < 0)
            goto fail;
        if (!(r->tag = ivet_strndup(colon + 1, taglen)))
            goto nomem;
        namelen = (size_t)(colon - s);
    }
    if (namelen == 0) {
        rc = ivet_err_set(err, IVET_E_USAGE, "invalid reference '%s': repository name is empty", s);
        goto fail;
    }
    if (namelen > NAME_MAX_TOTAL) {
        rc = ivet_err_set(err, IVET_E_USAGE,
                          "invalid reference: repository name is %zu characters, at most %d allowed",
                          namelen, NAME_MAX_TOTAL);
        goto fail;
    }
    if ((rc = split_name(r, s, namelen, err)) < 0)
        goto fail;
    /* Docker measures the normalised name ("docker.io/library/x") */
    size_t total = strlen(r->registry) + 1 + strlen(r->path);
    if (total > NAME_MAX_TOTAL) {
        rc = ivet_err_set(err, IVET_E_USAGE,
                          "invalid reference: repository name '%s/%.20s...' is %zu characters, at most %d allowed",
                          r->registry, r->path, total, NAME_MAX_TOTAL);
        goto fail;
    }
    if (!r->tag && !r->digest) {
        if (!(r->tag = ivet_strdup("latest")))
            goto nomem;
        r->tag_implicit = true;
    }
    if ((rc = build_strings(r, err)) < 0)
        goto fail;
    return 0;
nomem:
    rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory parsing a reference");
fail:
    ivet_ref_release(r);
    return rc;
}

void ivet_ref_release(struct ivet_ref *r)
{
    if (!r)
        return;
    ivet_free(r->registry);
    ivet_free(r->path);
    ivet_free(r->tag);
    ivet_free(r->digest);
    ivet_free(r->normalized);
    ivet_free(r->familiar);
    memset(r, 0, sizeof(*r));
}

const char *ivet_ref_endpoint(const struct ivet_ref *r)
{
    if (r->registry && !strcmp(r->registry, "docker.io"))
        return "registry-1.docker.io";
    return r->registry;
}
