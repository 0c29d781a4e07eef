/*  stages.c - where a text job's CPU goes inside the worker, without Redis
 *  or the broker: each step the three text stages take on a ~2,000-word
 *  transcript (as bench/pipeline/run.sh makes them), timed alone, median
 *  of --runs. Usage: stages [--runs N] [FILE]
 *  SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extract.h"
#include "transcript.h"

static double s_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int s_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The inputs of every step, made once. */
typedef struct {
    transcript_t *t;
    char *t_json, *sn_json;
    extract_analysis_t *a;
    void *packed;
    size_t packed_len;
    extract_snippets_t sn;
    extract_synthesis_t syn;
} s_in_t;

static void s_step(s_in_t *in, int step)
{
    err_t err = {0};
    switch (step) {
    case 0: {
        transcript_t *t = transcript_from_json(in->t_json, strlen(in->t_json), &err);
        transcript_destroy(&t);
        break;
    }
    case 1: {
        extract_analysis_t *a = extract_analysis_new(in->t, &err);
        extract_analysis_destroy(&a);
        break;
    }
    case 2: {
        size_t len;
        free(extract_analysis_pack(in->a, &len));
        break;
    }
    case 3: {
        extract_analysis_t *a = extract_analysis_unpack(in->t, in->packed, in->packed_len, &err);
        extract_analysis_destroy(&a);
        break;
    }
    case 4: {
        extract_snippets_t s;
        if (extract_snippets_with(in->a, NULL, &s, &err) == 0)
            free(extract_snippets_to_json_exact(in->t, &s));
        extract_snippets_clear(&s);
        break;
    }
    case 5: {
        extract_snippets_t s;
        if (extract_snippets_from_json(in->t, in->sn_json, strlen(in->sn_json), &s, &err) == 0)
            extract_snippets_clear(&s);
        break;
    }
    case 6: {
        extract_synthesis_t y;
        if (extract_synthesis_with(in->a, &in->sn, NULL, &y, &err) == 0)
            free(extract_synthesis_to_json(&y));
        extract_synthesis_clear(&y);
        break;
    }
    default: {
        extract_fanout_t f;
        if (extract_fanout_with(in->a, &in->sn, &in->syn, &f, &err) == 0)
            free(extract_fanout_to_json(&f));
        extract_fanout_clear(&f);
    }
    }
}

static char *s_input(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 22];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

int main(int argc, char **argv)
{
    int runs = 101;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else
            path = argv[i];
    }
    char *text = path ? s_input(path) : NULL;
    if (!text || runs < 1) {
        fprintf(stderr, "usage: stages [--runs N] FILE (a text of ~2,000 words)\n");
        return 2;
    }
    s_in_t in = {0};
    err_t err = {0};
    in.t = transcript_new();
    /* Paragraphs as segments, as the fetch stage makes them of a text. */
    for (char *p = strtok(text, "\n"); p; p = strtok(NULL, "\n"))
        if (*p && transcript_append(in.t, "\n\n", p, strlen(p), TRANSCRIPT_UNTIMED, &err) != 0)
            return 1;
    in.t_json = transcript_to_json(in.t);
    if (!(in.a = extract_analysis_new(in.t, &err)) ||
        extract_snippets_with(in.a, NULL, &in.sn, &err) != 0 ||
        extract_synthesis_with(in.a, &in.sn, NULL, &in.syn, &err) != 0) {
        fprintf(stderr, "stages: %s\n", err.msg);
        return 1;
    }
    in.packed = extract_analysis_pack(in.a, &in.packed_len);
    in.sn_json = extract_snippets_to_json_exact(in.t, &in.sn);
    static const char *const names[] = {
        "transcript_from_json (each stage)", "analysis: build (snippet)",
        "analysis: pack (snippet)",          "analysis: unpack (synthesis, fanout)",
        "snippets + JSON (snippet)",         "snippets_from_json (synthesis, fanout)",
        "synthesis + JSON (synthesis)",      "fanout + JSON (fanout)"};
    printf("stages: %zu bytes, %zu-byte analysis, %d runs, median us\n", in.t->len, in.packed_len,
           runs);
    double *us = malloc((size_t)runs * sizeof *us);
    for (int step = 0; step < 8; step++) {
        for (int r = 0; r < runs; r++) {
            double t0 = s_now_us();
            s_step(&in, step);
            us[r] = s_now_us() - t0;
        }
        qsort(us, (size_t)runs, sizeof *us, s_cmp);
        printf("  %-40s %8.1f\n", names[step], us[runs / 2]);
    }
    free(us);
    free(in.packed);
    free(in.t_json);
    free(in.sn_json);
    extract_snippets_clear(&in.sn);
    extract_synthesis_clear(&in.syn);
    extract_analysis_destroy(&in.a);
    transcript_destroy(&in.t);
    return 0;
}
