/* cmd_scan.c: `imagevet scan` argument handling. */
#include <stdio.h>

#include "cli.h"

int cmd_scan(int argc, char **argv)
{
    struct ivet_scan_opts o;
    struct ivet_err err = IVET_ERR_INIT;
    ivet_scan_opts_init(&o);
    if (argc < 2) {
        fprintf(stderr, "usage: imagevet scan IMAGE\n");
        return 2;
    }
    o.image = argv[argc - 1];
    struct ivet_report *r = ivet_scan(&o, &err);
    if (!r) {
        fprintf(stderr, "imagevet: %s\n", ivet_err_msg(&err));
        int st = ivet_err_exit_status(err.code);
        ivet_err_release(&err);
        return st;
    }
    return 0;
}
