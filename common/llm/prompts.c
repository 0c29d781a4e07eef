/*  prompts.c - template lookup, hashing and rendering (see prompts.h).
 *  SPDX-License-Identifier: MIT
 */
#include "prompts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "config.h"
#include "mem.h"
#include "sha256.h"
#include "utf8.h"

#ifndef LODE_PROMPTS_DIR
#define LODE_PROMPTS_DIR "/usr/local/share/lode/prompts"
#endif

typedef struct {
    char *text;   /* owned: the template, comment dropped */
    char *origin; /* owned: path or "built-in" */
    char hash[7 + SHA256_HEX_SIZE];
} s_prompt_t;

struct prompts {
    s_prompt_t items[PROMPT_COUNT];
};

static const char *const s_names[PROMPT_COUNT] = {"snippet.md", "synthesis.md", "fanout.md",
                                                  "notes.md"};

const char *prompts_name(prompt_id_t id)
{
    return (unsigned)id < PROMPT_COUNT ? s_names[id] : "?";
}

const char *prompts_installed_dir(void)
{
    return LODE_PROMPTS_DIR;
}

/* The template in a file's text: a leading <!-- … --> comment and the
 * white space around it dropped. Caller frees. */
static char *s_template(const char *s, size_t len)
{
    const char *end = s + len;
    while (s < end && strchr(" \t\r\n", *s))
        s++;
    if (end - s >= 4 && memcmp(s, "<!--", 4) == 0) {
        const char *close = strstr(s + 4, "-->");
        if (close && close + 3 <= end) {
            s = close + 3;
            while (s < end && strchr(" \t\r\n", *s))
                s++;
        }
    }
    return mem_strndup(s, (size_t)(end - s));
}

/* Read path into *out. 1 when read, 0 when there is no such file, -1 and
 * *err when it exists but cannot be read. */
static int s_read_file(const char *path, char **out, size_t *len, err_t *err)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        err_set(err, LODE_EIO, "prompt %s: %s", path, strerror(errno));
        return -1;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        err_set(err, LODE_EIO, "prompt %s: %s", path, strerror(errno));
        return -1;
    }
    buf_t b;
    buf_init(&b, PROMPTS_MAX_BYTES);
    char chunk[4096];
    size_t n;
    int rc = 1;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (buf_append(&b, chunk, n, err) != 0) {
            err_prefix(err, "prompt %s", path);
            rc = -1;
            break;
        }
    }
    if (rc == 1 && ferror(f)) {
        err_set(err, LODE_EIO, "prompt %s: %s", path, strerror(errno));
        rc = -1;
    }
    fclose(f);
    if (rc != 1) {
        buf_free(&b);
        return rc;
    }
    *len = b.len;
    *out = buf_steal(&b);
    return 1;
}

/* Try dir/name: 1 and the prompt filled, 0 when absent, -1 and *err. */
static int s_try_dir(const char *dir, const char *name, s_prompt_t *p, err_t *err)
{
    if (!dir || !*dir)
        return 0;
    char *path = mem_printf("%s/%s", dir, name);
    char *raw = NULL;
    size_t len = 0;
    int rc = s_read_file(path, &raw, &len, err);
    if (rc == 1) {
        p->text = s_template(raw, len);
        if (!*p->text) {
            err_set(err, LODE_EINVAL, "prompt %s: empty", path);
            rc = -1;
        } else if (!utf8_valid(raw, len) || strlen(raw) != len) {
            /* Found here, not by every job: llm_call refuses such a message. */
            err_set(err, LODE_EINVAL, "prompt %s: not UTF-8 text (save it as UTF-8)", path);
            rc = -1;
        }
    }
    free(raw);
    if (rc == 1)
        p->origin = path;
    else
        free(path);
    return rc;
}

static int s_builtin(const char *name, s_prompt_t *p, err_t *err)
{
    for (const prompts_builtin_t *b = prompts_builtin; b->name; b++) {
        if (strcmp(b->name, name) == 0) {
            p->text = s_template(b->text, b->len);
            p->origin = mem_strdup("built-in");
            return 1;
        }
    }
    err_set(err, LODE_EINVAL, "prompt %s: not built into this program", name);
    return -1;
}

static int s_find(const char *dir, const char *name, s_prompt_t *p, err_t *err)
{
    char *user = config_user_path("prompts");
    const char *tries[] = {dir, getenv("LODE_PROMPTS"), user, LODE_PROMPTS_DIR};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof tries / sizeof tries[0]; i++)
        rc = s_try_dir(tries[i], name, p, err);
    free(user);
    return rc != 0 ? rc : s_builtin(name, p, err);
}

/* A --prompts that names no directory is a typo, not a wish for the
 * defaults. */
static int s_check_dir(const char *dir, err_t *err)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        err_set(err, LODE_EINVAL, "prompts dir %s: %s", dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        err_set(err, LODE_EINVAL, "prompts dir %s: not a directory", dir);
        return -1;
    }
    return 0;
}

prompts_t *prompts_load(const char *dir, err_t *err)
{
    if (dir && s_check_dir(dir, err) != 0)
        return NULL;
    prompts_t *self = mem_calloc(1, sizeof *self);
    for (int i = 0; i < PROMPT_COUNT; i++) {
        s_prompt_t *p = &self->items[i];
        if (s_find(dir, s_names[i], p, err) < 0) {
            prompts_destroy(&self);
            return NULL;
        }
        char hex[SHA256_HEX_SIZE];
        snprintf(p->hash, sizeof p->hash, "sha256:%s", sha256_hex(p->text, strlen(p->text), hex));
    }
    return self;
}

void prompts_destroy(prompts_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    prompts_t *self = *self_p;
    for (int i = 0; i < PROMPT_COUNT; i++) {
        free(self->items[i].text);
        free(self->items[i].origin);
    }
    free(self);
    *self_p = NULL;
}

const char *prompts_text(const prompts_t *self, prompt_id_t id)
{
    return (unsigned)id < PROMPT_COUNT ? self->items[id].text : NULL;
}

const char *prompts_hash(const prompts_t *self, prompt_id_t id)
{
    return (unsigned)id < PROMPT_COUNT ? self->items[id].hash : NULL;
}

const char *prompts_origin(const prompts_t *self, prompt_id_t id)
{
    return (unsigned)id < PROMPT_COUNT ? self->items[id].origin : NULL;
}

/* The value of placeholder name[0..len), or NULL when it is not one. */
static const char *s_value(const prompts_vars_t *v, const char *name, size_t len, char *num)
{
    static const char *const keys[] = {"title",      "max_snippets", "chunk",
                                       "transcript", "snippets",     "synthesis"};
    size_t k = 0;
    while (k < 6 && !(strlen(keys[k]) == len && memcmp(keys[k], name, len) == 0))
        k++;
    switch (k) {
    case 0:
        return v->title && *v->title ? v->title : "untitled";
    case 1:
        snprintf(num, 24, "%d", v->max_snippets);
        return num;
    case 2:
        return v->chunk ? v->chunk : "";
    case 3:
        return v->transcript ? v->transcript : "";
    case 4:
        return v->snippets && *v->snippets ? v->snippets : "(none)";
    case 5:
        return v->synthesis && *v->synthesis ? v->synthesis : "(none)";
    default:
        return NULL;
    }
}

char *prompts_render(const char *tpl, const prompts_vars_t *vars, size_t max_bytes, err_t *err)
{
    buf_t b;
    buf_init(&b, max_bytes);
    char num[24];
    const char *s = tpl;
    while (*s) {
        const char *open = strstr(s, "{{");
        const char *close = open ? strstr(open + 2, "}}") : NULL;
        const char *val = close ? s_value(vars, open + 2, (size_t)(close - open - 2), num) : NULL;
        size_t lit = open ? (size_t)(open - s) + (val ? 0 : 2) : strlen(s);
        if (buf_append(&b, s, lit, err) != 0 || (val && buf_puts(&b, val, err) != 0)) {
            buf_free(&b);
            err_prefix(err, "prompt");
            return NULL;
        }
        s += lit;
        if (val)
            s = close + 2;
    }
    return buf_steal(&b);
}
