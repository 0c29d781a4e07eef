/*  article.c - main-text extraction entry points: libxml2 builds the
 *  tree, then the passes in article_blocks.c, article_score.c and
 *  article_select.c find the text; this file runs the attempts and fills
 *  the metadata. Does not fetch, log or convert charsets.
 *  SPDX-License-Identifier: MIT
 */
#include "article.h"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/uri.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "article_impl.h"
#include "buf.h"
#include "htmlmeta.h"
#include "mem.h"
#include "utf8.h"

static char *s_resolve_url(const char *href, const char *base)
{
    if (!href || !base)
        return (char *)href;
    xmlChar *abs = xmlBuildURI((const xmlChar *)href, (const xmlChar *)base);
    if (!abs)
        return (char *)href;
    char *s = mem_strdup((const char *)abs);
    xmlFree(abs);
    free((char *)href);
    return s;
}

static void s_metadata(article_ctx_t *c, const char *url, article_t *out)
{
    out->title = htmlmeta_get(c->meta, HTMLMETA_TITLE);
    out->author = htmlmeta_get(c->meta, HTMLMETA_AUTHOR);
    out->published = htmlmeta_get(c->meta, HTMLMETA_PUBLISHED);
    out->site = htmlmeta_get(c->meta, HTMLMETA_SITE);
    out->language = htmlmeta_get(c->meta, HTMLMETA_LANGUAGE);
    out->canonical = s_resolve_url(htmlmeta_get(c->meta, HTMLMETA_CANONICAL), url);
    c->title = out->title ? mem_strdup(out->title) : NULL;
    c->desc = htmlmeta_get(c->meta, HTMLMETA_DESCRIPTION);
}

/* ---- entry points ------------------------------------------------------- */

static pthread_once_t s_once = PTHREAD_ONCE_INIT;

static void s_init_once(void)
{
    xmlInitParser();
    article_mem_install();
}

void article_init(void)
{
    pthread_once(&s_once, s_init_once);
}

static void s_ctx_free(article_ctx_t *c)
{
    if (c->doc)
        xmlFreeDoc(c->doc);
    free(c->els);
    free(c->blocks);
    free(c->stack);
    buf_free(&c->arena);
    buf_free(&c->cur);
    htmlmeta_destroy(&c->meta);
    free(c->title);
    free(c->desc);
}

static void s_reset(article_ctx_t *c, int mode)
{
    c->mode = mode;
    for (size_t i = 0; i < c->n_els; i++) {
        article_el_t *e = &c->els[i];
        e->flags &= ~(uint32_t)(F_JUNK | F_CLEAN | F_SCORED);
        e->score = 0;
        e->blk_len = e->blk_link = e->prose_len = 0;
        e->last_blk = ARTICLE_NONE;
    }
    c->n_blocks = 0;
    c->n_stack = 0;
    c->in_a = c->in_pre = 0;
    c->cur_link = 0;
    buf_reset(&c->arena);
    buf_reset(&c->cur);
}

#define S_ENOUGH_TEXT 500 /* bytes that end the retries (Readability's figure) */

/* Run the attempts until one finds enough text; keep the longest. */
static int s_attempts(article_ctx_t *c, article_t *out, err_t *err)
{
    article_t best = *out; /* metadata only so far */
    for (int mode = 0; mode < ARTICLE_N_MODES; mode++) {
        s_reset(c, mode);
        if (article_cut_blocks(c, err) != 0)
            return -1;
        article_score(c);
        article_t a = {0};
        article_choose(c, &a);
        if (mode == 0 || a.text_len > best.text_len) {
            a.title = best.title, a.author = best.author, a.published = best.published;
            a.site = best.site, a.language = best.language, a.canonical = best.canonical;
            best.title = best.author = best.published = NULL;
            best.site = best.language = best.canonical = NULL;
            article_clear(&best);
            best = a;
        } else {
            article_clear(&a);
        }
        if (best.text_len >= S_ENOUGH_TEXT)
            break;
    }
    *out = best;
    return 0;
}

static xmlDoc *s_parse(const char *html, size_t len, const char *url)
{
    int opts = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
               HTML_PARSE_COMPACT | HTML_PARSE_IGNORE_ENC | XML_PARSE_HUGE;
    char *owned = NULL;
    const char *text = article_to_utf8(html, len, &len, &owned);
    char *stripped = article_strip_raw(text, len, &len);
    xmlDoc *doc = htmlReadMemory(stripped ? stripped : text, (int)len, url, "UTF-8", opts);
    free(stripped);
    free(owned);
    return doc;
}

int article_extract(const char *html, size_t len, const char *url, article_t *out, err_t *err)
{
    if (!out || (!html && len)) {
        err_set(err, LODE_EINVAL, "article: NULL argument");
        return -1;
    }
    memset(out, 0, sizeof *out);
    out->how = "none";
    if (len > ARTICLE_MAX_BYTES) {
        err_set(err, LODE_ETOOBIG, "article: page of %zu bytes is over the %zu byte limit", len,
                ARTICLE_MAX_BYTES);
        return -1;
    }
    article_init();
    article_ctx_t c = {0};
    c.meta = htmlmeta_new();
    buf_init(&c.arena, 4 * len + 64);
    buf_init(&c.cur, 4 * len + 64);
    int rc = 0;
    (void)article_mem_begin(); /* the tree lives in the arena until s_ctx_free */
    c.doc = len ? s_parse(html, len, url) : NULL;
    if (c.doc) {
        article_measure(&c);
        s_metadata(&c, url, out);
        rc = s_attempts(&c, out, err);
    }
    s_ctx_free(&c);
    article_mem_end();
    if (rc != 0) {
        article_clear(out);
        err_prefix(err, "article");
    }
    return rc;
}

char *article_text(const article_t *a)
{
    buf_t b;
    buf_init(&b, (size_t)-1 / 2);
    for (size_t i = 0; a && i < a->n_blocks; i++) {
        if ((i && buf_append(&b, "\n\n", 2, NULL) != 0) || buf_puts(&b, a->blocks[i], NULL) != 0)
            break;
    }
    return b.data ? buf_steal(&b) : mem_strdup("");
}

void article_clear(article_t *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n_blocks; i++)
        free(a->blocks[i]);
    free(a->blocks);
    free(a->title);
    free(a->author);
    free(a->published);
    free(a->site);
    free(a->language);
    free(a->canonical);
    memset(a, 0, sizeof *a);
    a->how = "none";
}
