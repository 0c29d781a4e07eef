/*  llmjson.c - chat-completions responses and defensive JSON (see llmjson.h).
 *  SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE /* memmem */
#include "llmjson.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "jsonspan.h"
#include "mem.h"

#define S_MAX_STARTS 16 /* candidate '{' / '[' tried in prose */

/* --- preview -------------------------------------------------------------- */

static size_t s_cp_len(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0)
        return 2;
    if ((c & 0xf0) == 0xe0)
        return 3;
    if ((c & 0xf8) == 0xf0)
        return 4;
    return 1;
}

/* Escaped form of one byte sequence; returns bytes written to e (≤ 4). */
static size_t s_escape(const char *s, size_t k, char *e)
{
    unsigned char c = (unsigned char)s[0];
    const char *named = c == '\n'   ? "\\n"
                        : c == '\t' ? "\\t"
                        : c == '\r' ? "\\r"
                        : c == '"'  ? "\\\""
                        : c == '\\' ? "\\\\"
                                    : NULL;
    if (named) {
        memcpy(e, named, 2);
        return 2;
    }
    if (c < 0x20 || c == 0x7f || (k == 1 && c >= 0x80)) {
        snprintf(e, 5, "\\x%02x", c);
        return 4;
    }
    memcpy(e, s, k);
    return k;
}

char *llmjson_preview(const char *s, size_t len, char *out, size_t cap)
{
    size_t limit = cap - 1 < LLMJSON_PREVIEW_MAX ? cap - 1 : LLMJSON_PREVIEW_MAX, o = 0, i = 0;
    if (cap == 0)
        return out;
    while (i < len) {
        size_t k = s_cp_len((unsigned char)s[i]);
        if (i + k > len)
            k = 1;
        char e[8];
        size_t n = s_escape(s + i, k, e);
        if (o + n > limit - (limit >= 3 ? 3 : 0))
            break;
        memcpy(out + o, e, n);
        o += n;
        i += k;
    }
    if (i < len && limit >= 3) {
        memcpy(out + o, "\xe2\x80\xa6", 3);
        o += 3;
    }
    out[o] = '\0';
    return out;
}

/* --- response ------------------------------------------------------------- */

void llmjson_response_clear(llmjson_response_t *r)
{
    if (!r)
        return;
    free(r->content);
    free(r->finish_reason);
    memset(r, 0, sizeof(*r));
    r->prompt_tokens = r->completion_tokens = -1;
}

static int s_status_code(long status)
{
    if (status == 401 || status == 403 || status == 404)
        return LODE_EUNSUPPORTED;
    if (status == 400 || status == 413 || status == 422)
        return LODE_EINVAL;
    return LODE_ELLM;
}

/* err from {"error": {...}} or {"error": "text"} (or the raw body). */
static int s_error_body(long status, json_t *root, const char *body, size_t len, err_t *err)
{
    json_t *e = json_object_get(root, "error");
    const char *msg = json_string_value(json_is_object(e) ? json_object_get(e, "message") : e);
    const char *type = json_string_value(json_object_get(e, "type"));
    json_t *code = json_object_get(e, "code");
    char cbuf[32] = "";
    if (json_is_string(code))
        snprintf(cbuf, sizeof cbuf, "%s", json_string_value(code));
    else if (json_is_integer(code))
        snprintf(cbuf, sizeof cbuf, "%lld", (long long)json_integer_value(code));
    char prev[LLMJSON_PREVIEW_MAX + 1];
    if (!msg)
        msg = llmjson_preview(body, len, prev, sizeof prev);
    int c = (status >= 200 && status < 300) ? LODE_ELLM : s_status_code(status);
    err_set(err, c, "model server: HTTP %ld%s%s%s%s: %s", status, type ? " " : "", type ? type : "",
            cbuf[0] ? " " : "", cbuf, msg);
    return -1;
}

static void s_usage(json_t *root, llmjson_response_t *out)
{
    json_t *u = json_object_get(root, "usage");
    json_t *p = json_object_get(u, "prompt_tokens"), *c = json_object_get(u, "completion_tokens");
    out->prompt_tokens = json_is_integer(p) ? (int64_t)json_integer_value(p) : -1;
    out->completion_tokens = json_is_integer(c) ? (int64_t)json_integer_value(c) : -1;
}

/* content as a string, or joined text parts; NULL if neither. */
static char *s_content(json_t *c, size_t *len)
{
    if (json_is_string(c)) {
        *len = json_string_length(c);
        return mem_strndup(json_string_value(c), *len);
    }
    if (!json_is_array(c))
        return NULL;
    buf_t b;
    err_t e = {0};
    buf_init(&b, LLMJSON_MAX_BYTES);
    size_t i;
    json_t *part;
    json_array_foreach(c, i, part)
    {
        json_t *t = json_object_get(part, "text");
        if (json_is_string(t) && buf_append(&b, json_string_value(t), json_string_length(t), &e))
            break;
    }
    *len = b.len;
    return buf_steal(&b);
}

int llmjson_parse_response(
    long status, const char *body, size_t len, llmjson_response_t *out, err_t *err)
{
    if (!out || (!body && len > 0)) {
        err_set(err, LODE_EINVAL, "llmjson_parse_response: NULL argument");
        return -1;
    }
    memset(out, 0, sizeof(*out));
    out->prompt_tokens = out->completion_tokens = -1;
    json_t *root = json_loadb(body ? body : "", len, 0, NULL);
    int rc = -1;
    if (status < 200 || status >= 300 || json_object_get(root, "error")) {
        rc = s_error_body(status, root, body ? body : "", len, err);
        goto out;
    }
    char prev[LLMJSON_PREVIEW_MAX + 1];
    json_t *choice = json_array_get(json_object_get(root, "choices"), 0);
    if (!json_is_object(choice)) {
        err_set(err, LODE_ELLM, "model server: not a chat completion: %s",
                llmjson_preview(body ? body : "", len, prev, sizeof prev));
        goto out;
    }
    s_usage(root, out);
    const char *fr = json_string_value(json_object_get(choice, "finish_reason"));
    out->finish_reason = fr ? mem_strdup(fr) : NULL;
    json_t *msg = json_object_get(choice, "message");
    out->content = s_content(json_object_get(msg, "content"), &out->content_len);
    if (!out->content || out->content_len == 0) {
        err_set(err, LODE_ELLM, "model returned no content (finish_reason %s)", fr ? fr : "none");
        goto out;
    }
    rc = 0;
out:
    if (rc != 0) {
        int64_t p = out->prompt_tokens, c = out->completion_tokens;
        llmjson_response_clear(out);
        out->prompt_tokens = p;
        out->completion_tokens = c;
    }
    json_decref(root);
    return rc;
}

/* --- the model's JSON ----------------------------------------------------- */

/* Inside a ``` fence if there is one: the text after the opening line. */
static void s_unfence(const char **s, size_t *len)
{
    const char *f = memmem(*s, *len, "```", 3);
    if (!f)
        return;
    const char *body = memchr(f, '\n', (size_t)(*s + *len - f));
    if (!body)
        return;
    body++;
    size_t rest = (size_t)(*s + *len - body);
    const char *close = memmem(body, rest, "```", 3);
    *s = body;
    *len = close ? (size_t)(close - body) : rest;
}

/* A copy of s without commas (outside strings) followed only by white space
 * and a closing bracket. */
static char *s_drop_trailing_commas(const char *s, size_t len, size_t *out_len)
{
    char *o = mem_alloc(len + 1);
    size_t n = 0;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_str) {
            o[n++] = c;
            if (c == '\\' && i + 1 < len)
                o[n++] = s[++i];
            else if (c == '"')
                in_str = false;
            continue;
        }
        in_str = c == '"';
        if (c == ',') {
            size_t j = i + 1;
            while (j < len && strchr(" \t\r\n", s[j]))
                j++;
            if (j < len && (s[j] == '}' || s[j] == ']'))
                continue;
        }
        o[n++] = c;
    }
    o[n] = '\0';
    *out_len = n;
    return o;
}

/* Parse s[0..len) leniently; compact JSON or NULL. */
static char *s_try(const char *s, size_t len, size_t *out_len)
{
    size_t n;
    char *clean = s_drop_trailing_commas(s, len, &n);
    json_t *v = json_loadb(clean, n, 0, NULL);
    free(clean);
    if (!v)
        return NULL;
    char *dump = json_dumps(v, JSON_COMPACT);
    json_decref(v);
    if (dump && out_len)
        *out_len = strlen(dump);
    return dump;
}

static bool s_finish_fails(const char *content, size_t len, const char *fr, err_t *err)
{
    char prev[LLMJSON_PREVIEW_MAX + 1];
    if (fr && strcmp(fr, "length") == 0) {
        err_set(err, LODE_ETOOBIG, "model output cut at max tokens (finish_reason length): %s",
                llmjson_preview(content, len, prev, sizeof prev));
        return true;
    }
    if (fr && strcmp(fr, "content_filter") == 0) {
        err_set(err, LODE_EUNSUPPORTED, "model output withheld by its content filter: %s",
                llmjson_preview(content, len, prev, sizeof prev));
        return true;
    }
    return false;
}

char *llmjson_extract(
    const char *content, size_t len, const char *finish_reason, size_t *out_len, err_t *err)
{
    if (!content && len > 0) {
        err_set(err, LODE_EINVAL, "llmjson_extract: NULL content");
        return NULL;
    }
    if (s_finish_fails(content ? content : "", len, finish_reason, err))
        return NULL;
    const char *s = content ? content : "";
    size_t n = len, starts = 0;
    bool cut = false;
    s_unfence(&s, &n);
    for (size_t i = 0; i < n && starts < S_MAX_STARTS; i++) {
        if (s[i] != '{' && s[i] != '[')
            continue;
        starts++;
        size_t k = jsonspan_len(s + i, n - i);
        char *got = k ? s_try(s + i, k, out_len) : NULL;
        if (got)
            return got;
        cut = cut || (k == 0 && starts == 1);
    }
    char prev[LLMJSON_PREVIEW_MAX + 1];
    err_set(err, LODE_ELLM, "model output %s: %s",
            cut ? "is cut short (unbalanced JSON)" : "holds no JSON value",
            llmjson_preview(content ? content : "", len, prev, sizeof prev));
    return NULL;
}
