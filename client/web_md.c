/*  web_md.c - Markdown through libcmark, safe by default (web_md.h).
 *  SPDX-License-Identifier: MIT
 */
#include "web_md.h"

#include <cmark.h>
#include <stdlib.h>
#include <string.h>

void web_md(wb_t *b, const char *md)
{
    if (!md)
        return;
    /* CMARK_OPT_DEFAULT leaves CMARK_OPT_UNSAFE off: no raw HTML, no
     * dangerous URLs. Never pass CMARK_OPT_UNSAFE here. */
    char *html = cmark_markdown_to_html(md, strlen(md), CMARK_OPT_DEFAULT | CMARK_OPT_SMART);
    if (html)
        wb_raw(b, html);
    free(html);
}
