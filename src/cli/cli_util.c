/* cli_util.c: small argument helpers shared by the subcommands. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_parse_size(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s)
        return -1;
    uint64_t mul = 1;
    switch (*end) {
    case 0: break;
    case 'k': case 'K': mul = 1ull << 10; end++; break;
    case 'm': case 'M': mul = 1ull << 20; end++; break;
    case 'g': case 'G': mul = 1ull << 30; end++; break;
    case 't': case 'T': mul = 1ull << 40; end++; break;
    default: return -1;
    }
    if ((*end == 'i' || *end == 'I') && end[1] == 'B')
        end += 2;
    else if (*end == 'B' || *end == 'b')
        end++;
    if (*end || (mul > 1 && v > UINT64_MAX / mul))
        return -1;
    *out = v * mul;
    return 0;
}

int cli_fail(const char *cmd, struct ivet_err *err)
{
    fprintf(stderr, "imagevet %s: %s\n", cmd, ivet_err_msg(err));
    int st = ivet_err_exit_status(err->code);
    ivet_err_release(err);
    return st;
}

char *cli_read_secret_stdin(void)
{
    char buf[4096];
    size_t n = fread(buf, 1, sizeof(buf) - 1, stdin);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    buf[n] = 0;
    char *s = strdup(buf);
    memset(buf, 0, sizeof(buf));
    return s;
}

/* Appends the comma-separated names of $IMAGEVET_TRUST to trust[] (pointing
 * into *copy, which the caller frees). -1 when there are too many. */
int cli_trust_from_env(const char **trust, size_t *nt, size_t max, char **copy)
{
    const char *env = getenv("IMAGEVET_TRUST");
    if (!env || !*env)
        return 0;
    if (!(*copy = strdup(env)))
        return -1;
    for (char *p = *copy; *p;) {
        size_t n = strcspn(p, ",");
        bool last = p[n] == '\0';
        p[n] = '\0';
        if (n) {
            if (*nt == max)
                return -1;
            trust[(*nt)++] = p;
        }
        if (last)
            break;
        p += n + 1;
    }
    return 0;
}

int cli_registry_opt(struct cli_registry *r, struct ivet_scan_opts *o, int c, const char *arg, const char *cmd)
{
    switch (c) {
    case CLI_O_USER: o->username = arg; return 1;
    case CLI_O_PWSTDIN: r->pw_stdin = true; return 1;
    case CLI_O_CAFILE: o->ca_file = arg; return 1;
    case CLI_O_INSECURE:
        if (r->ninsecure == CLI_MAX_INSECURE) {
            fprintf(stderr, "imagevet %s: at most %d --insecure-registry hosts\n", cmd, CLI_MAX_INSECURE);
            return -1;
        }
        r->insecure[r->ninsecure++] = arg;
        return 1;
    default: return 0;
    }
}

int cli_registry_apply(struct cli_registry *r, struct ivet_scan_opts *o, const char *cmd)
{
    if (r->ninsecure)
        o->insecure_registries = r->insecure;
    if (r->pw_stdin) {
        if (!(r->password = cli_read_secret_stdin())) {
            fprintf(stderr, "imagevet %s: cannot read the password from standard input\n", cmd);
            return -1;
        }
        o->password = r->password;
    }
    return 0;
}

void cli_registry_release(struct cli_registry *r)
{
    if (r->password) {
        memset(r->password, 0, strlen(r->password));
        free(r->password);
        r->password = NULL;
    }
}
