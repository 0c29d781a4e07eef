/*  cluster_util.c - small utilities of the harness: files, a bounded output
 *  buffer, UTF-8 counting and slicing, real prose from the seed page.
 *  SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE /* nftw */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cluster.h"
#include "cluster_impl.h"
#include "mem.h"

void cluster_out_add(cluster_out_t *o, const char *p, size_t n)
{
    if (o->len + n > CLUSTER_OUTPUT_MAX)
        n = CLUSTER_OUTPUT_MAX - o->len; /* bounded: the rest is dropped */
    if (o->len + n + 1 > o->cap) {
        o->cap = (o->len + n + 1) * 2;
        o->data = mem_realloc(o->data, o->cap);
    }
    memcpy(o->data + o->len, p, n);
    o->len += n;
    o->data[o->len] = '\0';
}

static int s_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void cluster_rmtree(const char *path)
{
    nftw(path, s_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

char *cluster_write_file(cluster_t *self, const char *name, const char *data, size_t len)
{
    char *path = mem_printf("%s/%s", self->tmpdir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len) {
        if (f)
            fclose(f);
        free(path);
        return NULL;
    }
    if (fclose(f) != 0) {
        free(path);
        return NULL;
    }
    return path;
}

char *cluster_read_file(const char *path, size_t max_bytes, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    cluster_out_t o = {0};
    cluster_out_add(&o, "", 0);
    char chunk[65536];
    size_t n;
    while (o.len < max_bytes && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        cluster_out_add(&o, chunk, n < max_bytes - o.len ? n : max_bytes - o.len);
    fclose(f);
    if (len)
        *len = o.len;
    return o.data;
}

/* Bytes of the UTF-8 sequence at s, or 0 if it is invalid (overlong,
 * surrogate, past U+10FFFF, truncated). Independent of common/utf8.c on
 * purpose: the tests check that module's results. */
static size_t s_utf8_seq(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (n == 0 || s[0] > 0xF4)
        return 0;
    uint32_t cp = s[0] & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

size_t cluster_utf8_len(const char *s)
{
    size_t count = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = s_utf8_seq(p);
        if (n == 0)
            return SIZE_MAX;
        p += n;
        count++;
    }
    return count;
}

char *cluster_utf8_slice(const char *s, size_t cp_off, size_t cp_len)
{
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *start = NULL;
    for (size_t i = 0;; i++) {
        if (i == cp_off)
            start = p;
        if (i == cp_off + cp_len)
            return mem_strndup((const char *)start, (size_t)(p - start));
        if (!*p)
            return NULL;
        size_t n = s_utf8_seq(p);
        if (n == 0)
            return NULL;
        p += n;
    }
}

char *cluster_prose(size_t min_words)
{
    char *seed = cluster_read_file("seeds/000_a5cf945eb98e69f0.txt", 1u << 20, NULL);
    if (!seed)
        return NULL;
    cluster_out_t o = {0};
    cluster_out_add(&o, "", 0);
    size_t words = 0;
    for (char *line = strtok(seed, "\n"); line && words < min_words; line = strtok(NULL, "\n")) {
        if (strlen(line) < 200)
            continue; /* headings, list items, labels */
        if (o.len)
            cluster_out_add(&o, "\n\n", 2);
        cluster_out_add(&o, line, strlen(line));
        for (char *p = line; *p; p++)
            words += (p == line || p[-1] == ' ') && *p != ' ';
    }
    free(seed);
    return o.data;
}
