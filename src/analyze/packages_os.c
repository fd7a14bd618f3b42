/* packages_os.c: which distribution and release an image is, from
 * os-release(5) or the older per-distribution release files, and whether
 * that release still gets security updates. Reading the files is the
 * inventory glue's job; this file only parses bytes. */
#include "analyze/packages.h"

#include <ctype.h>
#include <string.h>

const char *const ivet_os_files[] = {
    "/etc/os-release", "/usr/lib/os-release", "/etc/alpine-release", "/etc/debian_version",
    "/etc/redhat-release", "/etc/centos-release", "/etc/fedora-release", NULL,
};

void ivet_osinfo_release(struct ivet_osinfo *os)
{
    ivet_free(os->id);
    ivet_free(os->version_id);
    ivet_free(os->name);
    ivet_free(os->version_codename);
    memset(os, 0, sizeof(*os));
}

/* Unquotes an os-release value: "..." with \" \\ \$ \` escapes, '...' literal,
 * or a bare word. Bounded by n; an unterminated quote takes the rest. */
static char *unquote(const char *p, size_t n)
{
    char *out = ivet_malloc(n + 1);
    if (!out)
        return NULL;
    size_t o = 0, i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    char q = 0;
    if (i < n && (p[i] == '"' || p[i] == '\'')) {
        q = p[i++];
    }
    for (; i < n; i++) {
        char ch = p[i];
        if (q && ch == q)
            break;
        if (!q && (ch == ' ' || ch == '\t' || ch == '#'))
            break;
        if (q == '"' && ch == '\\' && i + 1 < n && strchr("\"\\$`", p[i + 1]))
            ch = p[++i];
        out[o++] = ch;
    }
    out[o] = 0;
    return out;
}

static int set_field(char **dst, const char *v, size_t n, struct ivet_err *err)
{
    char *s = unquote(v, n);
    if (!s)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    ivet_free(*dst);
    *dst = s;
    return 0;
}

int ivet_os_release_parse(struct ivet_bytes b, struct ivet_osinfo *os, struct ivet_err *err)
{
    size_t pos = 0, n;
    const char *line;
    char *pretty = NULL, *name = NULL;
    int r = 0;
    while (ivet_text_line(b, &pos, &line, &n)) {
        const char *eq = memchr(line, '=', n);
        if (!eq)
            continue;
        size_t kl = (size_t)(eq - line), vl = n - kl - 1;
        char **dst = NULL;
        if (kl == 2 && !memcmp(line, "ID", 2))
            dst = &os->id;
        else if (kl == 10 && !memcmp(line, "VERSION_ID", 10))
            dst = &os->version_id;
        else if (kl == 11 && !memcmp(line, "PRETTY_NAME", 11))
            dst = &pretty;
        else if (kl == 4 && !memcmp(line, "NAME", 4))
            dst = &name;
        else if (kl == 16 && !memcmp(line, "VERSION_CODENAME", 16))
            dst = &os->version_codename;
        if (dst && (r = set_field(dst, eq + 1, vl, err)) < 0)
            goto out;
    }
    if (os->id)
        for (char *p = os->id; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    if (os->id && !*os->id) {
        ivet_free(os->id);
        os->id = NULL;
    }
    ivet_free(os->name);
    os->name = pretty && *pretty ? pretty : name;
    if (os->name == pretty)
        pretty = NULL;
    else
        name = NULL;
    os->source = "os-release";
    r = os->id ? 1 : 0;
out:
    ivet_free(pretty);
    ivet_free(name);
    return r;
}

/* First line of a release file, trimmed. */
static char *first_line(struct ivet_bytes b)
{
    size_t pos = 0, n;
    const char *line;
    if (!ivet_text_line(b, &pos, &line, &n))
        return ivet_strdup("");
    return ivet_text_trimdup(line, n);
}

/* "X release 9.3 (Plow)" -> "9.3": the first token that starts with a digit
 * after the word "release". */
static char *release_version(const char *s)
{
    const char *p = strstr(s, " release ");
    if (!p)
        return NULL;
    p += 9;
    size_t n = 0;
    while (p[n] && (isdigit((unsigned char)p[n]) || p[n] == '.'))
        n++;
    return n ? ivet_strndup(p, n) : NULL;
}

int ivet_os_fallback_parse(const char *which, struct ivet_bytes b, struct ivet_osinfo *os,
                           struct ivet_err *err)
{
    char *line = first_line(b);
    if (!line)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    const char *id = NULL;
    char *ver = NULL;
    bool ok = true;
    if (!strcmp(which, "/etc/alpine-release")) {
        id = "alpine";
        ver = ivet_strdup(line);
        ok = ver != NULL;
    } else if (!strcmp(which, "/etc/debian_version")) {
        id = "debian";
        /* "12.5" -> "12"; a testing/sid name such as "trixie/sid" has no number */
        size_t n = strspn(line, "0123456789");
        if (n) {
            ver = ivet_strndup(line, n);
            ok = ver != NULL;
        }
    } else if (!strcmp(which, "/etc/redhat-release") || !strcmp(which, "/etc/centos-release") ||
               !strcmp(which, "/etc/fedora-release")) {
        if (strstr(line, "Fedora"))
            id = "fedora";
        else if (strstr(line, "CentOS"))
            id = "centos";
        else if (strstr(line, "Rocky"))
            id = "rocky";
        else if (strstr(line, "AlmaLinux"))
            id = "almalinux";
        else if (strstr(line, "Red Hat"))
            id = "rhel";
        ver = release_version(line);
    }
    if (!ok || !id || !*line) {
        ivet_free(line);
        ivet_free(ver);
        if (!ok)
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return 0;
    }
    ivet_osinfo_release(os);
    os->id = ivet_strdup(id);
    os->version_id = ver;
    os->name = line;
    os->source = which;
    if (!os->id)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    return 1;
}

/* End of security support per release, as published by endoflife.date
 * (https://endoflife.date/alpine, /debian, /ubuntu, /centos, /fedora) and
 * the distributions' own release pages, checked 2026-11. Debian counts its
 * LTS period; Ubuntu its standard support. Releases missing here are not
 * judged. Match: `key` equals the release's major (debian, centos, fedora),
 * major.minor (alpine) or YY.MM (ubuntu). */
static const struct {
    const char *id, *key, *eol;
} eol_table[] = {
    { "alpine", "3.10", "2021-05-01" }, { "alpine", "3.11", "2021-11-01" },
    { "alpine", "3.12", "2022-05-01" }, { "alpine", "3.13", "2022-11-01" },
    { "alpine", "3.14", "2023-05-01" }, { "alpine", "3.15", "2023-11-01" },
    { "alpine", "3.16", "2024-05-23" }, { "alpine", "3.17", "2024-11-22" },
    { "alpine", "3.18", "2025-05-09" }, { "alpine", "3.19", "2025-11-01" },
    { "alpine", "3.20", "2026-04-01" }, { "alpine", "3.21", "2026-11-01" },
    { "alpine", "3.22", "2027-05-01" },
    { "debian", "7", "2018-05-31" },    { "debian", "8", "2020-06-30" },
    { "debian", "9", "2022-06-30" },    { "debian", "10", "2024-06-30" },
    { "debian", "11", "2026-08-31" },   { "debian", "12", "2028-06-30" },
    { "ubuntu", "14.04", "2019-04-25" }, { "ubuntu", "16.04", "2021-04-30" },
    { "ubuntu", "18.04", "2023-05-31" }, { "ubuntu", "20.04", "2025-05-29" },
    { "ubuntu", "22.04", "2027-06-01" }, { "ubuntu", "24.04", "2029-05-31" },
    { "centos", "6", "2020-11-30" },    { "centos", "7", "2024-06-30" },
    { "centos", "8", "2021-12-31" },
    { "fedora", "38", "2024-05-21" },   { "fedora", "39", "2024-11-26" },
    { "fedora", "40", "2025-05-13" },   { "fedora", "41", "2025-12-15" },
};

int ivet_os_eol(const char *id, const char *version_id, const char **eol)
{
    if (!id || !version_id)
        return 0;
    char key[32];
    size_t n = 0;
    int dots = 0;
    /* alpine and ubuntu keep one dot (3.20.3 -> 3.20), the others none */
    int keep = (!strcmp(id, "alpine") || !strcmp(id, "ubuntu")) ? 1 : 0;
    for (const char *p = version_id; *p && n < sizeof(key) - 1; p++) {
        if (*p == '.' && ++dots > keep)
            break;
        key[n++] = *p;
    }
    key[n] = 0;
    for (size_t i = 0; i < IVET_ARRAY_LEN(eol_table); i++)
        if (!strcmp(eol_table[i].id, id) && !strcmp(eol_table[i].key, key)) {
            *eol = eol_table[i].eol;
            return 1;
        }
    return 0;
}
