/*  bench_json3.c - caption body parse speed: a generated one-hour ASR
 *  track (about 150 words a minute, one seg per word with offsets and
 *  confidences, roll-up newline events between lines) in json3, and the
 *  same words as srv3 and legacy XML, each parsed --runs times.
 *  Usage: bench_json3 [--runs N] [--minutes M]
 *  SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "timedtext.h"

#define WORDS_PER_MIN  150
#define WORDS_PER_LINE 7
#define BODY_MAX       ((size_t)256 << 20)

static const char *const s_words[] = {
    "the",    "model",       "learns", "from",     "reward", "signals", "and",          "we",
    "don't",  "really",      "know",   "why",      "it",     "works",   "so",           "well",
    "but",    "there's",     "a",      "lot",      "of",     "compute", "going",        "into",
    "policy", "caf\xC3\xA9", "&",      "research", "<i>",    "agents",  "\xE2\x80\x94", "training",
};

static double s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static const char *s_word(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return s_words[(*seed >> 16) % (sizeof s_words / sizeof s_words[0])];
}

/* Escape for JSON (the only specials in our words are none) or XML. */
static void s_put_xml(buf_t *b, const char *w)
{
    for (; *w; w++) {
        const char *e = *w == '&' ? "&amp;" : *w == '<' ? "&lt;" : *w == '>' ? "&gt;" : NULL;
        if (e ? buf_puts(b, e, NULL) : buf_append(b, w, 1, NULL))
            abort();
    }
}

static void s_build(buf_t *json3, buf_t *srv3, buf_t *legacy, int minutes)
{
    unsigned seed = 42;
    int lines = minutes * WORDS_PER_MIN / WORDS_PER_LINE;
    int64_t line_ms = 60000 * WORDS_PER_LINE / WORDS_PER_MIN;
    (void)!buf_puts(json3,
                    "{\"wireMagic\":\"pb3\",\"pens\":[{}],\"events\":[{\"tStartMs\":0,"
                    "\"dDurationMs\":3600000,\"id\":1,\"wpWinPosId\":1,\"wsWinStyleId\":1}",
                    NULL);
    (void)!buf_puts(srv3,
                    "<?xml version=\"1.0\" encoding=\"utf-8\" ?><timedtext format=\"3\">\n"
                    "<body>\n",
                    NULL);
    (void)!buf_puts(legacy, "<?xml version=\"1.0\" encoding=\"utf-8\" ?><transcript>", NULL);
    for (int l = 0; l < lines; l++) {
        int64_t t = l * line_ms;
        (void)!buf_printf(json3, NULL,
                          ",{\"tStartMs\":%lld,\"dDurationMs\":%lld,\"wWinId\":1,\"segs\":[",
                          (long long)t, (long long)(line_ms + 1500));
        (void)!buf_printf(srv3, NULL, "<p t=\"%lld\" d=\"%lld\" w=\"1\">", (long long)t,
                          (long long)(line_ms + 1500));
        (void)!buf_printf(legacy, NULL, "<text start=\"%.3f\" dur=\"%.3f\">", t / 1e3,
                          line_ms / 1e3);
        for (int w = 0; w < WORDS_PER_LINE; w++) {
            const char *word = s_word(&seed);
            int off = w * 400;
            (void)!buf_printf(json3, NULL, "%s{\"utf8\":\"%s%s\",\"tOffsetMs\":%d,\"acAsrConf\":0}",
                              w ? "," : "", w ? " " : "", word, off);
            (void)!buf_printf(srv3, NULL, "<s t=\"%d\" ac=\"0\">%s", off, w ? " " : "");
            s_put_xml(srv3, word);
            (void)!buf_puts(srv3, "</s>", NULL);
            (void)!buf_puts(legacy, w ? " " : "", NULL);
            s_put_xml(legacy, word);
        }
        (void)!buf_printf(json3, NULL,
                          "]},{\"tStartMs\":%lld,\"dDurationMs\":100,\"wWinId\":1,"
                          "\"aAppend\":1,\"segs\":[{\"utf8\":\"\\n\"}]}",
                          (long long)(t + line_ms - 10));
        (void)!buf_puts(srv3, "</p>\n", NULL);
        (void)!buf_printf(srv3, NULL, "<p t=\"%lld\" d=\"100\" w=\"1\" a=\"1\">\n</p>\n",
                          (long long)(t + line_ms - 10));
        (void)!buf_puts(legacy, "</text>", NULL);
    }
    (void)!buf_puts(json3, "]}\n", NULL);
    (void)!buf_puts(srv3, "</body></timedtext>\n", NULL);
    (void)!buf_puts(legacy, "</transcript>\n", NULL);
}

static int s_run(const char *name, const buf_t *body, int runs)
{
    double best = 1e18, total = 0;
    size_t segs = 0, text = 0;
    for (int r = 0; r < runs; r++) {
        err_t err = {0};
        double t0 = s_now_ms();
        transcript_t *t = timedtext_parse(body->data, body->len, TIMEDTEXT_UNKNOWN, &err);
        double ms = s_now_ms() - t0;
        if (!t) {
            fprintf(stderr, "bench_json3: %s: %s\n", name, err.msg);
            return 1;
        }
        segs = t->n_segs;
        text = t->len;
        transcript_destroy(&t);
        best = ms < best ? ms : best;
        total += ms;
    }
    double mb = body->len / 1e6;
    printf("%-6s body %.2f MB -> %zu segments, %zu bytes of text: best %.2f ms (%.1f MB/s), "
           "mean %.2f ms (%.1f MB/s)\n",
           name, mb, segs, text, best, mb / (best / 1e3), total / runs, mb / (total / runs / 1e3));
    return 0;
}

int main(int argc, char **argv)
{
    int runs = 20, minutes = 60;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--runs") == 0)
            runs = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--minutes") == 0)
            minutes = atoi(argv[i + 1]);
    }
    if (runs < 1 || minutes < 1) {
        fprintf(stderr, "usage: bench_json3 [--runs N] [--minutes M]\n");
        return 2;
    }
    buf_t json3, srv3, legacy;
    buf_init(&json3, BODY_MAX);
    buf_init(&srv3, BODY_MAX);
    buf_init(&legacy, BODY_MAX);
    s_build(&json3, &srv3, &legacy, minutes);
    printf("captions: %d min of ASR at %d words/min, %d runs each\n", minutes, WORDS_PER_MIN, runs);
    int rc =
        s_run("json3", &json3, runs) || s_run("srv3", &srv3, runs) || s_run("srv1", &legacy, runs);
    buf_free(&json3);
    buf_free(&srv3);
    buf_free(&legacy);
    return rc;
}
