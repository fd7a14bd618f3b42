/* contents.h: pieces of the contents analyzer that need no scan around them
 * (ELF headers, account files, entrypoint resolution), so tests can drive
 * them directly. The analyzer itself is contents.c. */
#ifndef IVET_CONTENTS_H
#define IVET_CONTENTS_H

#include <jansson.h>

#include "core/core.h"

/* ---- elfinfo.c: what the first bytes of a file say about it. */
struct ivet_elfinfo {
    bool elf;                   /* \x7fELF with a sane class and byte order */
    uint16_t type;              /* e_type: 2 ET_EXEC, 3 ET_DYN */
    bool phdrs_seen;            /* the program headers lay within the bytes given */
    bool interp;                /* a PT_INTERP header (dynamically linked program) */
    bool dynamic;               /* a PT_DYNAMIC header */
    bool upx;                   /* UPX packer marks ("UPX!" in the first KiB, UPX sections) */
};
/* Inspects head[0..n) (the start of a file; 4 KiB is plenty). Never reads
 * outside it. */
void ivet_elf_inspect(const uint8_t *head, size_t n, struct ivet_elfinfo *out);
/* A program with no interpreter: ET_EXEC without PT_INTERP, or a static-PIE
 * (ET_DYN without PT_INTERP, executable, not named like a shared library). */
bool ivet_elf_is_static(const struct ivet_elfinfo *ei, const char *path, uint32_t mode);

/* ---- accounts.c: /etc/passwd and /etc/shadow. */
enum ivet_account_issue {
    IVET_ACCOUNT_UID0 = 1,          /* passwd: a user other than root with UID 0 */
    IVET_ACCOUNT_EMPTY_PASSWORD,    /* shadow (or passwd): empty password field */
};
typedef int (*ivet_account_fn)(void *arg, enum ivet_account_issue what, const char *user,
                               uint32_t line, struct ivet_err *err);
/* Field k (0-based) of a colon-separated line l[0..n): start and length. */
bool ivet_colon_field(const char *l, size_t n, unsigned k, const char **f, size_t *fl);
/* Calls fn for each issue. `shadow` selects the file format. */
int ivet_accounts_check(const char *text, size_t len, bool shadow, ivet_account_fn fn, void *arg,
                        struct ivet_err *err);

/* ---- entrypoint.c: ENTRYPOINT + CMD to the file that runs first. */
/* The filesystem as the final image shows it. */
struct ivet_ep_fs {
    /* Follows symlinks; a fresh string with the final path of a regular file
     * (and its mode), or NULL when absent or not a regular file. */
    char *(*resolve)(void *arg, const char *path, uint32_t *mode);
    /* Content of a (resolved) script, or NULL when unknown. Borrowed. */
    const struct ivet_bytes *(*script)(void *arg, const char *path);
    void *arg;
};
struct ivet_entrypoint {
    char *path;                 /* resolved file that runs first, or NULL */
    char *command;              /* argv[0] as written (after wrappers), or NULL */
    char *interpreter;          /* resolved "#!" interpreter of path, or NULL */
    char *runner;               /* the shell or interpreter that runs path as its script
                                 * ("sh" of `sh /app/run`), or NULL */
    bool runner_lenient;        /* runner runs what follows bytes it cannot parse: a
                                 * shell skips such lines, php prints them */
    char **named;               /* scripts `path` names (one level), resolved */
    size_t nnamed;
};
/* Resolves from the image config document (the "config" member holds
 * Entrypoint, Cmd, Env, WorkingDir). An image without either gives path NULL
 * and returns 0. Only IVET_E_NOMEM fails. */
int ivet_entrypoint_resolve(json_t *config, const struct ivet_ep_fs *fs, struct ivet_entrypoint *ep,
                            struct ivet_err *err);
void ivet_entrypoint_release(struct ivet_entrypoint *ep);
/* Entrypoint then Cmd of the config's "config" object, as the words Docker
 * runs: each may be an array of strings or a single string (Docker's
 * StrSlice accepts both). A NULL-terminated vector (free with
 * ivet_strv_free), NULL only when out of memory. */
char **ivet_config_argv(json_t *cfg);
/* Splits a shell command string into the words of its first simple command
 * that is not a shell builtin such as set/export/cd (quotes and backslashes
 * honoured, no expansion). Fresh NULL-terminated vector (ivet_strv_free), or
 * NULL on OOM; an empty command gives an empty vector. */
char **ivet_shell_first_command(const char *s);
void ivet_strv_free(char **v);

#endif
