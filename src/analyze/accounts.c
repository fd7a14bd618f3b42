/* accounts.c: checks /etc/passwd (users other than root with UID 0, empty
 * password fields) and /etc/shadow (empty password hashes). Locked ("!", "*")
 * and disabled entries are fine. */
#include "analyze/contents.h"

#include <stdio.h>
#include <string.h>

bool ivet_colon_field(const char *l, size_t n, unsigned k, const char **f, size_t *fl)
{
    const char *p = l, *e = l + n;
    for (unsigned i = 0; i < k; i++) {
        const char *c = memchr(p, ':', (size_t)(e - p));
        if (!c)
            return false;
        p = c + 1;
    }
    const char *c = memchr(p, ':', (size_t)(e - p));
    *f = p;
    *fl = (size_t)((c ? c : e) - p);
    return true;
}

static bool all_zero(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != '0')
            return false;
    return true;
}

static int check_line(const char *l, size_t n, bool shadow, uint32_t line, ivet_account_fn fn, void *arg,
                      struct ivet_err *err)
{
    const char *name, *pw, *uid;
    size_t nl, pl, ul;
    char user[64];
    if (n == 0 || l[0] == '#' || l[0] == '+' || l[0] == '-' || !ivet_colon_field(l, n, 0, &name, &nl) ||
        !ivet_colon_field(l, n, 1, &pw, &pl) || nl == 0)
        return 0;
    snprintf(user, sizeof(user), "%.*s", (int)IVET_MIN(nl, sizeof(user) - 1), name);
    int rc = 0;
    if (pl == 0)
        rc = fn(arg, IVET_ACCOUNT_EMPTY_PASSWORD, user, line, err);
    if (rc == 0 && !shadow && ivet_colon_field(l, n, 2, &uid, &ul) && ul >= 1 && all_zero(uid, ul) &&
        !(nl == 4 && memcmp(name, "root", 4) == 0))
        rc = fn(arg, IVET_ACCOUNT_UID0, user, line, err);
    return rc;
}

int ivet_accounts_check(const char *text, size_t len, bool shadow, ivet_account_fn fn, void *arg,
                        struct ivet_err *err)
{
    const char *p = text, *end = text + len;
    uint32_t line = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        size_t n = (size_t)(e - p);
        if (n && p[n - 1] == '\r')
            n--;
        int rc = check_line(p, n, shadow, ++line, fn, arg, err);
        if (rc < 0)
            return rc;
        p = nl ? nl + 1 : end;
    }
    return 0;
}
