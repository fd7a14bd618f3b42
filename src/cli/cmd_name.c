/* cmd_name.c: `imagevet name` argument handling: publisher and name checks
 * on references without pulling anything. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_TRUST 1024

static void name_usage(FILE *f)
{
    fprintf(f, "usage: imagevet name [--format table|json] [--offline] [--trust NAMESPACE]...\n"
               "                     [--hub-url URL] [--cache-dir DIR] [--data-dir DIR] REF... | -\n"
               "  REF        an image reference (alpine:3.19, goog1e/cadvisor, ghcr.io/o/app@sha256:...)\n"
               "  -          read references from standard input, one per line\n"
               "  --trust    trust a Docker Hub namespace, a registry host or registry/namespace\n"
               "             (repeatable; also $IMAGEVET_TRUST, comma-separated)\n"
               "exit status: 0 pass or warn, 1 a reference fails, 2 an invalid reference or usage error\n");
}

struct name_state {
    struct ivet_name_checker *checker;
    const char *format;
    int status;
};

static void check_one(struct name_state *st, const char *ref)
{
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_name_result *r = ivet_name_check(st->checker, ref, &err);
    if (!r) {
        fprintf(stderr, "imagevet: %s\n", ivet_err_msg(&err));
        st->status = 2;
        ivet_err_release(&err);
        return;
    }
    if (ivet_name_result_render(r, st->format, stdout, &err) < 0) {
        fprintf(stderr, "imagevet: %s\n", ivet_err_msg(&err));
        st->status = 2;
        ivet_err_release(&err);
    } else if (ivet_name_result_exit_status(r) && st->status == 0) {
        st->status = 1;
    }
    ivet_name_result_free(r);
}

static void check_stdin(struct name_state *st)
{
    char line[1024];
    while (fgets(line, sizeof(line), stdin)) {
        char *s = line;
        s[strcspn(s, "\r\n")] = 0;
        while (*s == ' ' || *s == '\t')
            s++;
        size_t n = strlen(s);
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            s[--n] = 0;
        if (*s && *s != '#')
            check_one(st, s);
    }
}

int cmd_name(int argc, char **argv)
{
    struct ivet_name_opts o;
    struct ivet_err err = IVET_ERR_INIT;
    struct name_state st = { NULL, "table", 0 };
    const char *trust[MAX_TRUST + 1];
    char *envcopy = NULL;
    int nt = 0, i;
    ivet_name_opts_init(&o);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_val = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            name_usage(stdout);
            return 0;
        } else if (!strcmp(a, "--offline")) {
            o.offline = true;
        } else if (!strcmp(a, "--format") && has_val) {
            st.format = argv[++i];
        } else if (!strcmp(a, "--trust") && has_val && nt < MAX_TRUST) {
            trust[nt++] = argv[++i];
        } else if (!strcmp(a, "--hub-url") && has_val) {
            o.hub_url = argv[++i];
        } else if (!strcmp(a, "--cache-dir") && has_val) {
            o.cache_dir = argv[++i];
        } else if (!strcmp(a, "--data-dir") && has_val) {
            o.data_dir = argv[++i];
        } else if (!strcmp(a, "--")) {
            i++;
            break;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "imagevet name: unknown or incomplete option '%s'\n", a);
            name_usage(stderr);
            return 2;
        } else {
            break;
        }
    }
    if (strcmp(st.format, "json") != 0 && strcmp(st.format, "table") != 0) {
        fprintf(stderr, "imagevet name: unknown format '%s' (table or json)\n", st.format);
        return 2;
    }
    if (i >= argc) {
        name_usage(stderr);
        return 2;
    }
    size_t ntrust = (size_t)nt;
    if (cli_trust_from_env(trust, &ntrust, MAX_TRUST, &envcopy) < 0) {
        fprintf(stderr, "imagevet name: at most %d trusted names ($IMAGEVET_TRUST included)\n", MAX_TRUST);
        free(envcopy);
        return 2;
    }
    nt = (int)ntrust;
    trust[nt] = NULL;
    o.trusted_namespaces = trust;
    if (!(st.checker = ivet_name_checker_new(&o, &err))) {
        fprintf(stderr, "imagevet: %s\n", ivet_err_msg(&err));
        int s = ivet_err_exit_status(err.code);
        ivet_err_release(&err);
        free(envcopy);
        return s;
    }
    for (; i < argc; i++) {
        if (!strcmp(argv[i], "-"))
            check_stdin(&st);
        else
            check_one(&st, argv[i]);
    }
    ivet_name_checker_free(st.checker);
    free(envcopy);
    return st.status;
}
