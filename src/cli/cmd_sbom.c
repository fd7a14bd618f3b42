/* cmd_sbom.c: `imagevet sbom [--format cyclonedx|spdx|json] [-o FILE] IMAGE`:
 * scans with the package inventory only and writes the SBOM. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void sbom_usage(FILE *f)
{
    fprintf(f, "usage: imagevet sbom [--format cyclonedx|spdx|json] [--output FILE]\n"
               "                     [--platform os/arch] [registry options] IMAGE\n\n"
               "Lists the image's OS and language packages (with purls and the layer\n"
               "that added each) as CycloneDX 1.5 JSON (default), SPDX 2.3 JSON or\n"
               "imagevet's JSON report. Exit status 0, or 2 when the image cannot be read.\n\n"
               CLI_REGISTRY_USAGE);
}

enum { O_PLATFORM = 256 };

static const struct option longopts[] = {
    { "format", required_argument, NULL, 'f' },
    { "output", required_argument, NULL, 'o' },
    { "help", no_argument, NULL, 'h' },
    { "platform", required_argument, NULL, O_PLATFORM },
    CLI_REGISTRY_LONGOPTS,
    { 0 },
};

int cmd_sbom(int argc, char **argv)
{
    struct ivet_scan_opts o;
    struct ivet_err err = IVET_ERR_INIT;
    struct cli_registry reg = { 0 };
    const char *format = "cyclonedx", *output = NULL;
    int c, status = 2;
    ivet_scan_opts_init(&o);
    o.inventory_only = true;
    o.no_content = true;                /* content rules off; the inventory still runs */
    o.offline = true;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:h", longopts, NULL)) != -1) {
        int r = cli_registry_opt(&reg, &o, c, optarg, "sbom");
        if (r < 0)
            return 2;
        if (r)
            continue;
        switch (c) {
        case 'f': format = optarg; break;
        case 'o': output = optarg; break;
        case 'h': sbom_usage(stdout); return 0;
        case O_PLATFORM: o.platform = optarg; break;
        default: sbom_usage(stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        sbom_usage(stderr);
        return 2;
    }
    if (strcmp(format, "cyclonedx") && strcmp(format, "spdx") && strcmp(format, "json")) {
        fprintf(stderr, "imagevet sbom: unknown format '%s' (cyclonedx, spdx or json)\n", format);
        return 2;
    }
    o.image = argv[optind];
    if (cli_registry_apply(&reg, &o, "sbom") < 0)
        return 2;
    struct ivet_report *r = ivet_scan(&o, &err);
    FILE *out = stdout;
    if (!r) {
        status = cli_fail("sbom", &err);
        goto done;
    }
    if (output && !(out = fopen(output, "w"))) {
        perror(output);
        goto done;
    }
    if (ivet_report_render(r, format, out, false, &err) < 0)
        status = cli_fail("sbom", &err);
    else if (fflush(out) != 0 || ferror(out))
        fprintf(stderr, "imagevet sbom: cannot write the SBOM\n");
    else
        status = 0;
    if (out != stdout && fclose(out) != 0 && status == 0) {
        perror(output);
        status = 2;
    }
done:
    ivet_report_free(r);
    cli_registry_release(&reg);
    return status;
}
