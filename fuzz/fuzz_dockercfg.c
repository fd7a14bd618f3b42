/* fuzz_dockercfg.c: Docker config.json lookup and credential-helper answers on
 * arbitrary bytes. The first byte picks the host looked up, so the matching
 * of auths/credHelpers keys is exercised too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "source/reg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *hosts[] = { "docker.io", "registry-1.docker.io", "127.0.0.1:5000",
                                   "reg.example", "ghcr.io" };
    struct ivet_err err = IVET_ERR_INIT;
    if (size < 1 || size > 65536)
        return 0;
    const char *host = hosts[data[0] % 5];
    struct ivet_reg_creds c;
    char *helper = NULL;
    memset(&c, 0, sizeof(c));
    int rc = ivet_reg_config_lookup((const char *)data + 1, size - 1, host, &c, &helper, &err);
    if (rc > 0 && !helper && !ivet_reg_creds_present(&c))
        abort();
    ivet_free(helper);
    ivet_reg_creds_release(&c);
    ivet_err_release(&err);
    memset(&c, 0, sizeof(c));
    if (ivet_reg_helper_parse((const char *)data + 1, size - 1, &c, &err) > 0 && !ivet_reg_creds_present(&c))
        abort();
    ivet_reg_creds_release(&c);
    ivet_err_release(&err);
    return 0;
}
