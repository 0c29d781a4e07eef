/*  fuzz_article.c - libFuzzer harness for the article extractor: any bytes
 *  must give 0 (or ETOOBIG) and valid UTF-8 blocks, no crash, no leak; and
 *  the page with its script and style bodies cut (article_strip_raw) must
 *  give libxml2 the same tree as the page itself, those bodies aside.
 *  Build: clang -fsanitize=fuzzer,address,undefined, linked with common/ objects.
 *  SPDX-License-Identifier: MIT
 */
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "article.h"
#include "article_impl.h"
#include "buf.h"
#include "htmlmeta.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The tree as text: elements, attributes, text and comments, with what
 * is inside <script> and <style> left out. */
static void s_dump(const xmlNode *n, buf_t *b)
{
    for (; n; n = n->next) {
        const char *name = n->name ? (const char *)n->name : "";
        const char *content = n->content ? (const char *)n->content : "";
        int rc = 0;
        if (n->type == XML_ELEMENT_NODE) {
            rc |= buf_printf(b, NULL, "<%s", name);
            for (const xmlAttr *a = n->properties; a; a = a->next) {
                const char *v =
                    a->children && a->children->content ? (const char *)a->children->content : "";
                rc |= buf_printf(b, NULL, " %s=%s", a->name ? (const char *)a->name : "", v);
            }
            rc |= buf_puts(b, ">", NULL);
            if (strcmp(name, "script") != 0 && strcmp(name, "style") != 0)
                s_dump(n->children, b);
            rc |= buf_puts(b, "</>", NULL);
        } else if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            rc |= buf_printf(b, NULL, "[%s]", content);
        } else if (n->type == XML_COMMENT_NODE) {
            rc |= buf_printf(b, NULL, "<!%s>", content);
        }
        if (rc)
            abort();
    }
}

static char *s_tree(const char *html, size_t len)
{
    int opts = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
               HTML_PARSE_COMPACT | HTML_PARSE_IGNORE_ENC | XML_PARSE_HUGE;
    xmlDoc *doc = htmlReadMemory(html, (int)len, NULL, "UTF-8", opts);
    buf_t b;
    buf_init(&b, (size_t)1 << 30);
    if (doc)
        s_dump(doc->children, &b);
    xmlFreeDoc(doc);
    return b.data ? buf_steal(&b) : strdup("");
}

/* Cutting the raw bodies must not change anything libxml2 builds. */
static void s_check_strip(const uint8_t *data, size_t size)
{
    char *owned = NULL;
    size_t len;
    const char *text = article_to_utf8((const char *)data, size, &len, &owned);
    size_t cut_len;
    char *cut = article_strip_raw(text, len, &cut_len);
    if (cut) {
        char *a = s_tree(text, len), *b = s_tree(cut, cut_len);
        if (strcmp(a, b) != 0)
            abort();
        free(a);
        free(b);
        free(cut);
    }
    free(owned);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 0 && size <= ARTICLE_MAX_BYTES)
        s_check_strip(data, size);
    article_t a;
    err_t err = {0};
    if (article_extract((const char *)data, size, "https://fuzz.example/a/b", &a, &err) != 0) {
        if (err.code != LODE_ETOOBIG)
            abort();
        return 0;
    }
    for (size_t i = 0; i < a.n_blocks; i++) {
        if (!utf8_valid(a.blocks[i], strlen(a.blocks[i])))
            abort();
    }
    char *text = article_text(&a);
    if (strlen(text) != a.text_len)
        abort();
    free(text);
    article_clear(&a);
    /* The date reader sees page strings directly; give it the input too. */
    char in[256], out[32];
    size_t n = size < sizeof in - 1 ? size : sizeof in - 1;
    memcpy(in, data, n);
    in[n] = '\0';
    (void)htmlmeta_date_iso(in, out);
    return 0;
}
