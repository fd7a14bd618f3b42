/* platform.c: "os/arch[/variant]" parsed, formatted, matched, and the host's.
 * Matching normalises the spellings people and tools use (x86_64, aarch64)
 * and the default variants (arm64 is v8, arm is v7, amd64 is v1), as
 * containerd's platform matcher does. */
#include "source/source.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

static bool part_ok(const char *s, size_t n)
{
    if (n == 0 || n >= sizeof(((struct ivet_platform *)0)->os))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-' || c == '.'))
            return false;
    }
    return true;
}

int ivet_platform_parse(struct ivet_platform *p, const char *s, struct ivet_err *err)
{
    memset(p, 0, sizeof(*p));
    const char *parts[3] = { NULL, NULL, NULL };
    size_t lens[3] = { 0, 0, 0 };
    int n = 0;
    const char *c = s ? s : "";
    for (;;) {
        const char *slash = strchr(c, '/');
        size_t len = slash ? (size_t)(slash - c) : strlen(c);
        if (n == 3 || !part_ok(c, len))
            return ivet_err_set(err, IVET_E_USAGE,
                                "platform '%.64s' is not os/arch[/variant] (e.g. linux/arm64/v8)", s ? s : "");
        parts[n] = c;
        lens[n++] = len;
        if (!slash)
            break;
        c = slash + 1;
    }
    if (n < 2)
        return ivet_err_set(err, IVET_E_USAGE,
                            "platform '%.64s' is not os/arch[/variant] (e.g. linux/arm64/v8)", s);
    memcpy(p->os, parts[0], lens[0]);
    memcpy(p->arch, parts[1], lens[1]);
    if (n == 3)
        memcpy(p->variant, parts[2], lens[2]);
    return 0;
}

void ivet_platform_host(struct ivet_platform *p)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->os, sizeof(p->os), "linux");
#if defined(__x86_64__)
    snprintf(p->arch, sizeof(p->arch), "amd64");
#elif defined(__aarch64__)
    snprintf(p->arch, sizeof(p->arch), "arm64");
    snprintf(p->variant, sizeof(p->variant), "v8");
#elif defined(__i386__)
    snprintf(p->arch, sizeof(p->arch), "386");
#elif defined(__arm__)
    snprintf(p->arch, sizeof(p->arch), "arm");
    snprintf(p->variant, sizeof(p->variant), "v7");
#elif defined(__s390x__)
    snprintf(p->arch, sizeof(p->arch), "s390x");
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    snprintf(p->arch, sizeof(p->arch), "ppc64le");
#elif defined(__riscv) && __riscv_xlen == 64
    snprintf(p->arch, sizeof(p->arch), "riscv64");
#else
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(p->arch, sizeof(p->arch), "%.31s", u.machine);
    else
        snprintf(p->arch, sizeof(p->arch), "unknown");
#endif
}

void ivet_platform_format(const struct ivet_platform *p, char *buf, size_t n)
{
    if (p->variant[0])
        snprintf(buf, n, "%s/%s/%s", p->os, p->arch, p->variant);
    else
        snprintf(buf, n, "%s/%s", p->os, p->arch);
}

/* Canonical arch and variant for comparison. */
static void normalize(const struct ivet_platform *in, struct ivet_platform *out)
{
    *out = *in;
    static const struct {
        const char *from, *arch, *variant;
    } aliases[] = {
        { "x86_64", "amd64", "" }, { "x86-64", "amd64", "" }, { "aarch64", "arm64", "" },
        { "armhf", "arm", "v7" },  { "armel", "arm", "v6" },  { "i386", "386", "" },
        { "i686", "386", "" },
    };
    for (size_t i = 0; i < IVET_ARRAY_LEN(aliases); i++) {
        if (strcmp(in->arch, aliases[i].from) == 0) {
            snprintf(out->arch, sizeof(out->arch), "%s", aliases[i].arch);
            if (!out->variant[0])
                snprintf(out->variant, sizeof(out->variant), "%s", aliases[i].variant);
        }
    }
    if (!out->variant[0]) {
        if (strcmp(out->arch, "arm64") == 0)
            snprintf(out->variant, sizeof(out->variant), "v8");
        else if (strcmp(out->arch, "arm") == 0)
            snprintf(out->variant, sizeof(out->variant), "v7");
        else if (strcmp(out->arch, "amd64") == 0)
            snprintf(out->variant, sizeof(out->variant), "v1");
    }
}

bool ivet_platform_match(const struct ivet_platform *want, const struct ivet_platform *have)
{
    struct ivet_platform w, h;
    normalize(want, &w);
    normalize(have, &h);
    return strcmp(w.os, h.os) == 0 && strcmp(w.arch, h.arch) == 0 && strcmp(w.variant, h.variant) == 0;
}

static void copy_field(char *dst, size_t n, json_t *v)
{
    const char *s = json_string_value(v);
    dst[0] = 0;
    if (!s)
        return;
    size_t i = 0;
    for (; s[i] && i + 1 < n; i++) {
        unsigned char c = (unsigned char)s[i];
        dst[i] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
    }
    dst[i] = 0;
}

bool ivet_platform_from_json(struct ivet_platform *p, json_t *platform)
{
    memset(p, 0, sizeof(*p));
    if (!json_is_object(platform))
        return false;
    copy_field(p->os, sizeof(p->os), json_object_get(platform, "os"));
    copy_field(p->arch, sizeof(p->arch), json_object_get(platform, "architecture"));
    copy_field(p->variant, sizeof(p->variant), json_object_get(platform, "variant"));
    return p->os[0] || p->arch[0];
}
