/* packages.h: the package inventory's parsers, one file per package type
 * (packages_<type>.c), and the purl builder they share. Parsers are pure:
 * they read bytes they are given and hand each package to a sink; the
 * analyzer glue (inventory.c) decides what to capture, which version of a
 * file is visible and which layer added a package. Every parser treats its
 * input as hostile: it is bounded by the input length and never trusts a
 * length or offset it reads. */
#ifndef IVET_PACKAGES_H
#define IVET_PACKAGES_H

#include "core/core.h"
#include "report/report.h"

/* Where the packages go. The package and its strings are borrowed for the
 * duration of the call (the sink copies what it keeps). A negative return
 * stops the parser, which returns it. */
struct ivet_pkgsink {
    int (*emit)(void *arg, const struct ivet_package *p, struct ivet_err *err);
    void *arg;
};

/* What a parser knows about where its input came from. */
struct ivet_pkgctx {
    const char *path;           /* the file in the image ("/lib/apk/db/installed") */
    int layer;                  /* layer of that file, -1 unknown */
    const char *distro_id;      /* os-release ID ("alpine", "debian"), or NULL */
    const char *distro_version; /* os-release VERSION_ID, or NULL */
    struct ivet_pkgsink sink;
    unsigned *malformed;        /* records that look like packages but cannot be read
                                 * (no name or version, a damaged header, not JSON):
                                 * counted here when not NULL, for the report's notes */
};

/* A record of c's input was skipped as malformed. */
static inline void ivet_pkg_malformed(const struct ivet_pkgctx *c)
{
    if (c->malformed)
        (*c->malformed)++;
}

/* Fills the common fields (path, layer) and emits. */
int ivet_pkg_emit(const struct ivet_pkgctx *c, struct ivet_package *p, struct ivet_err *err);

/* ---- purl.c: package URLs (package-url spec). */
struct ivet_purl_qual {
    const char *key;            /* lowercase */
    const char *value;          /* NULL or "" = left out */
};
/* "pkg:type/ns/name@version?k=v&..." with every component percent-encoded
 * (everything but A-Z a-z 0-9 . - _ ~ becomes %XX; ':' stays, as the spec
 * allows). `ns` may hold several '/'-separated segments (each encoded) or
 * be NULL; version may be NULL; qualifiers are sorted by key. NULL on OOM. */
char *ivet_purl(const char *type, const char *ns, const char *name, const char *version,
                const struct ivet_purl_qual *q, size_t nq);
/* Appends s percent-encoded (as above) to b. */
int ivet_purl_encode(struct ivet_buf *b, const char *s, struct ivet_err *err);
/* "debian-12": distro qualifier from id and version_id; NULL when no id. */
char *ivet_purl_distro(const char *id, const char *version_id);

/* ---- text helpers shared by the text parsers (packages_text.c). */
/* Next line of [*pos, len): sets *line and *n (without "\n" or "\r\n") and
 * advances *pos; false at the end. */
bool ivet_text_line(struct ivet_bytes b, size_t *pos, const char **line, size_t *n);
/* Copy of [p, p+n) with surrounding blanks trimmed; NULL on OOM. */
char *ivet_text_trimdup(const char *p, size_t n);

/* ---- packages_os.c: which distribution an image is. */
struct ivet_osinfo {
    char *id;                   /* "alpine", "debian", "ubuntu", "rhel", ... */
    char *version_id;           /* "3.20.3", "12", "22.04"; may be NULL */
    char *name;                 /* PRETTY_NAME or NAME, may be NULL */
    char *version_codename;     /* may be NULL */
    const char *source;         /* the file it came from (static string) */
};
void ivet_osinfo_release(struct ivet_osinfo *os);
/* os-release(5): KEY=VALUE lines, shell-style quoting. Returns 1 when an ID
 * was found, 0 when not, -code on OOM. */
int ivet_os_release_parse(struct ivet_bytes b, struct ivet_osinfo *os, struct ivet_err *err);
/* The fallback files. `which` is the path ("/etc/alpine-release",
 * "/etc/debian_version", "/etc/redhat-release", "/etc/centos-release",
 * "/etc/fedora-release"). Returns 1, 0 or -code as above. */
int ivet_os_fallback_parse(const char *which, struct ivet_bytes b, struct ivet_osinfo *os,
                           struct ivet_err *err);
/* The files, in the order they are tried. */
extern const char *const ivet_os_files[];
/* End of security support of a release from the shipped table (see
 * packages_os.c for the source). Returns 1 and sets *eol ("YYYY-MM-DD",
 * static) when the release is known, 0 when not. */
int ivet_os_eol(const char *id, const char *version_id, const char **eol);

/* ---- one parser per database format. Each returns the number of packages
 * emitted (malformed records are skipped), or -code when the sink or an
 * allocation failed. */
int ivet_apkdb_parse(struct ivet_bytes b, const struct ivet_pkgctx *c, struct ivet_err *err);
/* `status_d`: a distroless status.d file, whose paragraphs have no Status. */
int ivet_dpkg_parse(struct ivet_bytes b, bool status_d, const struct ivet_pkgctx *c,
                    struct ivet_err *err);
/* SQLite rpmdb (read-only, from memory). A file that is not SQLite is
 * IVET_E_UNSUPPORTED. */
int ivet_rpmdb_sqlite_parse(struct ivet_bytes b, const struct ivet_pkgctx *c, struct ivet_err *err);
/* One rpm header blob (the Packages table's row). Returns 1 when a package
 * was emitted, 0 when the header was malformed or a pseudo-package. */
int ivet_rpm_header_parse(struct ivet_bytes b, const struct ivet_pkgctx *c, struct ivet_err *err);
/* METADATA / PKG-INFO (email-style headers). */
int ivet_python_meta_parse(struct ivet_bytes b, const struct ivet_pkgctx *c, struct ivet_err *err);
/* node_modules/<name>/package.json. */
/* Is this path an installed package's manifest: .../node_modules/<name>/
 * package.json or .../node_modules/@scope/<name>/package.json, with no test
 * or example directory between the first node_modules and it? */
bool ivet_npm_path_wanted(const char *path);
int ivet_npm_package_parse(struct ivet_bytes b, const struct ivet_pkgctx *c, struct ivet_err *err);
/* specifications/<name>.gemspec. */
int ivet_gemspec_parse(struct ivet_bytes b, const struct ivet_pkgctx *c, struct ivet_err *err);
/* pom.properties text. */
int ivet_pom_properties_parse(struct ivet_bytes b, const struct ivet_pkgctx *c, struct ivet_err *err);
/* A JAR (zip: through its central directory, or with the streaming reader
 * when it was cut short) and the JARs it contains, one level deep. */
int ivet_jar_parse(struct ivet_bytes b, const struct ivet_pkgctx *c, struct ivet_err *err);
/* Go build info starting at the "\xff Go buildinf:" magic (the Go 1.18+
 * inline format; the older pointer format is resolved only when `elf`
 * maps its pointers into this window). */
struct ivet_elf_info;
int ivet_gobuildinfo_parse(struct ivet_bytes win, uint64_t win_off, const struct ivet_elf_info *elf,
                           const struct ivet_pkgctx *c, struct ivet_err *err);
/* cargo-auditable: the zlib-compressed JSON of a .dep-v0 section. */
int ivet_cargo_auditable_parse(struct ivet_bytes zdata, const struct ivet_pkgctx *c,
                               struct ivet_err *err);
/* The JSON after inflating (for tests and the fuzzer). */
int ivet_cargo_auditable_json_parse(struct ivet_bytes json, const struct ivet_pkgctx *c,
                                    struct ivet_err *err);

/* ---- packages_elf.c: bounded streaming over one ELF file, keeping only
 * the regions the Go and Rust parsers need (never the whole binary). */
#define IVET_ELF_GO_WINDOW (64u * 1024u)
#define IVET_ELF_TAIL_WINDOW (1024u * 1024u)
struct ivet_elf_info {
    bool is64, big_endian;
    uint64_t shoff;
    uint16_t shnum, shentsize;
    struct { uint64_t off, vaddr, filesz; } load[16];   /* PT_LOAD segments */
    unsigned nload;
    uint64_t load_end;          /* end of the last PT_LOAD's file bytes */
};
struct ivet_elf_scan;
struct ivet_elf_scan *ivet_elf_scan_new(struct ivet_err *err);
void ivet_elf_scan_free(struct ivet_elf_scan *s);
/* Feeds the file's bytes in order. Returns 0, or -code on OOM. Cheap for
 * files that are not ELF (they are ignored after the first bytes). */
int ivet_elf_scan_data(struct ivet_elf_scan *s, const void *p, size_t n, struct ivet_err *err);
/* At the end of the file: runs the Go and Rust parsers on what was kept. */
int ivet_elf_scan_finish(struct ivet_elf_scan *s, const struct ivet_pkgctx *c, struct ivet_err *err);
/* Parses an ELF image held in memory entirely (tests, fuzzing): the same
 * as feeding it in chunks of `chunk` bytes. */
int ivet_elf_scan_mem(struct ivet_bytes b, size_t chunk, const struct ivet_pkgctx *c,
                      struct ivet_err *err);

/* ---- packages_list.c: an owned list of packages (deep copies), the sink
 * that fills it, and layer attribution. */
struct ivet_pkglist {
    struct ivet_package *v;
    size_t n, cap;
};
void ivet_pkglist_release(struct ivet_pkglist *l);
/* Appends a deep copy (NULL strings stay NULL). */
int ivet_pkglist_add(struct ivet_pkglist *l, const struct ivet_package *p, struct ivet_err *err);
/* A sink appending to the list given as arg. */
int ivet_pkglist_sink(void *arg, const struct ivet_package *p, struct ivet_err *err);
/* Which layer added each package of `visible` (the database as the image
 * shows it, from layer visible_layer): walking down through the earlier
 * versions of the same database (`older`, ordered by layer, each element's
 * packages carrying its layer), a package keeps the lowest layer of the
 * unbroken run of versions that list it with the same version. Sets
 * visible->v[i].layer. */
void ivet_pkglist_attribute(struct ivet_pkglist *visible, int visible_layer,
                            const struct ivet_pkglist *older, const int *older_layers,
                            size_t nolder);

/* packages_java.c: a Java archive by name (.jar, .war, .ear)? */
bool ivet_jar_path(const char *p);

#endif
