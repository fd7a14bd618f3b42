/* packages_node.c: one npm package from node_modules/<name>/package.json
 * (or node_modules/@scope/name/package.json). Which package.json files
 * count is decided by ivet_npm_path_wanted. */
#include "analyze/packages.h"

#include <jansson.h>
#include <string.h>

int ivet_npm_package_parse(struct ivet_bytes b, const struct ivet_pkgctx *c, struct ivet_err *err)
{
    json_error_t jerr;
    json_t *root = json_loadb((const char *)b.ptr, b.len, JSON_REJECT_DUPLICATES, &jerr);
    int ret = 0;
    char *purl = NULL, *lic_buf = NULL;
    if (!root || !json_is_object(root)) {
        ivet_pkg_malformed(c);
        goto out;
    }
    const char *name = json_string_value(json_object_get(root, "name"));
    const char *version = json_string_value(json_object_get(root, "version"));
    if (!name || !version || !*name || !*version)
        goto out;
    json_t *lj = json_object_get(root, "license");
    const char *lic = json_string_value(lj);
    if (!lic && json_is_object(lj))
        lic = json_string_value(json_object_get(lj, "type"));
    if (!lic) {
        /* the old "licenses": [{"type": ...}] form */
        json_t *arr = json_object_get(root, "licenses"), *it;
        size_t i;
        struct ivet_buf lb;
        ivet_buf_init(&lb, 4096);
        json_array_foreach(arr, i, it) {
            const char *t = json_string_value(json_is_object(it) ? json_object_get(it, "type") : it);
            if (t && (ivet_buf_puts(&lb, lb.len ? " OR " : "", err) < 0 ||
                      ivet_buf_puts(&lb, t, err) < 0))
                break;
        }
        if (lb.len)
            lic = lic_buf = ivet_buf_detach(&lb);
        ivet_buf_release(&lb);
    }
    /* "@scope/name": the scope is the purl namespace */
    const char *ns = NULL, *base = name;
    char *scope = NULL;
    if (name[0] == '@') {
        const char *slash = strchr(name, '/');
        if (!slash || !slash[1])
            goto out;
        if (!(scope = ivet_strndup(name, (size_t)(slash - name))))
            goto nomem;
        ns = scope;
        base = slash + 1;
    }
    purl = ivet_purl("npm", ns, base, version, NULL, 0);
    ivet_free(scope);
    if (!purl)
        goto nomem;
    struct ivet_package p = {
        .type = "npm", .name = (char *)name, .version = (char *)version, .purl = purl,
        .license = (char *)lic,
    };
    ret = ivet_pkg_emit(c, &p, err);
    ret = ret < 0 ? ret : 1;
    goto out;
nomem:
    ret = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
out:
    ivet_free(purl);
    ivet_free(lic_buf);
    json_decref(root);
    return ret;
}

/* Directory names under node_modules that hold test data, not installed packages. */
static bool fixture_dir(const char *s, size_t n)
{
    static const char *const names[] = { "test", "tests", "__tests__", "fixtures", "fixture",
                                          "__fixtures__", "example", "examples", NULL };
    for (const char *const *p = names; *p; p++)
        if (strlen(*p) == n && !memcmp(s, *p, n))
            return true;
    return false;
}

/* ".../node_modules/<name>/package.json" or ".../node_modules/@scope/<name>/package.json",
 * with no test-fixture directory on the way from the first node_modules. */
bool ivet_npm_path_wanted(const char *path)
{
    if (!ivet_endswith(path, "/package.json"))
        return false;
    const char *first = strstr(path, "/node_modules/");
    if (!first)
        return false;
    const char *last = first, *q;
    while ((q = strstr(last + 1, "/node_modules/")))
        last = q;
    const char *rest = last + 14;       /* after "/node_modules/" */
    const char *slash = strchr(rest, '/');
    if (!slash || slash == rest)
        return false;
    if (rest[0] == '@') {
        const char *s2 = strchr(slash + 1, '/');
        if (!s2 || s2 == slash + 1)
            return false;
        slash = s2;
    }
    if (strcmp(slash, "/package.json"))
        return false;
    for (const char *p = first + 1; p < last;) {
        const char *e = strchr(p, '/');
        if (!e || e > last)
            e = last;
        if (fixture_dir(p, (size_t)(e - p)))
            return false;
        p = e + 1;
    }
    return true;
}

