/*  scrape.c - GET a page over loopback and read Prometheus samples from it.
 *  SPDX-License-Identifier: MIT
 */
#include "scrape.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "buf.h"
#include "err.h"

static size_t s_collect(char *data, size_t size, size_t n, void *arg)
{
    buf_t *b = arg;
    err_t err = {0};
    return buf_append(b, data, size * n, &err) == 0 ? size * n : 0;
}

long scrape_get(const char *url, char **body, char *ctype, size_t ctype_size)
{
    CURL *h = curl_easy_init();
    buf_t b;
    buf_init(&b, 1 << 20);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, s_collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
    long status = -1;
    if (curl_easy_perform(h) == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        char *ct = NULL;
        curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct);
        if (ctype)
            snprintf(ctype, ctype_size, "%s", ct ? ct : "");
    }
    curl_easy_cleanup(h);
    *body = buf_steal(&b);
    return status;
}

double scrape_sample(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, series, n) == 0 && p[n] == ' ')
            return strtod(p + n + 1, NULL);
    return NAN;
}
