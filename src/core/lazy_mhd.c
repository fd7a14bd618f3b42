/* lazy_mhd.c: libmicrohttpd (Debian libmicrohttpd12), loaded on first use
 * (lazylib.h): only `imagevet serve` needs it, and it brings GnuTLS along. */
#include <stdarg.h>
#include <microhttpd.h>

#include "core/lazylib.h"

#define MHD_FUNCS(X, XV, XN, L)                                                                   \
    X(L, struct MHD_Daemon *, MHD_start_daemon_va,                                                \
      (unsigned int f, uint16_t p, MHD_AcceptPolicyCallback apc, void *apc_cls,                   \
       MHD_AccessHandlerCallback dh, void *dh_cls, va_list ap),                                   \
      (f, p, apc, apc_cls, dh, dh_cls, ap), NULL)                                                  \
    XV(L, MHD_stop_daemon, (struct MHD_Daemon *d), (d))                                           \
    X(L, const char *, MHD_lookup_connection_value,                                               \
      (struct MHD_Connection *c, enum MHD_ValueKind k, const char *key), (c, k, key), NULL)       \
    X(L, enum MHD_Result, MHD_queue_response,                                                     \
      (struct MHD_Connection *c, unsigned int s, struct MHD_Response *r), (c, s, r), MHD_NO)      \
    X(L, struct MHD_Response *, MHD_create_response_from_buffer,                                  \
      (size_t n, void *b, enum MHD_ResponseMemoryMode m), (n, b, m), NULL)                        \
    XV(L, MHD_destroy_response, (struct MHD_Response *r), (r))                                    \
    X(L, enum MHD_Result, MHD_add_response_header,                                                \
      (struct MHD_Response *r, const char *h, const char *v), (r, h, v), MHD_NO)

#ifndef IVET_SONAME_MHD                    /* set by CMake from the library found */
#define IVET_SONAME_MHD "libmicrohttpd.so.12"
#define IVET_PACKAGE_MHD "libmicrohttpd12"
#endif
IVET_LAZY_DEFINE(mhd, MHD_FUNCS, IVET_SONAME_MHD, IVET_PACKAGE_MHD)

/* The variadic entry point, over the va_list one. */
struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc, void *apc_cls,
                                    MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
    va_list ap;
    va_start(ap, dh_cls);
    struct MHD_Daemon *d = MHD_start_daemon_va(flags, port, apc, apc_cls, dh, dh_cls, ap);
    va_end(ap);
    return d;
}
