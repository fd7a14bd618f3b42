/* names_inproc.c: times the name checks inside one process through the
 * public API: loading the reference data once, then checking one reference
 * offline, repeated. Built and run by bench/names.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "imagevet/name.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    const char *ref = argc > 1 ? argv[1] : "goog1e/cadvisor";
    int runs = argc > 2 ? atoi(argv[2]) : 1000;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_name_opts o;
    ivet_name_opts_init(&o);
    o.offline = true;
    double t0 = now_ms();
    struct ivet_name_checker *c = ivet_name_checker_new(&o, &err);
    double t1 = now_ms();
    if (!c) {
        fprintf(stderr, "%s\n", ivet_err_msg(&err));
        return 2;
    }
    FILE *null = fopen("/dev/null", "w");
    double t2 = now_ms();
    for (int i = 0; i < runs; i++) {
        struct ivet_name_result *r = ivet_name_check(c, ref, &err);
        if (!r || ivet_name_result_render(r, "json", null, &err) < 0)
            return 2;
        ivet_name_result_free(r);
    }
    double t3 = now_ms();
    printf("load %.3f ms, check+render %.4f ms per reference (%d runs)\n", t1 - t0, (t3 - t2) / runs, runs);
    fclose(null);
    ivet_name_checker_free(c);
    return 0;
}
