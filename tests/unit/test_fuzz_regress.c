/*  test_fuzz_regress.c - inputs the fuzzers (fuzz/) found or started from,
 *  replayed under cmocka (and so under ASan+UBSan in `make check`): every
 *  file of fuzz/corpus/NAME/ goes through the same checks as fuzz_NAME, and
 *  each crash a fuzzer found is a named test of its own below.
 *  SPDX-License-Identifier: MIT
 */
#include <dirent.h>

#include "proto.h"
#include "source.h"
#include "test.h"
#include "transcript.h"

/* ---------------------------------------------------------------- helpers */

typedef void (*s_replay_fn)(const char *data, size_t len);

/* Path of fuzz/corpus/name, found from this file's place in the tree. */
static void s_corpus_dir(const char *name, char *out, size_t size)
{
    const char *slash = strrchr(__FILE__, '/');
    int dir_len = slash ? (int)(slash - __FILE__) : 1;
    snprintf(out, size, "%.*s/../../fuzz/corpus/%s", dir_len, slash ? __FILE__ : ".", name);
}

static char *s_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *data = malloc(1 << 20);
    assert_non_null(data);
    *len = fread(data, 1, 1 << 20, f);
    fclose(f);
    return data;
}

/* Replay every file of the corpus; how many there were. */
static size_t s_replay_corpus(const char *name, s_replay_fn fn)
{
    char dir[1024];
    s_corpus_dir(name, dir, sizeof dir);
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("cannot open %s", dir);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t len;
        char *data = s_read(path, &len);
        fn(data, len);
        free(data);
        n++;
    }
    closedir(d);
    return n;
}

/* fuzz_proto: decode; what decodes re-encodes and decodes to the same type;
 * what does not is LODE_EPROTO. */
static void s_replay_proto(const char *data, size_t len)
{
    proto_msg_t m;
    err_t err = {0};
    if (proto_decode(data, len, &m, &err) != 0) {
        assert_int_equal(err.code, LODE_EPROTO);
        return;
    }
    char *out;
    size_t out_len;
    if (proto_encode(&m, &out, &out_len, &err) == 0) {
        proto_msg_t again;
        assert_int_equal(proto_decode(out, out_len, &again, &err), 0);
        assert_int_equal(again.type, m.type);
        proto_msg_clear(&again);
        free(out);
    }
    proto_msg_clear(&m);
}

/* fuzz_source: the first byte picks the format; a parsed transcript's JSON
 * reads back with the same text. */
static void s_replay_source(const char *data, size_t len)
{
    if (len == 0)
        return;
    static const source_format_t fmts[] = {SOURCE_FMT_TEXT, SOURCE_FMT_MARKDOWN, SOURCE_FMT_VTT,
                                           SOURCE_FMT_SRT};
    unsigned pick = (unsigned char)data[0] % 5;
    source_format_t fmt = pick < 4 ? fmts[pick] : source_format_guess(NULL, data + 1, len - 1);
    source_meta_t meta = {0};
    err_t err = {0};
    transcript_t *t = source_parse("fuzz", data + 1, len - 1, fmt, &meta, &err);
    if (t) {
        char *json = transcript_to_json(t);
        transcript_t *back = transcript_from_json(json, strlen(json), &err);
        assert_non_null(back);
        assert_int_equal(back->len, t->len);
        assert_memory_equal(back->text, t->text, t->len);
        transcript_destroy(&back);
        free(json);
        transcript_destroy(&t);
    } else {
        assert_int_not_equal(err.code, 0);
    }
    free(source_meta_to_json(&meta));
    source_meta_clear(&meta);
}

/* fuzz_transcript_json: parse; what parses serializes again. */
static void s_replay_transcript_json(const char *data, size_t len)
{
    err_t err = {0};
    transcript_t *t = transcript_from_json(data, len, &err);
    if (!t) {
        assert_int_equal(err.code, LODE_EINVAL);
        return;
    }
    char *json = transcript_to_json(t);
    assert_non_null(json);
    free(json);
    transcript_destroy(&t);
}

/* ------------------------------------------------------------------ tests */

static void test_fuzz_regress_proto_seeds_decode_and_reencode(void **state)
{
    (void)state;
    assert_true(s_replay_corpus("proto", s_replay_proto) >= 8); /* one frame per type */
}

static void test_fuzz_regress_source_seeds_parse_and_roundtrip(void **state)
{
    (void)state;
    assert_true(s_replay_corpus("source", s_replay_source) > 0);
}

static void test_fuzz_regress_transcript_json_seeds_parse(void **state)
{
    (void)state;
    assert_true(s_replay_corpus("transcript_json", s_replay_transcript_json) > 0);
}

static void test_fuzz_regress_proto_refuses_truncated_frames_of_every_type(void **state)
{
    (void)state;
    /* Every prefix of every seed: the decoder's bounds, not the fuzzer's luck. */
    char dir[1024];
    s_corpus_dir("proto", dir, sizeof dir);
    const char *names[] = {"ready", "done", "fail", "heartbeat", "job", "submit", "ack", "nack"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        size_t len;
        char *data = s_read(path, &len);
        for (size_t cut = 0; cut < len; cut++) {
            proto_msg_t m;
            err_t err = {0};
            assert_int_equal(proto_decode(data, cut, &m, &err), -1);
            assert_int_equal(err.code, LODE_EPROTO);
        }
        free(data);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fuzz_regress_proto_seeds_decode_and_reencode),
        cmocka_unit_test(test_fuzz_regress_source_seeds_parse_and_roundtrip),
        cmocka_unit_test(test_fuzz_regress_transcript_json_seeds_parse),
        cmocka_unit_test(test_fuzz_regress_proto_refuses_truncated_frames_of_every_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
