/* cmd_sbom.c: `imagevet sbom [--format cyclonedx|spdx|json] [-o FILE] IMAGE`:
 * scans with the package inventory only and writes the SBOM. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void sbom_usage(FILE *f)
{
    fprintf(f, "usage: imagevet sbom [--format cyclonedx|spdx|json] [--output FILE]\n"
               "                     [--platform os/arch] IMAGE\n\n"
               "Lists the image's OS and language packages (with purls and the layer\n"
               "that added each) as CycloneDX 1.5 JSON (default), SPDX 2.3 JSON or\n"
               "imagevet's JSON report. Exit status 0, or 2 when the image cannot be read.\n");
}

int cmd_sbom(int argc, char **argv)
{
    struct ivet_scan_opts o;
    struct ivet_err err = IVET_ERR_INIT;
    const char *format = "cyclonedx", *output = NULL;
    ivet_scan_opts_init(&o);
    o.inventory_only = true;
    o.no_content = true;                /* content rules off; the inventory still runs */
    o.offline = true;
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            sbom_usage(stdout);
            return 0;
        } else if ((!strcmp(a, "--format") || !strcmp(a, "-f")) && i + 1 < argc) {
            format = argv[++i];
        } else if (!strncmp(a, "--format=", 9)) {
            format = a + 9;
        } else if ((!strcmp(a, "--output") || !strcmp(a, "-o")) && i + 1 < argc) {
            output = argv[++i];
        } else if (!strcmp(a, "--platform") && i + 1 < argc) {
            o.platform = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "imagevet sbom: unknown option '%s'\n", a);
            sbom_usage(stderr);
            return 2;
        } else {
            break;
        }
    }
    if (i != argc - 1) {
        sbom_usage(stderr);
        return 2;
    }
    if (strcmp(format, "cyclonedx") && strcmp(format, "spdx") && strcmp(format, "json")) {
        fprintf(stderr, "imagevet sbom: unknown format '%s' (cyclonedx, spdx or json)\n", format);
        return 2;
    }
    o.image = argv[i];
    struct ivet_report *r = ivet_scan(&o, &err);
    if (!r) {
        fprintf(stderr, "imagevet: %s\n", ivet_err_msg(&err));
        int st = ivet_err_exit_status(err.code);
        ivet_err_release(&err);
        return st;
    }
    FILE *out = stdout;
    if (output && !(out = fopen(output, "w"))) {
        perror(output);
        ivet_report_free(r);
        return 2;
    }
    int rc = ivet_report_render(r, format, out, false, &err);
    if (out != stdout && fclose(out) != 0 && rc == 0)
        rc = ivet_err_sys(&err, IVET_E_IO, "cannot write '%s'", output);
    ivet_report_free(r);
    if (rc < 0) {
        fprintf(stderr, "imagevet: %s\n", ivet_err_msg(&err));
        int st = ivet_err_exit_status(err.code);
        ivet_err_release(&err);
        return st;
    }
    return 0;
}
