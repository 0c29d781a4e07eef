/*  web_md.h - Markdown to HTML for the workbench (the synthesis, notes)
 *  through Debian's libcmark. Its default is safe: raw HTML becomes a
 *  comment ("raw HTML omitted") and javascript:, vbscript:, file: and most
 *  data: links become empty, so model output and pasted text render inert.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_WEB_MD_H
#define LODE_WEB_MD_H
#include "web_html.h"

/* Append the HTML of Markdown md (NULL = nothing) to b. */
void web_md(wb_t *b, const char *md);
#endif
