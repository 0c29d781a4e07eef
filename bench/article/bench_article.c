/*  bench_article.c - run the article extractor over a directory of .html
 *  pages, write <id>.txt per page for score.py, time parse+extract only
 *  (file reading and writing excluded) and report pages/s and peak RSS.
 *  Usage: bench_article IN_DIR OUT_DIR [--meta]
 *  SPDX-License-Identifier: MIT
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "article.h"
#include "mem.h"

static int s_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *s_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = mem_alloc((size_t)n + 1);
    *len = fread(data, 1, (size_t)n, f);
    fclose(f);
    return data;
}

static double s_clock(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void s_print_meta(const char *id, const article_t *a)
{
    printf("%.12s how=%s blocks=%zu len=%zu title=%s | author=%s | published=%s | site=%s | "
           "lang=%s | canonical=%s\n",
           id, a->how, a->n_blocks, a->text_len, a->title ? a->title : "-",
           a->author ? a->author : "-", a->published ? a->published : "-", a->site ? a->site : "-",
           a->language ? a->language : "-", a->canonical ? a->canonical : "-");
}

/* t[0] wall seconds, t[1] CPU seconds of parse+extract. */
static int s_one(const char *in_dir, const char *out_dir, const char *name, int meta, double t[2])
{
    char path[4096];
    size_t len = 0;
    snprintf(path, sizeof path, "%s/%s", in_dir, name);
    char *html = s_read(path, &len);
    if (!html)
        return -1;
    article_t a;
    err_t err = {0};
    double t0 = s_clock(CLOCK_MONOTONIC), c0 = s_clock(CLOCK_PROCESS_CPUTIME_ID);
    int rc = article_extract(html, len, NULL, &a, &err);
    t[0] += s_clock(CLOCK_MONOTONIC) - t0;
    t[1] += s_clock(CLOCK_PROCESS_CPUTIME_ID) - c0;
    free(html);
    if (rc != 0) {
        fprintf(stderr, "bench_article: %s: %s\n", name, err.msg);
        return -1;
    }
    char id[1024];
    snprintf(id, sizeof id, "%.*s", (int)(strlen(name) - 5), name);
    if (meta)
        s_print_meta(id, &a);
    snprintf(path, sizeof path, "%s/%s.txt", out_dir, id);
    FILE *f = fopen(path, "w");
    char *text = article_text(&a);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    free(text);
    article_clear(&a);
    return f ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_article IN_DIR OUT_DIR [--meta]\n");
        return 2;
    }
    int meta = argc > 3 && strcmp(argv[3], "--meta") == 0;
    DIR *d = opendir(argv[1]);
    if (!d) {
        perror(argv[1]);
        return 1;
    }
    char **names = NULL;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t l = strlen(e->d_name);
        if (l > 5 && strcmp(e->d_name + l - 5, ".html") == 0) {
            names = mem_realloc(names, (n + 1) * sizeof *names);
            names[n++] = mem_strdup(e->d_name);
        }
    }
    closedir(d);
    qsort(names, n, sizeof *names, s_cmp);
    article_init();
    double t[2] = {0, 0};
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        failed += s_one(argv[1], argv[2], names[i], meta, t) != 0;
        free(names[i]);
    }
    free(names);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    /* The CPU seconds go first: run.sh reads the last "N pages/s" (wall
     * clock, as readability_lxml.py reports); on a loaded machine the CPU
     * figure shows what the code itself costs. */
    printf("lode-article: %zu pages, %d failed, cpu %.3f s, %.3f s parse+extract, %.1f pages/s, "
           "peak RSS %ld MB\n",
           n, failed, t[1], t[0], t[0] > 0 ? (double)n / t[0] : 0.0, ru.ru_maxrss / 1024);
    return failed ? 1 : 0;
}
