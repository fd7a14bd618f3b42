/* cmd_vercmp.c: `imagevet vercmp ECOSYSTEM A B` prints <, = or >, and
 * `imagevet vercmp ECOSYSTEM -` answers one whitespace-separated pair per
 * line of stdin ('!' for a pair with an invalid version). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "imagevet/version.h"

static const char *op(int r)
{
    return r < 0 ? "<" : (r > 0 ? ">" : "=");
}

static void usage(FILE *f)
{
    fprintf(f, "usage: imagevet vercmp ECOSYSTEM A B\n"
               "       imagevet vercmp ECOSYSTEM -      (pairs 'A B' on stdin, one per line)\n"
               "ecosystems: apk, deb (dpkg), rpm, semver, pep440 (pypi), go, maven\n"
               "prints <, = or >; exit 2 on an invalid version ('!' per invalid pair with -)\n");
}

static int batch(int eco)
{
    char line[2 * IVET_VERSION_MAX + 64];
    int status = 0;
    while (fgets(line, sizeof(line), stdin)) {
        size_t n = strlen(line);
        if (n == sizeof(line) - 1 && line[n - 1] != '\n') {
            int c;
            while ((c = getchar()) != EOF && c != '\n')
                ;
            puts("!");
            continue;
        }
        char *save = NULL;
        char *a = strtok_r(line, " \t\r\n", &save);
        char *b = a ? strtok_r(NULL, " \t\r\n", &save) : NULL;
        char *extra = b ? strtok_r(NULL, " \t\r\n", &save) : NULL;
        if (!a)
            continue;               /* blank line */
        int r;
        struct ivet_err err = IVET_ERR_INIT;
        if (!b || extra || ivet_vercmp_eco((enum ivet_vereco)eco, a, b, &r, &err) < 0) {
            puts("!");
            status = 2;
        } else {
            puts(op(r));
        }
        ivet_err_release(&err);
    }
    return status;
}

int cmd_vercmp(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return 0;
    }
    if (argc != 3 && argc != 4) {
        usage(stderr);
        return 2;
    }
    int eco = ivet_vereco_parse(argv[1]);
    if (eco < 0) {
        fprintf(stderr, "imagevet: unknown version ecosystem '%s' "
                        "(apk, deb, rpm, semver, pep440, go, maven)\n", argv[1]);
        return 2;
    }
    if (argc == 3) {
        if (strcmp(argv[2], "-") != 0) {
            usage(stderr);
            return 2;
        }
        return batch(eco);
    }
    int r;
    struct ivet_err err = IVET_ERR_INIT;
    if (ivet_vercmp_eco((enum ivet_vereco)eco, argv[2], argv[3], &r, &err) < 0) {
        fprintf(stderr, "imagevet: %s\n", ivet_err_msg(&err));
        ivet_err_release(&err);
        return 2;
    }
    puts(op(r));
    return 0;
}
