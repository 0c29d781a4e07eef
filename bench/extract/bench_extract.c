/*  bench_extract.c - time the extractive engine's three text stages on a
 *  ~10,000-word timed transcript built from the seed page's prose (or on
 *  a given text file), and optionally print what they produce.
 *  Usage: bench_extract [--runs N] [--words N] [--show] [FILE]
 *  SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extract.h"
#include "transcript.h"

#define SEED_PATH "seeds/000_a5cf945eb98e69f0.txt"

static double s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static char *s_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    *len = fread(buf, 1, (size_t)n, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/* The seed page's prose: §02 quotes and §03 paragraphs, one per line. */
static size_t s_seed_paragraphs(char *seed, char **paras, size_t max)
{
    size_t n = 0;
    int section = 0;
    bool quote_next = false;
    for (char *line = strtok(seed, "\n"); line && n < max; line = strtok(NULL, "\n")) {
        if (strncmp(line, "\xC2\xA7", 2) == 0) {
            section = atoi(line + 2);
            continue;
        }
        bool is_quote = section == 2 && quote_next;
        quote_next = strcmp(line, "-") == 0;
        if (is_quote || (section == 3 && line[0] != '#' && strlen(line) > 200))
            paras[n++] = line;
    }
    return n;
}

/* Cues of about twelve words, three seconds each, from text. */
static int s_append_cues(transcript_t *t, const char *text, int64_t *ms, err_t *err)
{
    const char *p = text;
    while (*p) {
        const char *e = p;
        for (int words = 0; *e && words < 12; words++) {
            while (*e && *e != ' ')
                e++;
            while (*e == ' ')
                e++;
        }
        size_t len = (size_t)(e - p);
        while (len && p[len - 1] == ' ')
            len--;
        if (len &&
            transcript_append(t, " ", p, len, (transcript_time_t){*ms, *ms + 3000}, err) != 0)
            return -1;
        *ms += 3000;
        p = e;
    }
    return 0;
}

/* ~words words: the paragraphs over and over, in a different order each
 * round (a fixed LCG), so the text is long but not one block repeated. */
static transcript_t *s_make_transcript(size_t words, err_t *err)
{
    size_t len;
    char *seed = s_read_file(SEED_PATH, &len);
    if (!seed) {
        fprintf(stderr, "bench_extract: cannot read %s (run from the repo root)\n", SEED_PATH);
        return NULL;
    }
    char *paras[128];
    size_t n = s_seed_paragraphs(seed, paras, 128), total = 0;
    transcript_t *t = transcript_new();
    int64_t ms = 0;
    uint32_t lcg = 12345;
    while (total < words && n > 0) {
        lcg = lcg * 1103515245u + 12345u;
        const char *p = paras[(lcg >> 16) % n];
        for (const char *c = p; *c; c++)
            total += *c == ' ';
        if (s_append_cues(t, p, &ms, err) != 0) {
            transcript_destroy(&t);
            break;
        }
    }
    free(seed);
    return t;
}

static int s_by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void s_report(const char *name, double *ms, int runs)
{
    qsort(ms, (size_t)runs, sizeof *ms, s_by_double);
    printf("%-10s median %7.2f ms   p90 %7.2f ms\n", name, ms[runs / 2], ms[(runs * 9) / 10]);
}

static void s_show(const transcript_t *t,
                   const extract_snippets_t *s,
                   const extract_synthesis_t *syn,
                   const extract_fanout_t *f)
{
    printf("== snippets\n");
    for (size_t i = 0; i < s->count; i++) {
        const extract_snippet_t *sn = &s->items[i];
        printf("[%zu] rank %d score %.3f start_ms %lld\n  \"%.*s\"\n  -> %s\n", i + 1, sn->rank,
               sn->score, (long long)sn->start_ms, (int)sn->length, t->text + sn->offset,
               sn->commentary);
    }
    printf("== synthesis\n%s\n== questions\n", syn->markdown);
    for (size_t i = 0; i < f->n_questions; i++)
        printf("  %02zu %s\n", i + 1, f->questions[i]);
    printf("== concepts\n");
    for (size_t i = 0; i < f->n_concepts; i++)
        printf("  %02zu %s\n", i + 1, f->concepts[i]);
    printf("== references\n");
    for (size_t i = 0; i < f->n_references; i++)
        printf("  %02zu %s\n", i + 1, f->references[i]);
}

/* One pass of the three stages; ms[0..2] get their times. */
static int s_run_once(const transcript_t *t, double *ms, bool show, err_t *err)
{
    extract_snippets_t s;
    extract_synthesis_t syn;
    extract_fanout_t f;
    double t0 = s_now_ms();
    if (extract_snippets(t, NULL, &s, err) != 0)
        return -1;
    double t1 = s_now_ms();
    if (extract_synthesis(t, &s, NULL, &syn, err) != 0) {
        extract_snippets_clear(&s);
        return -1;
    }
    double t2 = s_now_ms();
    int rc = extract_fanout(t, &s, &syn, &f, err);
    double t3 = s_now_ms();
    ms[0] = t1 - t0;
    ms[1] = t2 - t1;
    ms[2] = t3 - t2;
    ms[3] = t3 - t0;
    if (rc == 0 && show)
        s_show(t, &s, &syn, &f);
    if (rc == 0)
        extract_fanout_clear(&f);
    extract_synthesis_clear(&syn);
    extract_snippets_clear(&s);
    return rc;
}

static transcript_t *s_file_transcript(const char *path, err_t *err)
{
    size_t len;
    char *text = s_read_file(path, &len);
    if (!text) {
        fprintf(stderr, "bench_extract: cannot read %s\n", path);
        return NULL;
    }
    transcript_t *t = transcript_new();
    int64_t ms = 0;
    if (s_append_cues(t, text, &ms, err) != 0)
        transcript_destroy(&t);
    free(text);
    return t;
}

int main(int argc, char **argv)
{
    int runs = 21;
    size_t words = 10000;
    bool show = false;
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--words") == 0 && i + 1 < argc)
            words = (size_t)atol(argv[++i]);
        else if (strcmp(argv[i], "--show") == 0)
            show = true;
        else
            file = argv[i];
    }
    if (runs < 1 || runs > 10000)
        runs = 21;
    err_t err = {0};
    transcript_t *t = file ? s_file_transcript(file, &err) : s_make_transcript(words, &err);
    if (!t) {
        fprintf(stderr, "bench_extract: %s\n", err.msg);
        return 1;
    }
    size_t n_words = 0;
    for (size_t i = 0; i < t->len; i++)
        n_words += t->text[i] == ' ';
    printf("transcript: %zu bytes, ~%zu words, %zu timed cues, %d runs\n", t->len, n_words + 1,
           t->n_segs, runs);
    double *ms = calloc((size_t)runs * 4, sizeof *ms), one[4];
    for (int r = 0; r < runs; r++) {
        if (s_run_once(t, one, show && r == 0, &err) != 0) {
            fprintf(stderr, "bench_extract: %s\n", err.msg);
            return 1;
        }
        for (int k = 0; k < 4; k++)
            ms[k * runs + r] = one[k];
    }
    const char *names[4] = {"snippets", "synthesis", "fanout", "total"};
    for (int k = 0; k < 4; k++)
        s_report(names[k], ms + k * runs, runs);
    free(ms);
    transcript_destroy(&t);
    return 0;
}
