/* reg.h: internals of the registry transport (docker://) shared by the reg_*.c
 * files and their unit tests: challenge parsing, credentials, URL building,
 * the retry policy, the HTTP client and the streaming blob reader. The design
 * and its invariants are in docs/internals/registry.md. */
#ifndef IVET_REG_H
#define IVET_REG_H

#include <curl/curl.h>
#include <pthread.h>

#include "source/source.h"

/* ---- reg_auth.c: WWW-Authenticate challenges (RFC 7235) */
enum ivet_reg_scheme {
    IVET_REG_AUTH_NONE = 0,
    IVET_REG_AUTH_BASIC,
    IVET_REG_AUTH_BEARER,
    IVET_REG_AUTH_OTHER,
};
struct ivet_reg_challenge {
    enum ivet_reg_scheme scheme;
    char *realm, *service, *scope;      /* owned; NULL when absent */
};
/* Parses a WWW-Authenticate value that may hold several challenges; keeps the
 * Bearer one when present, else Basic, else the first. Parameter names are
 * case-insensitive, values tokens or quoted strings with \-escapes. A value
 * that is not a challenge at all is IVET_E_FORMAT. */
int ivet_reg_challenge_parse(const char *value, struct ivet_reg_challenge *c, struct ivet_err *err);
void ivet_reg_challenge_release(struct ivet_reg_challenge *c);

/* ---- reg_creds.c: credentials. Secrets are zeroed when released and never
 * printed: messages name only where credentials came from (`origin`). */
struct ivet_reg_creds {
    char *username, *password;          /* Basic credentials, or NULL */
    char *identity_token;               /* OAuth2 refresh token (identitytoken), or NULL */
    char origin[96];                    /* "--username", "config.json", "credential helper 'pass'" */
};
void ivet_reg_creds_release(struct ivet_reg_creds *c);
bool ivet_reg_creds_present(const struct ivet_reg_creds *c);
/* The key Docker uses for `host` in config.json and credential helpers
 * ("https://index.docker.io/v1/" for Docker Hub and its aliases, else host). */
const char *ivet_reg_config_key(const char *host);
/* Looks `host` up in the text of a Docker config.json. Returns 1 with *out
 * filled (auths: base64 "auth" or username/password, identitytoken), 1 with
 * *helper set (fresh string) when a credHelpers entry or credsStore applies,
 * 0 when nothing matches, <0 on malformed JSON. */
int ivet_reg_config_lookup(const char *json, size_t len, const char *host,
                           struct ivet_reg_creds *out, char **helper, struct ivet_err *err);
/* Runs the HOST program `docker-credential-<helper> get` (a helper the user
 * configured, never anything from an image), feeds it the server URL and
 * parses {"Username","Secret"}. 1 found, 0 the helper has none, <0 error. */
int ivet_reg_creds_from_helper(const char *helper, const char *server_url,
                               struct ivet_reg_creds *out, struct ivet_err *err);
/* Parses a helper's JSON answer (split out for tests). */
int ivet_reg_helper_parse(const char *json, size_t len, struct ivet_reg_creds *out,
                          struct ivet_err *err);
/* Explicit credentials first, then $DOCKER_CONFIG/config.json or
 * ~/.docker/config.json. 1 found, 0 none, <0 error. */
int ivet_reg_creds_find(const char *host, const char *username, const char *password,
                        struct ivet_reg_creds *out, struct ivet_err *err);

/* ---- reg_http.c: URLs, retries, requests */
/* "<base>/v2/<repo>/<kind>/<ref>" where kind is "manifests" or "blobs". The
 * repository and reference are checked against the distribution grammar's
 * characters, so nothing can smuggle a query or another path in. */
char *ivet_reg_url(const char *base, const char *repo, const char *kind, const char *ref,
                   struct ivet_err *err);
/* realm + "?service=..&scope=.." (or "&" when realm has a query), escaped. */
char *ivet_reg_token_url(const char *realm, const char *service, const char *scope,
                         struct ivet_err *err);
/* true when `host` ("host[:port]") is in the NULL-terminated list. */
bool ivet_reg_host_listed(const char *host, const char **list);

/* An injectable clock so retry tests never sleep. */
struct ivet_reg_clock {
    double (*now)(void *ctx);
    void (*sleep)(void *ctx, double seconds);
    void *ctx;
};
extern const struct ivet_reg_clock ivet_reg_clock_real;

struct ivet_reg_retry {
    int max_attempts;                   /* attempts in all, >= 1 */
    double base, factor, max_delay;     /* delay after attempt k: base*factor^(k-1), capped */
};
extern const struct ivet_reg_retry ivet_reg_retry_default;
/* Seconds to wait after failed attempt `attempt` (1-based). A server's
 * Retry-After (seconds, < 0 when absent) wins when longer, capped at 60 s. */
double ivet_reg_backoff(const struct ivet_reg_retry *p, int attempt, double retry_after);
/* Which failures are worth another attempt: 408, 429, 5xx except 501/505,
 * and transport failures where the connection broke or never came up. */
bool ivet_reg_retryable_status(long status);
bool ivet_reg_retryable_curl(CURLcode cc);

/* One attempt's outcome for ivet_reg_retry_run. */
enum ivet_reg_attempt { IVET_REG_DONE = 0, IVET_REG_AGAIN = 1, IVET_REG_FAIL = -1 };
/* Calls fn until it returns DONE or FAIL or the attempts run out, sleeping
 * the backoff in between through `clock`. fn receives the attempt number
 * (1-based) and sets *retry_after (or leaves it < 0). Returns the last
 * outcome: DONE, FAIL, or AGAIN when the attempts ran out. */
enum ivet_reg_attempt ivet_reg_retry_run(const struct ivet_reg_retry *p,
                                         const struct ivet_reg_clock *clock,
                                         enum ivet_reg_attempt (*fn)(void *ctx, int attempt,
                                                                     double *retry_after),
                                         void *ctx);

/* A registry client for one repository. Thread-safe: the auth state is
 * under `lock`, every request uses its own easy handle. */
struct ivet_reg {
    char *registry;                     /* as named: "docker.io", "127.0.0.1:5000" */
    char *host;                         /* endpoint: "registry-1.docker.io" */
    char *repo;                         /* "library/alpine" */
    char *base;                         /* "https://host" or "http://host" after the ping */
    bool insecure;                      /* --insecure-registry names this host */
    bool used_insecure;                 /* plain HTTP or an unverified certificate was used */
    char *ca_file;
    char *unix_socket;                  /* set for a local daemon API, else NULL */
    struct ivet_limits limits;
    bool progress;
    struct ivet_reg_retry retry;
    struct ivet_reg_clock clock;

    pthread_mutex_t lock;
    struct ivet_reg_creds creds;
    struct ivet_reg_challenge chal;     /* from the ping or the last 401 */
    char *authz;                        /* "Authorization: ..." (a secret), or NULL */
    double authz_expiry;                /* clock time after which a token is renewed */
    char tried[160];                    /* what authentication was tried, for messages */

    pthread_mutex_t progress_lock;      /* serialises progress lines */
};

struct ivet_reg_resp {
    long status;
    struct ivet_buf body;
    char *content_type, *docker_digest, *www_auth, *location;
    double retry_after;                 /* < 0 when absent */
};
void ivet_reg_resp_release(struct ivet_reg_resp *r);

/* Creates the client and pings <base>/v2/ (https, or http when the host is
 * listed as insecure and https does not answer), then authenticates when the
 * registry asks for it. */
struct ivet_reg *ivet_reg_new(const char *registry, const char *endpoint, const char *repo,
                              const struct ivet_source_opts *o, struct ivet_err *err);
void ivet_reg_free(struct ivet_reg *r);
/* A client for a local HTTP API (Docker Engine, Podman) at `base` ("http://
 * localhost" with `unix_socket`, or "http://host:port"): no ping, no
 * credentials; `label` names it in messages. */
struct ivet_reg *ivet_reg_new_local(const char *label, const char *base, const char *unix_socket,
                                    const struct ivet_source_opts *o, struct ivet_err *err);
/* Applies TLS, redirect and timeout policy to an easy handle. */
void ivet_reg_setup_easy(struct ivet_reg *r, CURL *h);
/* A header list with Accept (optional) and the current Authorization;
 * NULL on OOM. Free with curl_slist_free_all after zeroing (reg_slist_free). */
struct curl_slist *ivet_reg_headers(struct ivet_reg *r, const char *accept, const char *extra);
void ivet_reg_headers_free(struct curl_slist *l);
/* Appends "[&]name=value" to b with value percent-encoded (RFC 3986). */
int ivet_reg_query_add(struct ivet_buf *b, bool *first, const char *name, const char *value,
                       struct ivet_err *err);
/* One request with the retry policy and the given headers (no Authorization
 * added), a POST when `post` is not NULL; the body is kept up to max bytes. */
int ivet_reg_request(struct ivet_reg *r, const char *url, struct curl_slist *hdrs, const char *post,
                     size_t max, struct ivet_reg_resp *resp, struct ivet_err *err);
/* ---- reg_login.c */
/* (Re)authenticates after a 401 carrying `www_auth` (may be NULL). */
int ivet_reg_authenticate(struct ivet_reg *r, const char *www_auth, struct ivet_err *err);
/* GET url (absolute) with retries and one re-authentication on 401; the body
 * is kept up to `max` bytes (IVET_E_LIMIT beyond). Any final HTTP status is
 * returned in resp; only transport failures are errors. */
int ivet_reg_get(struct ivet_reg *r, const char *url, const char *accept, size_t max,
                 struct ivet_reg_resp *resp, struct ivet_err *err);
/* Turns a non-2xx response into an error naming the repository and `what`
 * was asked for, with the registry's error codes (BLOB_UNKNOWN, ...). */
int ivet_reg_status_error(struct ivet_reg *r, const struct ivet_reg_resp *resp, const char *what,
                          struct ivet_err *err);
/* "CODE: message" of the first entry of a distribution error body, sanitised,
 * or NULL. Fresh string. */
char *ivet_reg_error_body(const char *body, size_t len);
/* Parses "Retry-After: <seconds>" values; < 0 when absent or a date. */
double ivet_reg_parse_retry_after(const char *v);

/* ---- reg_blob.c: a layer blob as a pull stream over curl's multi interface. */
/* Any GET on the client as a stream; `what` names it in messages, at most
 * `max` bytes are accepted (IVET_E_LIMIT beyond). */
struct ivet_istream *ivet_reg_stream_open(struct ivet_reg *r, const char *url, const char *what,
                                          uint64_t size, bool size_known, uint64_t max,
                                          struct ivet_err *err);
struct ivet_istream *ivet_reg_blob_open(struct ivet_reg *r, const struct ivet_digest *digest,
                                        uint64_t size, bool size_known, struct ivet_err *err);

#endif
