/* util.c: small string, path and number helpers, and the default limits. */
#include "core/core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct ivet_limits ivet_limits_default(void)
{
    return (struct ivet_limits){
        .max_layer_compressed = 8ull << 30,
        .max_layer_bytes = 32ull << 30,
        .max_image_compressed = 64ull << 30,
        .max_image_bytes = 256ull << 30,
        .max_ratio = 1000,
        .max_entries = 2000000,
        .max_path = 4096,
        .max_file_scan = 64ull << 20,
        .max_image_scan = UINT64_MAX,
        .max_json = 8u << 20,
        .max_capture = 16u << 20,
        .max_image_capture = 512u << 20,
    };
}

bool ivet_parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!s || !*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

bool ivet_startswith(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool ivet_endswith(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

/* Length of a valid UTF-8 sequence at p (at most n bytes), 0 if invalid. */
static size_t utf8_len(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    size_t l;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    else if ((c & 0xe0) == 0xc0)
        l = 2, cp = c & 0x1f;
    else if ((c & 0xf0) == 0xe0)
        l = 3, cp = c & 0x0f;
    else if ((c & 0xf8) == 0xf0)
        l = 4, cp = c & 0x07;
    else
        return 0;
    if (l > n)
        return 0;
    for (size_t i = 1; i < l; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if ((l == 2 && cp < 0x80) || (l == 3 && cp < 0x800) || (l == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return l;
}

char *ivet_sanitize(const void *vp, size_t n, size_t max)
{
    const uint8_t *p = vp;
    if (n > max)
        n = max;
    char *out = ivet_malloc(n * 4 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint8_t c = p[i];
        if (c == '\t') {
            out[o++] = ' ';
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            o += (size_t)snprintf(out + o, 5, "\\x%02x", c);
            i++;
        } else {
            size_t l = utf8_len(p + i, n - i);
            if (l == 2 && c == 0xc2 && p[i + 1] < 0xa0)     /* C1 controls: CSI and the like */
                l = 0;
            if (l == 0) {
                o += (size_t)snprintf(out + o, 5, "\\x%02x", c);
                i++;
            } else {
                memcpy(out + o, p + i, l);
                o += l;
                i += l;
            }
        }
    }
    out[o] = 0;
    return out;
}

char *ivet_path_normalize_ex(const char *p, bool *escapes)
{
    size_t n = strlen(p);
    char *out = ivet_malloc(n + 2);
    if (!out)
        return NULL;
    size_t o = 0;
    const char *s = p;
    if (escapes)
        *escapes = false;
    while (*s) {
        while (*s == '/')
            s++;
        if (!*s)
            break;
        const char *e = strchr(s, '/');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len == 2 && s[0] == '.' && s[1] == '.') {
            /* lexical, as Go's filepath.Clean: drop the last component */
            if (o == 0) {
                if (escapes)
                    *escapes = true;        /* would climb above the root */
            } else {
                while (o > 0 && out[o - 1] != '/')
                    o--;
                o--;                        /* the '/' before it */
            }
        } else if (!(len == 1 && s[0] == '.')) {
            out[o++] = '/';
            memcpy(out + o, s, len);
            o += len;
        }
        s += len;
    }
    if (o == 0)
        out[o++] = '/';
    out[o] = 0;
    return out;
}

char *ivet_path_normalize(const char *p)
{
    return ivet_path_normalize_ex(p, NULL);
}

void ivet_today(char out[11])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

double ivet_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

char *ivet_cache_path(const char *dir, const char *sub, struct ivet_err *err)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char *base;
    if (dir && *dir)
        base = ivet_strdup(dir);
    else if (xdg && *xdg == '/')
        base = ivet_asprintf("%s/imagevet", xdg);
    else if (home && *home == '/')
        base = ivet_asprintf("%s/.cache/imagevet", home);
    else {
        ivet_err_set(err, IVET_E_NOTFOUND, "no cache directory: set XDG_CACHE_HOME or HOME, or pass --cache-dir");
        return NULL;
    }
    char *p = base && sub ? ivet_asprintf("%s/%s", base, sub) : base;
    if (p != base)
        ivet_free(base);
    if (!p)
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    return p;
}

int ivet_mkdir_p(const char *path, unsigned mode, struct ivet_err *err)
{
    if (!*path)
        return ivet_err_set(err, IVET_E_USAGE, "empty directory name");
    char *d = ivet_strdup(path);
    if (!d)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    int rc = 0;
    for (char *p = d + 1;; p++) {
        if (*p != '/' && *p)
            continue;
        char c = *p;
        *p = 0;
        if (mkdir(d, (mode_t)mode) != 0 && errno != EEXIST) {
            rc = ivet_err_sys(err, IVET_E_IO, "cannot create directory '%s'", d);
            break;
        }
        *p = c;
        if (!c)
            break;
    }
    ivet_free(d);
    return rc;
}

long ivet_base64_decode(const char *s, unsigned char *out, size_t cap)
{
    size_t n = strlen(s), o = 0;
    if (n == 0 || n % 4)
        return -1;
    for (size_t i = 0; i < n; i += 4) {
        unsigned v = 0, pad = 0;
        for (size_t j = 0; j < 4; j++) {
            char c = s[i + j];
            unsigned x;
            if (c >= 'A' && c <= 'Z')
                x = (unsigned)(c - 'A');
            else if (c >= 'a' && c <= 'z')
                x = (unsigned)(c - 'a' + 26);
            else if (c >= '0' && c <= '9')
                x = (unsigned)(c - '0' + 52);
            else if (c == '+')
                x = 62;
            else if (c == '/')
                x = 63;
            else if (c == '=' && i + 4 == n && j >= 2 && (j == 3 || s[i + 3] == '='))
                x = 0, pad++;
            else
                return -1;
            if (pad && c != '=')
                return -1;
            v = v << 6 | x;
        }
        /* the bits after the last byte must be zero: "TR==" is not "TQ==" */
        if ((pad == 1 && (v & 0xff)) || (pad == 2 && (v & 0xffff)))
            return -1;
        for (size_t j = 0; j < 3 - pad; j++) {
            if (o == cap)
                return -1;
            out[o++] = (unsigned char)(v >> (16 - 8 * j));
        }
    }
    return (long)o;
}
