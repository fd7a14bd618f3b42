/* popularity.c: reads a Docker Hub repository object (hub.c) as signals:
 * pulls and stars, age, staleness, and the `docker run` line its README
 * recommends. Builds the report's "popularity" section; fetching is hub.c's. */
#include "analyze/names.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define DAY 86400LL
#define NEW_REPO_DAYS 30
#define STALE_DAYS 730
#define IMITATOR_MAX_PULLS 10000

/* "2025-01-20T10:30:00Z", "2025-01-20T10:30:00.123456Z" -> unix time; -1
 * when the text is not such a timestamp. */
static long long parse_time(const char *s)
{
    int y, mo, d, h, mi, sec;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) != 6)
        return -1;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return -1;
    struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
                     .tm_min = mi, .tm_sec = sec };
    return (long long)timegm(&tm);
}

static void iso_time(long long t, char *buf, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(buf, n, "unknown");
}

static int add(struct ivet_findings *out, const char *id, const char *ev, struct ivet_err *err)
{
    return ivet_findings_add_check(out, id, NULL, 0, -1, ev, err) ? 0 : -1;
}

int ivet_popularity_eval(json_t *repo, const char *imitated, long long now,
                         struct ivet_findings *out, json_t **section, struct ivet_err *err)
{
    char ev[300], cached[32];
    json_int_t pulls = json_integer_value(json_object_get(repo, "pull_count"));
    json_int_t stars = json_integer_value(json_object_get(repo, "star_count"));
    const char *reg = json_string_value(json_object_get(repo, "date_registered"));
    const char *upd = json_string_value(json_object_get(repo, "last_updated"));
    const char *source = json_string_value(json_object_get(repo, "_source"));
    const char *badge = json_string_value(json_object_get(repo, "_badge"));
    iso_time(json_integer_value(json_object_get(repo, "_cached_at")), cached, sizeof(cached));
    *section = json_pack("{s:I, s:I, s:s?, s:s?, s:s, s:s, s:b, s:s?}", "pulls", pulls, "stars", stars,
                         "registered", reg, "last_updated", upd, "cached_at", cached, "source",
                         source ? source : "network", "is_automated",
                         json_is_true(json_object_get(repo, "is_automated")), "badge", badge);
    if (!*section)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory building the popularity section");
    if (imitated && *imitated && pulls < IMITATOR_MAX_PULLS) {
        snprintf(ev, sizeof(ev), "%lld pulls, while its name imitates '%s'", (long long)pulls, imitated);
        if (add(out, "POP-IMITATOR-LOW-PULLS", ev, err) < 0)
            return -1;
    }
    long long treg = parse_time(reg), tupd = parse_time(upd);
    if (treg >= 0 && now - treg < NEW_REPO_DAYS * DAY && now >= treg) {
        snprintf(ev, sizeof(ev), "registered %s, %lld days ago", reg, (now - treg) / DAY);
        if (add(out, "POP-NEW-REPO", ev, err) < 0)
            return -1;
    }
    if (tupd >= 0 && now - tupd > STALE_DAYS * DAY) {
        snprintf(ev, sizeof(ev), "last updated %s, %lld days ago", upd, (now - tupd) / DAY);
        if (add(out, "POP-STALE", ev, err) < 0)
            return -1;
    }
    return 0;
}

/* ---- the `docker run` line a README recommends */

/* Collects one command: the line from "docker run" on, with backslash
 * continuations joined, at most cap-1 bytes. Returns where scanning resumes. */
static const char *collect(const char *p, char *cmd, size_t cap)
{
    size_t o = 0;
    while (*p && o + 1 < cap) {
        if (p[0] == '\\' && (p[1] == '\n' || (p[1] == '\r' && p[2] == '\n'))) {
            p += p[1] == '\r' ? 3 : 2;
            cmd[o++] = ' ';
            continue;
        }
        if (*p == '\n' || *p == '`')
            break;
        cmd[o++] = (*p == '\t' || *p == '\r') ? ' ' : *p;
        p++;
    }
    cmd[o] = 0;
    return p;
}

/* The value of an option: "--opt=v", "--opt v". NULL when absent; the value
 * is copied into val (first word only). Finds every occurrence via *from. */
static bool option(const char *cmd, const char *opt, const char **from, char *val, size_t cap)
{
    size_t ol = strlen(opt);
    for (const char *p = strstr(*from, opt); p; p = strstr(p + 1, opt)) {
        if (p > cmd && p[-1] != ' ')
            continue;
        const char *v = p + ol;
        if (*v == '=' || *v == ' ') {
            while (*v == '=' || *v == ' ')
                v++;
            size_t n = strcspn(v, " ");
            snprintf(val, cap, "%.*s", (int)IVET_MIN(n, cap - 1), v);
            *from = v;
            return true;
        }
        if (*v == 0) {
            val[0] = 0;
            *from = v;
            return true;
        }
    }
    return false;
}

static bool flag(const char *cmd, const char *f)
{
    size_t n = strlen(f);
    for (const char *p = strstr(cmd, f); p; p = strstr(p + 1, f))
        if ((p == cmd || p[-1] == ' ') && (p[n] == 0 || p[n] == ' ' || !strncmp(p + n, "=true", 5)))
            return true;
    return false;
}

/* A volume spec that mounts the host's root ("/:/host") or Docker's socket. */
static void judge_mount(const char *v, bool *root, bool *sock)
{
    const char *src = v;
    char buf[256];
    if (strstr(v, "source=") || strstr(v, "src=")) {
        const char *s = strstr(v, "source=");
        s = s ? s + 7 : strstr(v, "src=") + 4;
        snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(s, ","), s);
        src = buf;
        if (!strcmp(src, "/"))
            *root = true;
    } else if (!strncmp(v, "/:", 2)) {
        *root = true;
    }
    if (strstr(src, "docker.sock"))
        *sock = true;
}

static int judge_command(const char *cmd, bool seen[6], struct ivet_findings *out, struct ivet_err *err)
{
    static const char *const ids[6] = {
        "POP-RUN-PRIVILEGED", "POP-RUN-HOST-ROOT", "POP-RUN-DOCKER-SOCK",
        "POP-RUN-HOST-NET", "POP-RUN-HOST-PID", "POP-RUN-CAP-ADD",
    };
    bool hit[6] = { false };
    char val[256];
    const char *from;
    hit[0] = flag(cmd, "--privileged");
    static const char *const vol_opts[] = { "-v", "--volume", "--mount" };
    for (size_t i = 0; i < IVET_ARRAY_LEN(vol_opts); i++)
        for (from = cmd; option(cmd, vol_opts[i], &from, val, sizeof(val));)
            judge_mount(val, &hit[1], &hit[2]);
    static const char *const net_opts[] = { "--net", "--network" };
    for (size_t i = 0; i < IVET_ARRAY_LEN(net_opts); i++)
        for (from = cmd; option(cmd, net_opts[i], &from, val, sizeof(val));)
            if (!strcmp(val, "host"))
                hit[3] = true;
    for (from = cmd; option(cmd, "--pid", &from, val, sizeof(val));)
        if (!strcmp(val, "host"))
            hit[4] = true;
    from = cmd;
    hit[5] = option(cmd, "--cap-add", &from, val, sizeof(val));
    for (int i = 0; i < 6; i++) {
        if (!hit[i] || seen[i])
            continue;
        seen[i] = true;
        if (add(out, ids[i], cmd, err) < 0)
            return -1;
    }
    return 0;
}

int ivet_popularity_scan_readme(const char *text, struct ivet_findings *out, struct ivet_err *err)
{
    bool seen[6] = { false };
    char cmd[2048];
    for (const char *p = strstr(text, "docker run"); p; p = strstr(p, "docker run")) {
        p = collect(p, cmd, sizeof(cmd));
        if (judge_command(cmd, seen, out, err) < 0)
            return -1;
    }
    return 0;
}
