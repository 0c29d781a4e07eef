/*  config.c - flag, environment, default; Redis URL parsing.
 *  SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

static const char *s_pick(const char *flag, const char *env, const char *dflt)
{
    if (flag && *flag)
        return flag;
    const char *v = getenv(env);
    return (v && *v) ? v : dflt;
}

const char *config_redis_url(const char *flag)
{
    return s_pick(flag, "LODE_REDIS", CONFIG_REDIS_DEFAULT);
}

const char *config_broker_endpoint(const char *flag)
{
    return s_pick(flag, "LODE_BROKER", CONFIG_BROKER_DEFAULT);
}

const char *config_prefix(const char *flag)
{
    return s_pick(flag, "LODE_PREFIX", CONFIG_PREFIX_DEFAULT);
}

static int s_copy(char *dst, size_t size, const char *src, size_t n, const char *what, err_t *err)
{
    if (n >= size) {
        err_set(err, LODE_EINVAL, "redis URL: %s too long", what);
        return -1;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
    return 0;
}

static int s_parse_int(const char *s, size_t n, int lo, int hi, int *out)
{
    if (n == 0 || n > 9)
        return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* userinfo is ":password", "user:password", or a lone "password" (a
 * userinfo without a colon is taken as the password: AUTH needs one). */
static int s_parse_userinfo(const char *s, size_t n, config_redis_t *out, err_t *err)
{
    const char *colon = memchr(s, ':', n);
    if (!colon)
        return s_copy(out->password, sizeof out->password, s, n, "password", err);
    if (s_copy(out->user, sizeof out->user, s, (size_t)(colon - s), "user", err) != 0)
        return -1;
    return s_copy(out->password, sizeof out->password, colon + 1, n - (size_t)(colon - s) - 1,
                  "password", err);
}

/* url for an error message, with the password replaced by "***": errors are
 * logged and printed, secrets never are. At most 120 bytes of it. */
static const char *s_redact(const char *url, char out[128])
{
    const char *at = url ? strrchr(url, '@') : NULL;
    if (!at) {
        snprintf(out, 128, "%.120s", url ? url : "");
        return out;
    }
    const char *scheme = strstr(url, "://");
    const char *user = scheme && scheme < at ? scheme + 3 : url;
    const char *colon = memchr(user, ':', (size_t)(at - user));
    int keep = (int)((colon ? colon + 1 : user) - url);
    snprintf(out, 128, "%.*s***%.80s", keep > 40 ? 40 : keep, url, at);
    return out;
}

int config_parse_redis_url(const char *url, config_redis_t *out, err_t *err)
{
    char shown[128];
    memset(out, 0, sizeof *out);
    out->port = 6379;
    if (!url || strncmp(url, "redis://", 8) != 0) {
        err_set(err, LODE_EINVAL, "redis URL must start with redis:// (got \"%s\")",
                s_redact(url, shown));
        return -1;
    }
    const char *p = url + 8;
    const char *at = strrchr(p, '@');
    if (at && s_parse_userinfo(p, (size_t)(at - p), out, err) != 0)
        return -1;
    if (at)
        p = at + 1;
    const char *slash = strchr(p, '/');
    const char *end = slash ? slash : p + strlen(p);
    const char *colon = memchr(p, ':', (size_t)(end - p));
    const char *host_end = colon ? colon : end;
    if (host_end == p) {
        err_set(err, LODE_EINVAL, "redis URL has no host: %s", s_redact(url, shown));
        return -1;
    }
    if (s_copy(out->host, sizeof out->host, p, (size_t)(host_end - p), "host", err) != 0)
        return -1;
    if (colon && s_parse_int(colon + 1, (size_t)(end - colon - 1), 1, 65535, &out->port) != 0) {
        err_set(err, LODE_EINVAL, "redis URL has a bad port: %s", s_redact(url, shown));
        return -1;
    }
    if (slash && slash[1] && s_parse_int(slash + 1, strlen(slash + 1), 0, 1 << 20, &out->db) != 0) {
        err_set(err, LODE_EINVAL, "redis URL has a bad database number: %s", s_redact(url, shown));
        return -1;
    }
    return 0;
}

int config_parse_per_stage(const char *spec, int min, int max, int out[JOB_STAGE_COUNT], err_t *err)
{
    int v;
    if (s_parse_int(spec, strlen(spec), min, max, &v) == 0) {
        for (int s = 0; s < JOB_STAGE_COUNT; s++)
            out[s] = v;
        return 0;
    }
    const char *p = spec;
    while (*p) {
        const char *eq = strchr(p, '=');
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        char name[16];
        int stage = -1;
        if (eq && eq < end && (size_t)(eq - p) < sizeof name) {
            memcpy(name, p, (size_t)(eq - p));
            name[eq - p] = '\0';
            stage = job_stage_parse(name);
        }
        if (stage < 0 || s_parse_int(eq + 1, (size_t)(end - eq - 1), min, max, &v) != 0) {
            err_set(err, LODE_EINVAL,
                    "bad per-stage value \"%.*s\" (want N or stage=N,… with N in %d..%d)",
                    (int)(end - p), p, min, max);
            return -1;
        }
        out[stage] = v;
        p = *end ? end + 1 : end;
    }
    return 0;
}

#define CONFIG_LINE_MAX 4096
#define CONFIG_ARGS_MAX 256

void config_args_free(char **args, int n)
{
    for (int i = 0; args && i < n; i++)
        free(args[i]);
    free(args);
}

/* Trim white space at both ends of s in place; returns the start. */
static char *s_trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* One line of a settings file into *out ("--key[=value]"), or nothing for a
 * blank line or a comment. -1 and *err naming the line. */
static int s_file_line(char *line, const char *path, int lineno, char **out, err_t *err)
{
    *out = NULL;
    char *key = line;
    if (lineno == 1 && strncmp(key, "\xEF\xBB\xBF", 3) == 0)
        key += 3; /* a UTF-8 byte order mark, as some Windows editors write */
    key = s_trim(key);
    if (*key == '\0' || *key == '#')
        return 0;
    char *value = strchr(key, '=');
    if (value) {
        *value++ = '\0';
        value = s_trim(value);
        size_t vn = strlen(value);
        if (vn >= 2 && value[0] == '"' && value[vn - 1] == '"') {
            value[vn - 1] = '\0';
            value++;
        }
    }
    key = s_trim(key);
    if (strncmp(key, "--", 2) == 0)
        key += 2; /* "--llm-model = m", copied from --help, means llm-model */
    if (*key == '\0' || strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(key)) {
        err_set(err, LODE_EINVAL, "%s:%d: expected \"key = value\" (key in a-z, 0-9, -)", path,
                lineno);
        return -1;
    }
    *out = mem_printf("--%s%s%s", key, value ? "=" : "", value ? value : "");
    return 0;
}

/* A "[name]" line: 1 and *take set to whether section's lines follow
 * (name == section, or no section asked for); 0 if line is not one. */
static int s_section_line(const char *line, const char *section, bool *take)
{
    const char *p = line + strspn(line, " \t");
    if (*p != '[')
        return 0;
    size_t n = strcspn(p + 1, "]");
    *take = !section || (strlen(section) == n && strncmp(p + 1, section, n) == 0);
    return 1;
}

int config_file_args(const char *path, char ***args, int *n, err_t *err)
{
    return config_file_section_args(path, NULL, args, n, err);
}

int config_file_section_args(
    const char *path, const char *section, char ***args, int *n, err_t *err)
{
    *args = NULL;
    *n = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        err_set(err, LODE_EIO, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    char **out = mem_calloc(CONFIG_ARGS_MAX, sizeof *out);
    char line[CONFIG_LINE_MAX];
    int count = 0, lineno = 0, rc = 0;
    bool take = true;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            err_set(err, LODE_EINVAL, "%s:%d: line longer than %d bytes", path, lineno,
                    CONFIG_LINE_MAX - 2);
            rc = -1;
        } else if (s_section_line(line, section, &take) || !take) {
            continue;
        } else if (count == CONFIG_ARGS_MAX) {
            err_set(err, LODE_EINVAL, "%s:%d: too many settings", path, lineno);
            rc = -1;
        } else if ((rc = s_file_line(line, path, lineno, &out[count], err)) == 0 && out[count]) {
            count++;
        }
    }
    if (rc == 0 && ferror(f)) {
        err_set(err, LODE_EIO, "cannot read %s: %s", path, strerror(errno));
        rc = -1;
    }
    fclose(f);
    if (rc != 0) {
        config_args_free(out, count);
        return -1;
    }
    *args = out;
    *n = count;
    return 0;
}

char *config_user_path(const char *rel)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    if (xdg && *xdg)
        return mem_printf("%s/lode/%s", xdg, rel);
    return home && *home ? mem_printf("%s/.config/lode/%s", home, rel) : NULL;
}
