/* packages_rust.c: the crate list cargo-auditable embeds in Rust binaries:
 * a zlib stream (inflated here with ISA-L, output capped) of JSON
 * {"packages":[{"name","version","source","kind",...}]}. Finding the
 * section in the binary is packages_elf.c's job. */
#include "analyze/packages.h"

#include <isa-l/igzip_lib.h>
#include <jansson.h>
#include <string.h>

#define CARGO_MAX_JSON (8u * 1024u * 1024u)

int ivet_cargo_auditable_json_parse(struct ivet_bytes json, const struct ivet_pkgctx *c,
                                    struct ivet_err *err)
{
    json_error_t jerr;
    json_t *root = json_loadb((const char *)json.ptr, json.len, 0, &jerr), *pk;
    json_t *pkgs = json_object_get(root, "packages");
    size_t i;
    int count = 0;
    json_array_foreach(pkgs, i, pk) {
        const char *name = json_string_value(json_object_get(pk, "name"));
        const char *version = json_string_value(json_object_get(pk, "version"));
        if (!name || !version || !*name || !*version)
            continue;
        char *purl = ivet_purl("cargo", NULL, name, version, NULL, 0);
        if (!purl) {
            count = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
            break;
        }
        struct ivet_package p = { .type = "cargo", .name = (char *)name,
                                  .version = (char *)version, .purl = purl };
        int r = ivet_pkg_emit(c, &p, err);
        ivet_free(purl);
        if (r < 0) {
            count = r;
            break;
        }
        count++;
    }
    json_decref(root);
    return count;
}

int ivet_cargo_auditable_parse(struct ivet_bytes zdata, const struct ivet_pkgctx *c,
                               struct ivet_err *err)
{
    struct inflate_state *st = ivet_malloc(sizeof(*st));
    uint8_t *out = NULL;
    int r = 0;
    if (!st)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    size_t cap = 64 * 1024, len = 0;
    if (!(out = ivet_malloc(cap))) {
        r = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        goto out;
    }
    isal_inflate_init(st);
    st->crc_flag = ISAL_ZLIB;
    st->next_in = (uint8_t *)zdata.ptr;
    st->avail_in = (uint32_t)IVET_MIN(zdata.len, (size_t)UINT32_MAX);
    for (;;) {
        st->next_out = out + len;
        st->avail_out = (uint32_t)(cap - len);
        int rc = isal_inflate(st);
        len = cap - st->avail_out;
        if (rc != ISAL_DECOMP_OK)
            goto out;                   /* not zlib after all: not ours */
        if (st->block_state == ISAL_BLOCK_FINISH)
            break;
        if (len < cap)
            goto out;                   /* input ended before the stream did */
        if (cap >= CARGO_MAX_JSON)
            goto out;
        uint8_t *n = ivet_realloc(out, cap * 2);
        if (!n) {
            r = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
            goto out;
        }
        out = n;
        cap *= 2;
    }
    if (len && out[0] == '{')
        r = ivet_cargo_auditable_json_parse(ivet_bytes_make(out, len), c, err);
out:
    ivet_free(out);
    ivet_free(st);
    return r;
}
