/* main.c: imagevet's entry point: dispatches to one cmd_<name>.c per subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct cli_cmd {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} cmds[] = {
    { "scan", cmd_scan, "vet an image: one verdict, findings, exit status by policy" },
    { "name", cmd_name, "publisher and impersonation checks on references, without pulling" },
    { "vercmp", cmd_vercmp, "compare two package versions: prints <, = or >" },
    { "db", cmd_db, "vulnerability database: update, import FILE|DIR, status" },
    { "sbom", cmd_sbom, "list an image's packages as CycloneDX, SPDX or imagevet JSON" },
    { "diff", cmd_diff, "compare two images file by file (the published one and your rebuild)" },
    { "serve", cmd_serve, "vet every image pushed to your registry (its notifications endpoint)" },
    { "verify", cmd_verify, "is the image signed (cosign) with one of these public keys?" },
};

static void usage(FILE *f)
{
    fprintf(f, "usage: imagevet <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].help);
    fprintf(f, "\nimagevet <command> --help shows a command's options.\n"
               "exit status: 0 pass (or warn), 1 fail, 2 could not vet (usage, input, network)\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("imagevet %s\n", IMAGEVET_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (!strcmp(argv[1], cmds[i].name))
            return cmds[i].run(argc - 1, argv + 1);
    fprintf(stderr, "imagevet: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
