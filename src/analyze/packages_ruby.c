/* packages_ruby.c: installed gems from specifications/<name>-<version>.gemspec.
 * The file is Ruby, never evaluated: only the literal assignments
 * `s.name = "x"`, `s.version = "y"` and `s.licenses = ["z"]` are read, and
 * the file name supplies what they do not. */
#include "analyze/packages.h"

#include <ctype.h>
#include <string.h>

/* The first "..." or '...' literal after `=` on a line like `  s.version = "1.2".freeze`. */
static char *literal_after(const char *line, size_t n, const char *attr)
{
    size_t al = strlen(attr);
    size_t i = 0;
    while (i < n && (line[i] == ' ' || line[i] == '\t'))
        i++;
    /* <ident>.<attr> */
    size_t id = i;
    while (i < n && (isalnum((unsigned char)line[i]) || line[i] == '_'))
        i++;
    if (i == id || i >= n || line[i] != '.')
        return NULL;
    i++;
    if (n - i < al || memcmp(line + i, attr, al))
        return NULL;
    i += al;
    while (i < n && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i >= n || line[i] != '=')
        return NULL;
    for (i++; i < n; i++) {
        if (line[i] == '"' || line[i] == '\'') {
            const char *end = memchr(line + i + 1, line[i], n - i - 1);
            return end ? ivet_strndup(line + i + 1, (size_t)(end - line - i - 1)) : NULL;
        }
        if (line[i] != ' ' && line[i] != '[' && line[i] != '\t')
            return NULL;
    }
    return NULL;
}

/* "name-1.2.3.gemspec" -> name, version (split at the last '-' before a digit) */
static void from_file_name(const char *path, char **name, char **version)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 8 && !strcmp(base + n - 8, ".gemspec"))
        n -= 8;
    for (size_t i = n; i-- > 0;) {
        if (base[i] == '-' && i + 1 < n && isdigit((unsigned char)base[i + 1])) {
            if (!*name)
                *name = ivet_strndup(base, i);
            if (!*version)
                *version = ivet_strndup(base + i + 1, n - i - 1);
            return;
        }
    }
}

int ivet_gemspec_parse(struct ivet_bytes b, const struct ivet_pkgctx *c, struct ivet_err *err)
{
    char *name = NULL, *version = NULL, *license = NULL, *purl = NULL;
    size_t pos = 0, n;
    const char *line;
    int ret = 0;
    while (ivet_text_line(b, &pos, &line, &n)) {
        char *v;
        if (!name && (v = literal_after(line, n, "name")))
            name = v;
        else if (!version && (v = literal_after(line, n, "version")))
            version = v;
        else if (!license && ((v = literal_after(line, n, "licenses")) ||
                              (v = literal_after(line, n, "license"))))
            license = v;
    }
    if (c->path)
        from_file_name(c->path, &name, &version);
    if (!name || !version || !*name || !*version) {
        ivet_pkg_malformed(c);
        goto out;
    }
    if (!(purl = ivet_purl("gem", NULL, name, version, NULL, 0))) {
        ret = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        goto out;
    }
    struct ivet_package p = {
        .type = "gem", .name = name, .version = version, .purl = purl, .license = license,
    };
    ret = ivet_pkg_emit(c, &p, err);
    ret = ret < 0 ? ret : 1;
out:
    ivet_free(name);
    ivet_free(version);
    ivet_free(license);
    ivet_free(purl);
    return ret;
}
