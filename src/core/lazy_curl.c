/* lazy_curl.c: libcurl (Debian libcurl4), loaded on first use (lazylib.h). */
#define CURL_DISABLE_TYPECHECK          /* the stubs define the functions themselves */
#include <curl/curl.h>
#include <stdarg.h>

#include "core/lazylib.h"

#define CURL_FUNCS(X, XV, XN, L)                                                                 \
    X(L, CURLcode, curl_global_init, (long flags), (flags), CURLE_FAILED_INIT)                    \
    X(L, CURL *, curl_easy_init, (void), (), NULL)                                                \
    XN(L, curl_easy_setopt)                                                                       \
    XN(L, curl_easy_getinfo)                                                                      \
    X(L, CURLcode, curl_easy_perform, (CURL *h), (h), CURLE_FAILED_INIT)                          \
    X(L, CURLcode, curl_easy_pause, (CURL *h, int bits), (h, bits), CURLE_FAILED_INIT)            \
    XV(L, curl_easy_cleanup, (CURL *h), (h))                                                      \
    X(L, const char *, curl_easy_strerror, (CURLcode c), (c), "libcurl could not be loaded")      \
    X(L, struct curl_slist *, curl_slist_append, (struct curl_slist *l, const char *s), (l, s), NULL) \
    XV(L, curl_slist_free_all, (struct curl_slist *l), (l))                                       \
    X(L, CURLM *, curl_multi_init, (void), (), NULL)                                              \
    X(L, CURLMcode, curl_multi_add_handle, (CURLM *m, CURL *h), (m, h), CURLM_INTERNAL_ERROR)     \
    X(L, CURLMcode, curl_multi_remove_handle, (CURLM *m, CURL *h), (m, h), CURLM_INTERNAL_ERROR)  \
    X(L, CURLMcode, curl_multi_perform, (CURLM *m, int *running), (m, running), CURLM_INTERNAL_ERROR) \
    X(L, CURLMcode, curl_multi_poll,                                                              \
      (CURLM *m, struct curl_waitfd extra[], unsigned int nextra, int timeout_ms, int *ret),       \
      (m, extra, nextra, timeout_ms, ret), CURLM_INTERNAL_ERROR)                                   \
    X(L, CURLMcode, curl_multi_cleanup, (CURLM *m), (m), CURLM_INTERNAL_ERROR)                    \
    X(L, CURLMsg *, curl_multi_info_read, (CURLM *m, int *left), (m, left), NULL)                 \
    X(L, const char *, curl_multi_strerror, (CURLMcode c), (c), "libcurl could not be loaded")

#ifndef IVET_SONAME_CURL                 /* set by CMake from the library found */
#define IVET_SONAME_CURL "libcurl.so.4"
#define IVET_PACKAGE_CURL "libcurl4"
#endif
IVET_LAZY_DEFINE(curl, CURL_FUNCS, IVET_SONAME_CURL, IVET_PACKAGE_CURL)

/* The option's number says what its argument is, as libcurl itself reads it. */
CURLcode curl_easy_setopt(CURL *h, CURLoption o, ...)
{
    if (!ivet_lazylib_load(&ivet_lib_curl))
        return CURLE_FAILED_INIT;
    __typeof__(&curl_easy_setopt) f = IVET_LAZY_FN(curl, curl_easy_setopt);
    va_list ap;
    va_start(ap, o);
    CURLcode r;
    if (o < CURLOPTTYPE_OBJECTPOINT)
        r = f(h, o, va_arg(ap, long));
    else if (o < CURLOPTTYPE_FUNCTIONPOINT)
        r = f(h, o, va_arg(ap, void *));
    else if (o < CURLOPTTYPE_OFF_T)
        r = f(h, o, va_arg(ap, void (*)(void)));
    else if (o < CURLOPTTYPE_BLOB)
        r = f(h, o, va_arg(ap, curl_off_t));
    else
        r = f(h, o, va_arg(ap, void *));
    va_end(ap);
    return r;
}

/* Every CURLINFO takes a pointer to where the answer goes. */
CURLcode curl_easy_getinfo(CURL *h, CURLINFO i, ...)
{
    if (!ivet_lazylib_load(&ivet_lib_curl))
        return CURLE_FAILED_INIT;
    va_list ap;
    va_start(ap, i);
    CURLcode r = IVET_LAZY_FN(curl, curl_easy_getinfo)(h, i, va_arg(ap, void *));
    va_end(ap);
    return r;
}
