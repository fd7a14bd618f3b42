/* fuzz_contents.c: the contents analyzer's small parsers on hostile bytes:
 * ELF headers, passwd/shadow lines, shell command strings and "#!" lines,
 * and entrypoint resolution from a config document against a tiny fake
 * filesystem whose one script is the input itself. */
#include <stdint.h>
#include <string.h>

#include "analyze/contents.h"

static struct ivet_bytes script;

static char *fake_resolve(void *arg, const char *path, uint32_t *mode)
{
    (void)arg;
    static const char *const files[] = { "/bin/sh", "/entry.sh", "/usr/bin/python3", NULL };
    for (const char *const *f = files; *f; f++)
        if (strcmp(path, *f) == 0) {
            *mode = 0755;
            return ivet_strdup(path);
        }
    return NULL;
}

static const struct ivet_bytes *fake_script(void *arg, const char *path)
{
    (void)arg;
    return strcmp(path, "/entry.sh") == 0 ? &script : NULL;
}

static int acct_cb(void *arg, enum ivet_account_issue what, const char *user, uint32_t line, struct ivet_err *err)
{
    (void)arg, (void)what, (void)user, (void)line, (void)err;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_elfinfo ei;
    ivet_elf_inspect(data, size, &ei);
    (void)ivet_elf_is_static(&ei, "/tmp/x", 0755);
    (void)ivet_accounts_check((const char *)data, size, false, acct_cb, NULL, &err);
    (void)ivet_accounts_check((const char *)data, size, true, acct_cb, NULL, &err);
    char *s = ivet_strndup((const char *)data, size);
    if (!s)
        return 0;
    ivet_strv_free(ivet_shell_first_command(s));
    /* the input as the entrypoint script and, when it is JSON, as the config */
    script = ivet_bytes_make(data, size);
    struct ivet_ep_fs fs = { fake_resolve, fake_script, NULL };
    struct ivet_entrypoint ep;
    json_t *cmd = json_pack("{s:{s:[s],s:[s]}}", "config", "Entrypoint", "/entry.sh", "Cmd", s);
    if (cmd && ivet_entrypoint_resolve(cmd, &fs, &ep, &err) == 0)
        ivet_entrypoint_release(&ep);
    json_decref(cmd);
    json_t *cfg = json_loadb((const char *)data, size, 0, NULL);
    if (cfg && ivet_entrypoint_resolve(cfg, &fs, &ep, &err) == 0)
        ivet_entrypoint_release(&ep);
    json_decref(cfg);
    ivet_free(s);
    ivet_err_release(&err);
    return 0;
}
