/* reg_login.c: authenticating to a registry after a 401: the Bearer token flow
 * (GET the realm with service and scope, Basic credentials when there are any,
 * or an OAuth2 refresh_token grant for an identity token) and Basic
 * credentials. The resulting Authorization header is shared by every request
 * of the client. Secrets are wiped when freed and never reach a message. */
#include "source/reg.h"

#include <string.h>

#include <openssl/evp.h>

#define MAX_TOKEN_BODY (1u << 20)

static void set_tried(struct ivet_reg *r, const char *what)
{
    snprintf(r->tried, sizeof(r->tried), "%s", what);
}

static int basic_header(const struct ivet_reg_creds *c, char **out, struct ivet_err *err)
{
    size_t ul = strlen(c->username), pl = strlen(c->password), n = ul + 1 + pl;
    unsigned char *raw = ivet_malloc(n + 1);
    char *b64 = ivet_malloc(4 * ((n + 2) / 3) + 1);
    if (b64)
        b64[0] = 0;                     /* wiped below by its length, whatever happens */
    int rc = 0;
    if (!raw || !b64) {
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        goto out;
    }
    memcpy(raw, c->username, ul);
    raw[ul] = ':';
    memcpy(raw + ul + 1, c->password, pl);
    if (EVP_EncodeBlock((unsigned char *)b64, raw, (int)n) < 0) {
        rc = ivet_err_set(err, IVET_E_UNSUPPORTED, "cannot encode the credentials (libcrypto unavailable)");
        goto out;
    }
    if (!(*out = ivet_asprintf("Authorization: Basic %s", b64)))
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
out:
    if (raw)
        OPENSSL_cleanse(raw, n + 1);
    if (b64)
        OPENSSL_cleanse(b64, strlen(b64));
    ivet_free(raw);
    ivet_free(b64);
    return rc;
}

/* Reads {"token"|"access_token", "expires_in"} from a token response. */
static int parse_token(struct ivet_reg *r, const struct ivet_reg_resp *resp, char **hdr,
                       double *ttl, struct ivet_err *err)
{
    json_t *j = json_loadb(resp->body.ptr ? resp->body.ptr : "", resp->body.len, 0, NULL);
    const char *tok = json_string_value(json_object_get(j, "token"));
    if (!tok || !*tok)
        tok = json_string_value(json_object_get(j, "access_token"));
    int rc = 0;
    if (!tok || !*tok || strlen(tok) > 65536 || strpbrk(tok, "\r\n")) {
        rc = ivet_err_set(err, IVET_E_AUTH, "token server for '%s' returned no usable token",
                          r->host);
        goto out;
    }
    json_int_t exp = json_integer_value(json_object_get(j, "expires_in"));
    *ttl = exp >= 60 ? (double)exp : 60.0;
    if (!(*hdr = ivet_asprintf("Authorization: Bearer %s", tok)))
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
out:
    json_decref(j);
    return rc;
}

/* The Bearer flow: GET realm?service&scope (Basic credentials when we have
 * them), or POST an OAuth2 refresh_token grant for an identity token. */
static int fetch_token(struct ivet_reg *r, const struct ivet_reg_challenge *c, char **hdr,
                       double *ttl, struct ivet_err *err)
{
    char *scope = c->scope ? ivet_strdup(c->scope) : ivet_asprintf("repository:%s:pull", r->repo);
    char *url = NULL, *basic = NULL, *post = NULL;
    struct curl_slist *h = NULL;
    struct ivet_reg_resp resp = { .retry_after = -1 };
    int rc = 0;
    if (!scope) {
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        goto out;
    }
    if (ivet_reg_creds_present(&r->creds) && ivet_startswith(c->realm, "http://") && !r->insecure) {
        rc = ivet_err_set(err, IVET_E_AUTH, "registry '%s' sends its token realm over plain HTTP; "
                          "credentials are not sent there unless --insecure-registry %s is given",
                          r->registry, r->registry);
        goto out;
    }
    if (r->creds.identity_token) {
        struct ivet_buf b;
        bool first = true;
        ivet_buf_init(&b, 131072);
        if (ivet_reg_query_add(&b, &first, "grant_type", "refresh_token", err) < 0 ||
            ivet_reg_query_add(&b, &first, "refresh_token", r->creds.identity_token, err) < 0 ||
            ivet_reg_query_add(&b, &first, "service", c->service ? c->service : "", err) < 0 ||
            ivet_reg_query_add(&b, &first, "scope", scope, err) < 0 ||
            ivet_reg_query_add(&b, &first, "client_id", "imagevet", err) < 0) {
            ivet_buf_release(&b);
            rc = -err->code;
            goto out;
        }
        post = ivet_buf_detach(&b);
        url = ivet_strdup(c->realm);
    } else {
        url = ivet_reg_token_url(c->realm, c->service, scope, err);
    }
    if (!url || (r->creds.identity_token && !post)) {
        rc = err->code ? -(int)err->code : ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        goto out;
    }
    if (r->creds.username && r->creds.password && !r->creds.identity_token &&
        (rc = basic_header(&r->creds, &basic, err)) < 0)
        goto out;
    h = curl_slist_append(NULL, basic ? basic : "Accept: application/json");
    if (!h) {
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = ivet_reg_request(r, url, h, post, MAX_TOKEN_BODY, &resp, err)) < 0) {
        ivet_err_wrap(err, "token for repository '%s'", r->repo);
        goto out;
    }
    if (resp.status == 401 || resp.status == 403) {
        rc = ivet_err_set(err, IVET_E_AUTH,
                          "registry '%s' refused access to repository '%s': the token server "
                          "rejected %s%s (HTTP %ld)", r->registry, r->repo,
                          ivet_reg_creds_present(&r->creds) ? "the credentials from " : "",
                          ivet_reg_creds_present(&r->creds) ? r->creds.origin : "anonymous access",
                          resp.status);
        goto out;
    }
    if (resp.status / 100 != 2) {
        rc = ivet_err_set(err, IVET_E_AUTH, "token server for '%s' answered HTTP %ld", r->host,
                          resp.status);
        goto out;
    }
    rc = parse_token(r, &resp, hdr, ttl, err);
out:
    if (resp.body.ptr)
        OPENSSL_cleanse(resp.body.ptr, resp.body.len);
    ivet_reg_resp_release(&resp);
    ivet_reg_headers_free(h);
    if (basic) {
        OPENSSL_cleanse(basic, strlen(basic));
        ivet_free(basic);
    }
    if (post) {
        OPENSSL_cleanse(post, strlen(post));
        ivet_free(post);
    }
    ivet_free(url);
    ivet_free(scope);
    return rc;
}

int ivet_reg_authenticate(struct ivet_reg *r, const char *www_auth, struct ivet_err *err)
{
    struct ivet_reg_challenge c = { 0 };
    int rc = 0;
    char *hdr = NULL;
    double ttl = 0;
    if (www_auth) {
        struct ivet_err perr = IVET_ERR_INIT;
        if (ivet_reg_challenge_parse(www_auth, &c, &perr) < 0) {
            rc = ivet_err_set(err, IVET_E_AUTH, "registry '%s' sent an unusable WWW-Authenticate: %s",
                              r->registry, ivet_err_msg(&perr));
            ivet_err_release(&perr);
            return rc;
        }
    }
    const char *who = ivet_reg_creds_present(&r->creds) ? r->creds.origin : "anonymous";
    if (c.scheme == IVET_REG_AUTH_BEARER && c.realm) {
        char tried[160];
        snprintf(tried, sizeof(tried), "a bearer token (%s)", who);
        pthread_mutex_lock(&r->lock);
        set_tried(r, tried);
        pthread_mutex_unlock(&r->lock);
        rc = fetch_token(r, &c, &hdr, &ttl, err);
    } else if (c.scheme == IVET_REG_AUTH_BASIC || c.scheme == IVET_REG_AUTH_NONE) {
        if (!r->creds.username || !r->creds.password) {
            rc = ivet_err_set(err, IVET_E_AUTH,
                              "registry '%s' requires credentials for repository '%s' (tried "
                              "anonymous access; use --username/--password-stdin or docker login)",
                              r->registry, r->repo);
        } else {
            char tried[160];
            snprintf(tried, sizeof(tried), "basic credentials from %s", r->creds.origin);
            pthread_mutex_lock(&r->lock);
            set_tried(r, tried);
            bool had_basic = r->authz && ivet_startswith(r->authz, "Authorization: Basic");
            pthread_mutex_unlock(&r->lock);
            if (had_basic)
                rc = ivet_err_set(err, IVET_E_AUTH,
                                  "registry '%s' rejected the credentials from %s for repository '%s'",
                                  r->registry, r->creds.origin, r->repo);
            else
                rc = basic_header(&r->creds, &hdr, err);
            ttl = 1e9;
        }
    } else {
        rc = ivet_err_set(err, IVET_E_UNSUPPORTED, "registry '%s' asks for an unsupported "
                          "authentication scheme", r->registry);
    }
    if (rc == 0) {
        pthread_mutex_lock(&r->lock);
        if (r->authz) {
            OPENSSL_cleanse(r->authz, strlen(r->authz));
            ivet_free(r->authz);
        }
        r->authz = hdr;
        r->authz_expiry = r->clock.now(r->clock.ctx) + ttl - 10;
        ivet_reg_challenge_release(&r->chal);
        r->chal = c;
        memset(&c, 0, sizeof(c));
        pthread_mutex_unlock(&r->lock);
        hdr = NULL;
    }
    ivet_reg_challenge_release(&c);
    ivet_free(hdr);
    return rc;
}
