/* cmd_diff.c: `imagevet diff [options] IMAGE_A IMAGE_B`: the published image
 * against your own rebuild, file by file. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void diff_usage(FILE *f)
{
    fprintf(f,
        "usage: imagevet diff [options] IMAGE_A IMAGE_B\n"
        "\n"
        "Compares two images: every file of the final (merged) tree by content\n"
        "(sha256), type, mode, owner and link target; the configuration (user,\n"
        "entrypoint, command, environment, ports, volumes, labels, ...); and the\n"
        "installed packages. Times are ignored. Typical use: A is the published\n"
        "image, B your own build of the same source.\n"
        "\n"
        "  -f, --format FMT          table (default) or json (imagevet/diff/v1)\n"
        "  -o, --output FILE         write to FILE instead of stdout\n"
        "      --ignore PATTERN      leave out paths matching this fnmatch(3) pattern ('*' also\n"
        "                            matches '/'; repeatable), e.g. '/var/cache/*'\n"
        "      --platform OS/ARCH[/VARIANT]  platform to pick from multi-platform images\n"
        CLI_REGISTRY_USAGE
        "                            (--username/--password-stdin log in to B's registry only;\n"
        "                            A uses the credentials stored for its registry)\n"
        "\n"
        "exit status: 0 the same, 1 they differ, 2 an image could not be read\n");
}

enum { O_IGNORE = 256, O_PLATFORM };
#define MAX_IGNORE 64

static const struct option longopts[] = {
    { "format", required_argument, NULL, 'f' },
    { "output", required_argument, NULL, 'o' },
    { "help", no_argument, NULL, 'h' },
    { "ignore", required_argument, NULL, O_IGNORE },
    { "platform", required_argument, NULL, O_PLATFORM },
    CLI_REGISTRY_LONGOPTS,
    { 0 },
};

int cmd_diff(int argc, char **argv)
{
    struct ivet_scan_opts a, b;
    struct ivet_err err = IVET_ERR_INIT;
    const char *ignore[MAX_IGNORE + 1] = { 0 }, *format = "table", *output = NULL;
    size_t nignore = 0;
    struct cli_registry reg = { 0 };
    int c, status = 2;
    ivet_scan_opts_init(&a);
    a.offline = true;
    a.progress = false;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:h", longopts, NULL)) != -1) {
        int r = cli_registry_opt(&reg, &a, c, optarg, "diff");
        if (r < 0)
            return 2;
        if (r)
            continue;
        switch (c) {
        case 'f': format = optarg; break;
        case 'o': output = optarg; break;
        case 'h': diff_usage(stdout); return 0;
        case O_IGNORE:
            if (nignore == MAX_IGNORE) {
                fprintf(stderr, "imagevet diff: at most %d --ignore patterns\n", MAX_IGNORE);
                return 2;
            }
            ignore[nignore++] = optarg;
            break;
        case O_PLATFORM: a.platform = optarg; break;
        default: diff_usage(stderr); return 2;
        }
    }
    if (optind != argc - 2) {
        fprintf(stderr, "imagevet diff: two images are needed\n");
        diff_usage(stderr);
        return 2;
    }
    if (strcmp(format, "table") && strcmp(format, "json")) {
        fprintf(stderr, "imagevet diff: unknown format '%s' (table or json)\n", format);
        return 2;
    }
    if (cli_registry_apply(&reg, &a, "diff") < 0)
        return 2;
    /* An explicit login is for your own registry, where B (your build) lives:
     * it must not go to A's registry, which may be anybody's. A uses the
     * credentials stored for its registry (~/.docker/config.json). */
    b = a;
    a.username = a.password = NULL;
    a.image = argv[optind];
    b.image = argv[optind + 1];
    struct ivet_diff_opts o = { .a = &a, .b = &b, .ignore = nignore ? ignore : NULL };
    struct ivet_diff *d = ivet_diff_images(&o, &err);
    FILE *out = stdout;
    if (!d) {
        status = cli_fail("diff", &err);
        goto done;
    }
    if (output && !(out = fopen(output, "w"))) {
        perror(output);
        goto done;
    }
    if (ivet_diff_render(d, format, out, &err) < 0)
        status = cli_fail("diff", &err);
    else
        status = ivet_diff_differs(d) ? 1 : 0;
    if (out != stdout && fclose(out) != 0 && status != 2) {
        perror(output);
        status = 2;
    }
done:
    ivet_diff_free(d);
    cli_registry_release(&reg);
    return status;
}
