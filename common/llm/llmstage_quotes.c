/*  llmstage_quotes.c - the quote guard over a model's essay (issue #14):
 *  words a synthesis puts in quotation marks must be words of the source.
 *  Each quoted span of three words or more is looked up the way snippet
 *  quotes are (quote.h); one that is not in the source loses its quotation
 *  marks, so the essay no longer claims the source said it, and is counted
 *  for the stage's meta.
 *  SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "buf.h"
#include "llmstage_impl.h"
#include "mem.h"
#include "quote.h"

#define S_OPEN_CURLY  "\xe2\x80\x9c"
#define S_CLOSE_CURLY "\xe2\x80\x9d"

/* The closing mark of a quotation opening at p (curly or straight), within
 * its paragraph; NULL when there is none. *mark gets the marks' length. */
static const char *s_close(const char *p, size_t *mark)
{
    bool curly = strncmp(p, S_OPEN_CURLY, 3) == 0;
    *mark = curly ? 3 : 1;
    for (const char *q = p + *mark; *q; q++) {
        if (q[0] == '\n' && q[1] == '\n')
            return NULL;
        if (curly ? strncmp(q, S_CLOSE_CURLY, 3) == 0 : *q == '"')
            return q;
    }
    return NULL;
}

/* Append to the essay: bounded by the answer's size, far below
 * LLMSTAGE_RENDER_MAX, so a failure cannot happen. */
static void s_put(buf_t *b, const char *s, size_t n)
{
    if (buf_append(b, s, n, NULL) != 0)
        return;
}

static size_t s_words(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        w += s[i] != ' ' && (i == 0 || s[i - 1] == ' ');
    return w;
}

/* Is quote[0..n), less its closing punctuation, in the source? */
static bool s_in_source(const quote_index_t *qi, const char *q, size_t n)
{
    while (n && strchr(",.;:!?", q[n - 1]))
        n--;
    quote_match_t m;
    err_t e = {0};
    if (n == 0 || n > QUOTE_MAX_BYTES || quote_index_find(qi, q, n, NULL, &m, &e) != 0)
        return true; /* nothing to check, or too long to check: left as written */
    return m.kind == QUOTE_EXACT || m.kind == QUOTE_NORMALISED;
}

char *llmstage_guard_essay(const transcript_t *t, const char *md, size_t *checked, size_t *unquoted)
{
    *checked = *unquoted = 0;
    err_t e = {0};
    quote_index_t *qi = quote_index_new(t, &e);
    if (!qi)
        return mem_strdup(md);
    buf_t out;
    buf_init(&out, LLMSTAGE_RENDER_MAX);
    const char *p = md;
    while (*p) {
        size_t mark;
        const char *close =
            (*p == '"' || strncmp(p, S_OPEN_CURLY, 3) == 0) ? s_close(p, &mark) : NULL;
        if (!close) {
            s_put(&out, p, 1);
            p++;
            continue;
        }
        const char *in = p + mark;
        size_t n = (size_t)(close - in);
        bool keep = true;
        if (s_words(in, n) >= 3) {
            (*checked)++;
            keep = s_in_source(qi, in, n);
            *unquoted += !keep;
        }
        size_t total = (size_t)(close + mark - p);
        if (keep)
            s_put(&out, p, total);
        else
            s_put(&out, in, n);
        p += total;
    }
    quote_index_destroy(&qi);
    return buf_steal(&out);
}
