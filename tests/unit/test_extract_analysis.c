/*  test_extract_analysis.c - the stored analysis the snippet stage hands to
 *  the synthesis and fan-out stages: read back, it gives the very bytes a
 *  fresh analysis gives; truncated, corrupt, forged, of another text or of
 *  another version, it is refused (and never read out of bounds: the ASan
 *  pass runs these too).
 *  SPDX-License-Identifier: MIT
 */
#include "extract.h"
#include "extract_impl.h"
#include "test.h"
#include "transcript.h"

#define SEED "seeds/000_a5cf945eb98e69f0.txt"

static char *s_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 17];
    *len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[*len] = '\0';
    return buf;
}

/* The seed page's long lines as timed cues, some with a speaker. */
static transcript_t *s_seed(void)
{
    size_t len;
    char *text = s_read(SEED, &len);
    transcript_t *t = transcript_new();
    err_t err = {0};
    int64_t ms = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (strlen(line) < 60)
            continue;
        assert_int_equal(
            transcript_append(t, " ", line, strlen(line), (transcript_time_t){ms, ms + 9000}, &err),
            0);
        if (ms % 4 == 0)
            transcript_set_speaker(t, t->n_segs - 1, ms % 8 ? "Ada" : "Grace",
                                   3 + (ms % 8 == 0) * 2);
        ms += 9000;
    }
    return t;
}

static transcript_t *s_text(const char *text)
{
    transcript_t *t = transcript_new();
    err_t err = {0};
    assert_int_equal(transcript_append(t, "\n\n", text, strlen(text), TRANSCRIPT_UNTIMED, &err), 0);
    return t;
}

/* The three stages' JSON on analysis a, concatenated. */
static char *s_outputs(const transcript_t *t, const extract_analysis_t *a)
{
    err_t err = {0};
    extract_snippets_t sn;
    extract_synthesis_t syn;
    extract_fanout_t fan;
    assert_int_equal(extract_snippets_with(a, NULL, &sn, &err), 0);
    assert_int_equal(extract_synthesis_with(a, &sn, "A title", &syn, &err), 0);
    assert_int_equal(extract_fanout_with(a, &sn, &syn, &fan, &err), 0);
    char *j1 = extract_snippets_to_json(t, &sn), *j2 = extract_synthesis_to_json(&syn),
         *j3 = extract_fanout_to_json(&fan);
    size_t n = strlen(j1) + strlen(j2) + strlen(j3) + 3;
    char *out = malloc(n);
    snprintf(out, n, "%s\n%s\n%s", j1, j2, j3);
    free(j1), free(j2), free(j3);
    extract_snippets_clear(&sn);
    extract_synthesis_clear(&syn);
    extract_fanout_clear(&fan);
    return out;
}

/* Fresh and read back give the same bytes, and the same stored form. */
static void s_round_trip(transcript_t *t)
{
    err_t err = {0};
    extract_analysis_t *a = extract_analysis_new(t, &err);
    assert_non_null(a);
    size_t len;
    void *packed = extract_analysis_pack(a, &len);
    extract_analysis_t *b = extract_analysis_unpack(t, packed, len, &err);
    assert_non_null(b);
    char *fresh = s_outputs(t, a), *back = s_outputs(t, b);
    assert_string_equal(fresh, back);
    size_t len2;
    void *again = extract_analysis_pack(b, &len2);
    assert_int_equal(len2, len);
    assert_memory_equal(again, packed, len);
    /* The wrappers that analyse for themselves agree too. */
    extract_snippets_t sn;
    assert_int_equal(extract_snippets(t, NULL, &sn, &err), 0);
    char *j = extract_snippets_to_json(t, &sn);
    assert_true(strncmp(back, j, strlen(j)) == 0);
    free(j);
    extract_snippets_clear(&sn);
    free(fresh), free(back), free(again), free(packed);
    extract_analysis_destroy(&a);
    extract_analysis_destroy(&b);
    assert_null(b);
}

static void test_a_stored_analysis_gives_the_same_bytes(void **state)
{
    (void)state;
    transcript_t *t = s_seed();
    s_round_trip(t);
    transcript_destroy(&t);
    /* Another language (its stopwords, its stemmer), curly quotes, a
     * hyphenated compound, numbers and an acronym. */
    t = s_text("Die Stichprobeneffizienz ist der Kern der Sache. Ein Modell sieht Billionen "
               "von Tokens, ein Mensch nur 200 Millionen. \xE2\x80\x9E"
               "Das ist der "
               "Unterschied\xE2\x80\x9C, sagt die Forscherin. Die KI-Labore wetten auf "
               "Automatisierung, nicht auf Effizienz. Wird sich das \xC3\xA4ndern? Die "
               "Stichprobeneffizienz entscheidet \xC3\xBC"
               "ber die Zukunft der Forschung und der Labore.");
    s_round_trip(t);
    transcript_destroy(&t);
}

/* A packed analysis of the seed page, for the refusal tests. */
static void *s_packed(transcript_t **t, size_t *len)
{
    *t = s_seed();
    err_t err = {0};
    extract_analysis_t *a = extract_analysis_new(*t, &err);
    assert_non_null(a);
    void *p = extract_analysis_pack(a, len);
    extract_analysis_destroy(&a);
    return p;
}

static void s_refused(const transcript_t *t, const void *data, size_t len)
{
    err_t err = {0};
    extract_analysis_t *a = extract_analysis_unpack(t, data, len, &err);
    assert_null(a);
    assert_int_equal(err.code, LODE_EINVAL);
    assert_non_null(strstr(err.msg, "analysis"));
}

static void test_a_truncated_or_corrupt_analysis_is_refused(void **state)
{
    (void)state;
    transcript_t *t;
    size_t len;
    unsigned char *p = s_packed(&t, &len);
    assert_true(len > 1000);
    unsigned char *copy = malloc(len);
    for (size_t n = 0; n < len; n += (n < 64 ? 1 : 97)) /* every short prefix, then a stride */
        s_refused(t, p, n);
    s_refused(t, NULL, len);
    for (size_t i = 0; i < len; i += 13) { /* a flipped bit anywhere, checksum included */
        memcpy(copy, p, len);
        copy[i] ^= (unsigned char)(1u << (i % 8));
        s_refused(t, copy, len);
    }
    /* A part of another version, with a sound checksum. */
    memcpy(copy, p, len);
    copy[3] = (unsigned char)(EXTRACT_ANALYSIS_VERSION + 1);
    uint64_t sum = extract_analysis_hash(copy, len - 8);
    memcpy(copy + len - 8, &sum, 8);
    s_refused(t, copy, len);
    free(copy);
    free(p);
    transcript_destroy(&t);
}

/* Forged parts (a sound checksum over bytes changed at random) are either
 * refused or read back into an analysis the stages can run on. */
static void test_a_forged_analysis_is_refused_or_safe(void **state)
{
    (void)state;
    transcript_t *t;
    size_t len;
    unsigned char *p = s_packed(&t, &len);
    unsigned char *copy = malloc(len);
    unsigned seed = 14;
    size_t refused = 0, tries = 400;
    for (size_t k = 0; k < tries; k++) {
        memcpy(copy, p, len);
        for (int j = 0; j < 1 + (int)(k % 3); j++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = 4 + 8 + (seed >> 8) % (len - 20); /* past the magic and text hash */
            copy[at] = (unsigned char)(seed >> 3);
        }
        uint64_t sum = extract_analysis_hash(copy, len - 8);
        memcpy(copy + len - 8, &sum, 8);
        err_t err = {0};
        extract_analysis_t *a = extract_analysis_unpack(t, copy, len, &err);
        if (!a) {
            refused++;
            continue;
        }
        free(s_outputs(t, a));
        extract_analysis_destroy(&a);
    }
    assert_true(refused > tries / 2); /* most changes break an invariant */
    free(copy);
    free(p);
    transcript_destroy(&t);
}

static void test_an_analysis_of_another_text_is_refused(void **state)
{
    (void)state;
    transcript_t *t;
    size_t len;
    void *p = s_packed(&t, &len);
    /* The same length, one letter changed: the text hash tells. */
    t->text[t->len / 2] = t->text[t->len / 2] == 'a' ? 'b' : 'a';
    s_refused(t, p, len);
    transcript_t *other = s_text("A different text. It has two sentences.");
    s_refused(other, p, len);
    transcript_destroy(&other);
    free(p);
    transcript_destroy(&t);
}

/* The snippets JSON the stages read back: the exact form (read directly)
 * and the same JSON spaced out (read by jansson) give the same snippets,
 * and a quote that is not its span is refused either way. */
static void s_same_snippets(const extract_snippets_t *a, const extract_snippets_t *b)
{
    assert_int_equal(a->count, b->count);
    for (size_t i = 0; i < a->count; i++) {
        assert_int_equal(a->items[i].offset, b->items[i].offset);
        assert_int_equal(a->items[i].length, b->items[i].length);
        assert_int_equal(a->items[i].start_ms, b->items[i].start_ms);
        assert_int_equal(a->items[i].rank, b->items[i].rank);
        assert_memory_equal(&a->items[i].score, &b->items[i].score, sizeof(double));
        assert_string_equal(a->items[i].commentary, b->items[i].commentary);
        assert_true((a->items[i].speaker == NULL) == (b->items[i].speaker == NULL));
        if (a->items[i].speaker)
            assert_string_equal(a->items[i].speaker, b->items[i].speaker);
    }
}

static void test_snippets_read_back_the_same_either_way(void **state)
{
    (void)state;
    transcript_t *t = s_seed();
    err_t err = {0};
    extract_snippets_t sn, fast, slow, plain;
    assert_int_equal(extract_snippets(t, NULL, &sn, &err), 0);
    char *json = extract_snippets_to_json_exact(t, &sn);
    assert_non_null(json);
    assert_int_equal(extract_snippets_from_json(t, json, strlen(json), &fast, &err), 0);
    s_same_snippets(&sn, &fast);
    /* Spaced out after every comma: not the exact form, so jansson reads it. */
    size_t n = strlen(json);
    char *spaced = malloc(2 * n + 1), *o = spaced;
    for (const char *p = json; *p; p++) {
        *o++ = *p;
        if (*p == ',' && p[1] == '"' && (p[-1] == '}' || (p[-1] >= '0' && p[-1] <= '9')))
            *o++ = ' ';
    }
    *o = '\0';
    assert_int_equal(extract_snippets_from_json(t, spaced, strlen(spaced), &slow, &err), 0);
    s_same_snippets(&sn, &slow);
    char *pj = extract_snippets_to_json(t, &sn); /* without "match" */
    assert_int_equal(extract_snippets_from_json(t, pj, strlen(pj), &plain, &err), 0);
    s_same_snippets(&sn, &plain);
    /* A quote changed by one letter: refused, in jansson's words. */
    char *q = strstr(json, "\"quote\":\"") + 10;
    *q = *q == 'X' ? 'Y' : 'X';
    extract_snippets_t bad;
    assert_int_equal(extract_snippets_from_json(t, json, strlen(json), &bad, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    assert_non_null(strstr(err.msg, "quote is not the text"));
    for (size_t k = 0; k < strlen(pj); k += 7) { /* every 7th prefix: refused, no crash */
        err_t e = {0};
        assert_int_equal(extract_snippets_from_json(t, pj, k, &bad, &e), -1);
    }
    free(json), free(spaced), free(pj);
    extract_snippets_clear(&sn);
    extract_snippets_clear(&fast);
    extract_snippets_clear(&slow);
    extract_snippets_clear(&plain);
    transcript_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_stored_analysis_gives_the_same_bytes),
        cmocka_unit_test(test_a_truncated_or_corrupt_analysis_is_refused),
        cmocka_unit_test(test_a_forged_analysis_is_refused_or_safe),
        cmocka_unit_test(test_an_analysis_of_another_text_is_refused),
        cmocka_unit_test(test_snippets_read_back_the_same_either_way),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
