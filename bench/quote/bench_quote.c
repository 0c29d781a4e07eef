/*  bench_quote.c - time quote verification: 1,000 candidate quotes (exact,
 *  case-changed, curly-quoted, white space changed, one word changed, fillers
 *  dropped, fabricated) against a ~20,000-word timed transcript built from
 *  the seed page's prose (shuffled per repeat, with fillers spoken in).
 *  Prints ms total (index build and finds) and counts per expected and found
 *  kind, and how many located spans hold the right words (fillers aside).
 *  Usage: bench_quote [--quotes N] [--words N] [--seed N]
 *  SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "quote.h"
#include "sentence.h"
#include "transcript.h"

#define SEED_PATH "seeds/000_a5cf945eb98e69f0.txt"
#define N_KINDS   7

static const char *const k_kinds[N_KINDS] = {"exact",   "case",    "curly",     "space",
                                             "changed", "fillers", "fabricated"};
static const quote_kind_t k_want[N_KINDS] = {QUOTE_EXACT,      QUOTE_NORMALISED, QUOTE_NORMALISED,
                                             QUOTE_NORMALISED, QUOTE_SNAPPED,    QUOTE_SNAPPED,
                                             QUOTE_NONE};
static unsigned long s_rng = 42;

static unsigned s_rand(void)
{
    s_rng = s_rng * 6364136223846793005UL + 1442695040888963407UL;
    return (unsigned)(s_rng >> 33);
}

static void s_ok(int rc)
{
    if (rc != 0)
        exit(1);
}

static double s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static char *s_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    size_t got = fread(b, 1, (size_t)n, f);
    b[got] = '\0';
    fclose(f);
    return b;
}

/* Lines of the seed with at least 12 words: its prose. */
static size_t s_paragraphs(char *seed, char **paras, size_t max)
{
    size_t n = 0;
    for (char *line = strtok(seed, "\n"); line && n < max; line = strtok(NULL, "\n")) {
        size_t words = 1;
        for (const char *p = line; *p; p++)
            words += *p == ' ';
        if (words >= 12 && line[0] != '-' && line[0] != '#')
            paras[n++] = line;
    }
    return n;
}

/* One paragraph with a filler spoken in now and then; returns words added. */
static size_t s_speak(const char *para, buf_t *out)
{
    static const char *const fillers[] = {", um,", ", you know,", ", uh,", ", I mean,"};
    size_t words = 0;
    err_t err = {0};
    for (const char *p = para; *p; p++) {
        if (*p == ' ' && isalpha((unsigned char)p[-1]) && s_rand() % 18 == 0)
            s_ok(buf_puts(out, fillers[s_rand() % 4], &err));
        words += *p == ' ';
        s_ok(buf_append(out, p, 1, &err));
    }
    return words + 1;
}

static transcript_t *s_transcript(char **paras, size_t n, size_t want_words)
{
    transcript_t *t = transcript_new();
    size_t words = 0;
    int64_t ms = 0;
    err_t err = {0};
    while (words < want_words) {
        for (size_t i = n; i > 1; i--) { /* shuffle each repeat */
            size_t j = s_rand() % i;
            char *x = paras[i - 1];
            paras[i - 1] = paras[j];
            paras[j] = x;
        }
        for (size_t i = 0; i < n && words < want_words; i++) {
            buf_t b;
            buf_init(&b, 1 << 20);
            words += s_speak(paras[i], &b);
            if (transcript_append(t, "\n\n", b.data, b.len, (transcript_time_t){ms, ms + 9000},
                                  &err) != 0)
                exit(1);
            ms += 10000;
            buf_free(&b);
        }
    }
    return t;
}

/* A 1-3 sentence span of the transcript with at least 12 words. */
static char *s_pick(const transcript_t *t, const sentence_list_t *s, const char *must)
{
    for (int tries = 0; tries < 200; tries++) {
        size_t i = s_rand() % s->count, k = 1 + s_rand() % 3;
        if (i + k > s->count)
            continue;
        size_t off = s->items[i].offset;
        size_t end = s->items[i + k - 1].offset + s->items[i + k - 1].length;
        char *q = strndup(t->text + off, end - off);
        size_t words = 0;
        for (size_t j = i; j < i + k; j++)
            words += s->items[j].n_words;
        if (words >= 12 && words <= 120 && (!must || strstr(q, must)))
            return q;
        free(q);
    }
    return NULL;
}

static char *s_replace_all(const char *s, const char *from, const char *to)
{
    buf_t b;
    err_t err = {0};
    buf_init(&b, 1 << 20);
    for (const char *p = s; *p;) {
        if (strncmp(p, from, strlen(from)) == 0) {
            s_ok(buf_puts(&b, to, &err));
            p += strlen(from);
        } else {
            s_ok(buf_append(&b, p++, 1, &err));
        }
    }
    return buf_steal(&b);
}

/* Change the middle-most word of at least 4 letters. */
static char *s_change_word(const char *q)
{
    char *c = strdup(q);
    size_t len = strlen(c);
    for (size_t i = len / 2; i < len; i++)
        if (c[i] == ' ' && isalpha((unsigned char)c[i + 1]) && isalpha((unsigned char)c[i + 4])) {
            memcpy(c + i + 1, "zork", 4);
            break;
        }
    return c;
}

/* The words of a real span, shuffled: every word is in the source. */
static char *s_fabricate(const char *q)
{
    char *c = strdup(q), *w[256];
    size_t n = 0;
    for (char *tok = strtok(c, " "); tok && n < 256; tok = strtok(NULL, " "))
        w[n++] = tok;
    buf_t b;
    err_t err = {0};
    buf_init(&b, 1 << 20);
    for (size_t i = n; i > 1; i--) {
        size_t j = s_rand() % i;
        char *x = w[i - 1];
        w[i - 1] = w[j];
        w[j] = x;
    }
    for (size_t i = 0; i < n; i++)
        s_ok(buf_printf(&b, &err, "%s%s", i ? " " : "", w[i]));
    free(c);
    return buf_steal(&b);
}

static char *s_variant(int kind, const char *q)
{
    char *a, *b;
    switch (kind) {
    case 1: {
        char *c = strdup(q);
        for (char *p = c; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        return c;
    }
    case 2:
        a = s_replace_all(q, "'", "\xe2\x80\x99");
        b = s_replace_all(a, "\"", "\xe2\x80\x9c");
        free(a);
        return b;
    case 3:
        return s_replace_all(q, " ", "  \n ");
    case 4:
        return s_change_word(q);
    case 5:
        a = s_replace_all(q, ", um,", "");
        b = s_replace_all(a, ", you know,", "");
        free(a);
        a = s_replace_all(b, ", uh,", "");
        free(b);
        b = s_replace_all(a, ", I mean,", "");
        free(a);
        return b;
    case 6:
        return s_fabricate(q);
    default:
        return strdup(q);
    }
}

/* True if span holds the words of want, fillers and end punctuation aside
 * (the same words may sit in another repeat with fillers elsewhere). */
static bool s_same_words(const char *want, const char *span, size_t len)
{
    char *g = strndup(span, len), *a = s_variant(5, want), *b = s_variant(5, g);
    size_t na = strlen(a), nb = strlen(b);
    while (na > 0 && ispunct((unsigned char)a[na - 1]))
        na--;
    while (nb > 0 && ispunct((unsigned char)b[nb - 1]))
        nb--;
    bool same = na == nb && memcmp(a, b, na) == 0;
    free(g);
    free(a);
    free(b);
    return same;
}

/* Candidates, round robin over the kinds; the source text each came from. */
static size_t s_candidates(const transcript_t *t, size_t n, char **cand, char **orig, int *kind)
{
    sentence_list_t s;
    err_t err = {0};
    if (sentence_split(t->text, t->len, NULL, &s, &err) != 0)
        exit(1);
    size_t k = 0;
    for (size_t i = 0; k < n && i < n * 4; i++) {
        int kd = (int)(i % N_KINDS);
        char *q = s_pick(t, &s, kd == 5 ? ", um," : kd == 2 ? "'" : NULL);
        if (!q)
            continue;
        cand[k] = s_variant(kd, q);
        orig[k] = q;
        kind[k++] = kd;
    }
    sentence_list_clear(&s);
    return k;
}

static int s_opt(int argc, char **argv, const char *name, int def)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return atoi(argv[i + 1]);
    return def;
}

int main(int argc, char **argv)
{
    size_t nq = (size_t)s_opt(argc, argv, "--quotes", 1000);
    size_t nw = (size_t)s_opt(argc, argv, "--words", 20000);
    s_rng = (unsigned long)s_opt(argc, argv, "--seed", 42);
    char *seed = s_read_file(SEED_PATH), *paras[512];
    if (!seed) {
        fprintf(stderr, "bench_quote: cannot read %s (run from the repository root)\n", SEED_PATH);
        return 1;
    }
    transcript_t *t = s_transcript(paras, s_paragraphs(seed, paras, 512), nw);
    char **cand = calloc(nq, sizeof(char *)), **orig = calloc(nq, sizeof(char *));
    int *kind = calloc(nq, sizeof(int));
    nq = s_candidates(t, nq, cand, orig, kind);
    quote_match_t *m = calloc(nq, sizeof(*m));
    err_t err = {0};
    double t0 = s_now_ms();
    quote_index_t *idx = quote_index_new(t, &err);
    double t1 = s_now_ms();
    for (size_t i = 0; i < nq; i++)
        if (quote_index_find(idx, cand[i], strlen(cand[i]), NULL, &m[i], &err) != 0)
            return 1;
    double t2 = s_now_ms();
    size_t got[N_KINDS][4] = {{0}}, right[N_KINDS] = {0}, total[N_KINDS] = {0};
    for (size_t i = 0; i < nq; i++) {
        if (getenv("BENCH_QUOTE_SHOW") && kind[i] >= 4 && kind[i] <= 5 &&
            m[i].kind == QUOTE_SNAPPED)
            printf("--- %.2f\nQ: %s\nO: %s\nG: %.*s\n", m[i].score, cand[i], orig[i],
                   (int)m[i].length, t->text + m[i].offset);
        total[kind[i]]++;
        got[kind[i]][m[i].kind]++;
        if (m[i].kind != QUOTE_NONE && s_same_words(orig[i], t->text + m[i].offset, m[i].length))
            right[kind[i]]++;
        else if (kind[i] == 6 && m[i].kind == QUOTE_NONE)
            right[kind[i]]++;
    }
    printf("transcript: %zu bytes, ~%zu words, %zu segments\n", t->len, nw, t->n_segs);
    printf("quotes: %zu; index %.1f ms; find %.1f ms (%.1f us/quote); total %.1f ms\n", nq, t1 - t0,
           t2 - t1, (t2 - t1) * 1000 / (double)(nq ? nq : 1), t2 - t0);
    printf("%-11s %5s %6s %6s %11s %8s %6s  %s\n", "candidate", "n", "none", "exact", "normalised",
           "snapped", "right", "want");
    for (int k = 0; k < N_KINDS; k++)
        printf("%-11s %5zu %6zu %6zu %11zu %8zu %6zu  %s\n", k_kinds[k], total[k], got[k][0],
               got[k][1], got[k][2], got[k][3], right[k], quote_kind_name(k_want[k]));
    for (size_t i = 0; i < nq; i++) {
        free(cand[i]);
        free(orig[i]);
    }
    free(cand);
    free(orig);
    free(kind);
    free(m);
    quote_index_destroy(&idx);
    transcript_destroy(&t);
    free(seed);
    return 0;
}
