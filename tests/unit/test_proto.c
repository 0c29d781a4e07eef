/*  test_proto.c - wire frames: round trips, and every kind of bad frame.
 *  SPDX-License-Identifier: MIT
 */
#include <msgpack.h>

#include "proto.h"
#include "test.h"

static void s_roundtrip(const proto_msg_t *in, proto_msg_t *out)
{
    char *data;
    size_t len;
    err_t err = {0};
    assert_int_equal(proto_encode(in, &data, &len, &err), 0);
    assert_int_equal(proto_decode(data, len, out, &err), 0);
    assert_int_equal(err.code, 0);
    free(data);
}

/* m encoded, as lower-case hex. */
static void s_expect_hex(const proto_msg_t *m, const char *want)
{
    char *data, hex[512];
    size_t len;
    err_t err = {0};
    assert_int_equal(proto_encode(m, &data, &len, &err), 0);
    assert_true(2 * len < sizeof hex);
    for (size_t i = 0; i < len; i++)
        snprintf(hex + 2 * i, 3, "%02x", (unsigned char)data[i]);
    hex[2 * len] = '\0';
    assert_string_equal(hex, want);
    free(data);
}

/* The bytes peers have always seen: each type's fields in their order,
 * optional ones where they were added. */
static void test_proto_frames_keep_their_bytes(void **state)
{
    (void)state;
    char ids[2][JOB_ID_SIZE] = {"a1", "b2"};
    proto_more_t more[2] = {{"j1", 1, 5}, {"j2", 2, 6}};
    proto_msg_t ready = {.type = PROTO_READY,
                         .stage = "fetch",
                         .credits = 3,
                         .again = true,
                         .leaving = true,
                         .more_ok = true,
                         .host = "h",
                         .ids = ids,
                         .n_ids = 2};
    s_expect_hex(&ready, "93010187a57374616765a56665746368a76372656469747303a76d6f72655f6f6bc3"
                         "a4686f7374a168a5616761696ec3a76c656176696e67c3a369647392a26131a26232");
    proto_msg_t done = {.type = PROTO_DONE,
                        .job_id = "j",
                        .attempt = 2,
                        .has_ms = true,
                        .ms = 7,
                        .more = more,
                        .n_more = 2};
    s_expect_hex(&done, "93010284a36a6f62a16aa7617474656d707402a26d7307a46d6f72659293a26a3101"
                        "0593a26a320206");
    proto_msg_t fail = {.type = PROTO_FAIL,
                        .job_id = "j",
                        .attempt = 1,
                        .retryable = true,
                        .code = -5,
                        .text = "t",
                        .retry_after_ms = 9,
                        .has_ms = true,
                        .ms = 3};
    s_expect_hex(&fail, "93010387ae72657472795f61667465725f6d7309a26d7303a36a6f62a16aa761747465"
                        "6d707401a9726574727961626c65c3a4636f6465fba474657874a174");
    proto_msg_t job = {.type = PROTO_JOB,
                       .job_id = "j",
                       .stage = "text",
                       .attempt = 1,
                       .lease_ms = 100,
                       .more = more,
                       .n_more = 1};
    s_expect_hex(&job, "93010585a36a6f62a16aa57374616765a474657874a7617474656d707401a86c6561"
                       "73655f6d7364a46d6f72659193a26a310105");
    proto_msg_t nack = {.type = PROTO_NACK, .seq = 4, .code = 3, .text = "no"};
    s_expect_hex(&nack, "93010883a373657104a4636f646503a474657874a26e6f");
}

static void test_proto_submit_roundtrips_items_and_binary_bodies(void **state)
{
    (void)state;
    proto_item_t items[2] = {
        {.kind = "text", .body = "hello\0world", .body_len = 11},
        {.kind = "file", .name = "talk.vtt", .body = "WEBVTT\n", .body_len = 7},
    };
    proto_msg_t in = {
        .type = PROTO_SUBMIT, .seq = 7, .batch_name = "mine", .items = items, .n_items = 2};
    proto_msg_t out;
    s_roundtrip(&in, &out);
    assert_int_equal(out.type, PROTO_SUBMIT);
    assert_int_equal(out.seq, 7);
    assert_string_equal(out.batch_name, "mine");
    assert_int_equal(out.n_items, 2);
    assert_string_equal(out.items[0].kind, "text");
    assert_int_equal(out.items[0].body_len, 11);
    assert_memory_equal(out.items[0].body, "hello\0world", 11);
    assert_null(out.items[0].name);
    assert_string_equal(out.items[1].name, "talk.vtt");
    proto_msg_clear(&out);
}

static void test_proto_every_type_roundtrips(void **state)
{
    (void)state;
    char ids[2][JOB_ID_SIZE] = {"01JAAAAAAAAAAAAAAAAAAAAAAA", "01JBBBBBBBBBBBBBBBBBBBBBBB"};
    proto_msg_t msgs[] = {
        {.type = PROTO_READY, .stage = "snippet", .credits = 4},
        {.type = PROTO_READY,
         .stage = "fetch",
         .credits = 2,
         .again = true,
         .ids = ids,
         .n_ids = 2},
        {.type = PROTO_READY, .stage = "snippet", .leaving = true, .ids = ids, .n_ids = 2},
        {.type = PROTO_READY, .stage = "fanout", .leaving = true}, /* holds nothing */
        {.type = PROTO_READY,
         .stage = "fetch",
         .again = true,
         .leaving = true,
         .ids = ids,
         .n_ids = 2},
        {.type = PROTO_DONE, .job_id = "01JAAAAAAAAAAAAAAAAAAAAAAA", .attempt = 2},
        {.type = PROTO_FAIL,
         .job_id = "01JAAAAAAAAAAAAAAAAAAAAAAA",
         .attempt = 2,
         .retryable = true,
         .code = LODE_EHTTP,
         .text = "429",
         .retry_after_ms = 7000},
        {.type = PROTO_FAIL,
         .job_id = "01JAAAAAAAAAAAAAAAAAAAAAAA",
         .attempt = 1,
         .retryable = true,
         .code = LODE_ESTORE,
         .text = "redis away"},
        {.type = PROTO_HEARTBEAT},
        {.type = PROTO_JOB,
         .job_id = "01JAAAAAAAAAAAAAAAAAAAAAAA",
         .stage = "fetch",
         .attempt = 3,
         .lease_ms = 60000},
        {.type = PROTO_ACK,
         .seq = 9,
         .batch = "01JCCCCCCCCCCCCCCCCCCCCCCC",
         .ids = ids,
         .n_ids = 2},
        {.type = PROTO_NACK, .seq = 9, .code = LODE_ESTORE, .text = "not accepted"},
    };
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
        proto_msg_t out;
        s_roundtrip(&msgs[i], &out);
        assert_int_equal(out.type, msgs[i].type);
        assert_string_equal(out.stage, msgs[i].stage);
        assert_string_equal(out.job_id, msgs[i].job_id);
        assert_int_equal(out.attempt, msgs[i].attempt);
        assert_int_equal(out.credits, msgs[i].credits);
        assert_int_equal(out.lease_ms, msgs[i].lease_ms);
        assert_int_equal(out.retry_after_ms, msgs[i].retry_after_ms);
        assert_int_equal(out.again, msgs[i].again);
        assert_int_equal(out.leaving, msgs[i].leaving);
        assert_int_equal(out.retryable, msgs[i].retryable);
        assert_int_equal(out.code, msgs[i].code);
        if (msgs[i].text)
            assert_string_equal(out.text, msgs[i].text);
        assert_int_equal(out.n_ids, msgs[i].n_ids);
        if (msgs[i].n_ids)
            assert_string_equal(out.ids[1], ids[1]);
        proto_msg_clear(&out);
    }
}

static void test_proto_done_and_job_carry_more_jobs_in_one_frame(void **state)
{
    (void)state;
    proto_more_t more[2] = {{"01JBBBBBBBBBBBBBBBBBBBBBBB", 1, 0},
                            {"01JCCCCCCCCCCCCCCCCCCCCCCC", 3, 70000}};
    proto_msg_t in = {.type = PROTO_DONE,
                      .job_id = "01JAAAAAAAAAAAAAAAAAAAAAAA",
                      .attempt = 2,
                      .has_ms = true,
                      .ms = 5,
                      .more = more,
                      .n_more = 2};
    proto_msg_t out;
    s_roundtrip(&in, &out);
    assert_string_equal(out.job_id, in.job_id);
    assert_int_equal(out.attempt, 2);
    assert_int_equal(out.ms, 5);
    assert_int_equal(out.n_more, 2);
    assert_string_equal(out.more[1].job_id, "01JCCCCCCCCCCCCCCCCCCCCCCC");
    assert_int_equal(out.more[1].attempt, 3);
    assert_int_equal(out.more[1].ms, 70000);
    proto_msg_clear(&out);
    assert_null(out.more);

    /* A single DONE reads as before: no more. */
    in.n_more = 0;
    s_roundtrip(&in, &out);
    assert_int_equal(out.n_more, 0);
    assert_null(out.more);
    proto_msg_clear(&out);

    /* JOB frames carry more the same way, to a worker whose READY said so. */
    proto_msg_t job = {.type = PROTO_JOB,
                       .job_id = "01JAAAAAAAAAAAAAAAAAAAAAAA",
                       .stage = "fanout",
                       .attempt = 1,
                       .lease_ms = 60000,
                       .more = more,
                       .n_more = 2};
    s_roundtrip(&job, &out);
    assert_string_equal(out.stage, "fanout");
    assert_int_equal(out.n_more, 2);
    assert_string_equal(out.more[0].job_id, "01JBBBBBBBBBBBBBBBBBBBBBBB");
    assert_int_equal(out.more[1].attempt, 3);
    proto_msg_clear(&out);
    proto_msg_t ready = {.type = PROTO_READY, .stage = "fetch", .credits = 1, .more_ok = true};
    s_roundtrip(&ready, &out);
    assert_true(out.more_ok);
    proto_msg_clear(&out);
    ready.more_ok = false;
    s_roundtrip(&ready, &out);
    assert_false(out.more_ok);
    proto_msg_clear(&out);
}

static void s_expect_bad(const void *data, size_t len)
{
    proto_msg_t m;
    err_t err = {0};
    assert_int_equal(proto_decode(data, len, &m, &err), -1);
    assert_int_equal(err.code, LODE_EPROTO);
    assert_true(strlen(err.msg) > 0);
    assert_null(m.items);
    assert_null(m.text);
}

static void test_proto_rejects_every_truncation_of_a_valid_frame(void **state)
{
    (void)state;
    proto_item_t item = {.kind = "text", .body = "some text", .body_len = 9};
    proto_msg_t in = {.type = PROTO_SUBMIT, .seq = 1, .items = &item, .n_items = 1};
    char *data;
    size_t len;
    err_t err = {0};
    assert_int_equal(proto_encode(&in, &data, &len, &err), 0);
    for (size_t cut = 0; cut < len; cut++)
        s_expect_bad(data, cut);
    free(data);
}

static void test_proto_rejects_wrong_version_type_and_field_types(void **state)
{
    (void)state;
    /* [2, 4, {}]: a version we do not speak. */
    s_expect_bad("\x93\x02\x04\x80", 4);
    /* [1, 99, {}]: unknown type. */
    s_expect_bad("\x93\x01\x63\x80", 4);
    /* [1, 4, []]: fields not a map. */
    s_expect_bad("\x93\x01\x04\x90", 4);
    /* [1, 1, {"stage": 5, "credits": 1}]: stage is not a string. */
    s_expect_bad("\x93\x01\x01\x82\xa5stage\x05\xa7"
                 "credits\x01",
                 20);
    /* [1, 2, {"job": "x", "attempt": -1}]: negative attempt. */
    s_expect_bad("\x93\x01\x02\x82\xa3job\xa1x\xa7"
                 "attempt\xff",
                 19);
    /* A valid heartbeat followed by trailing bytes. */
    s_expect_bad("\x93\x01\x04\x80\x00", 5);
    /* Not msgpack at all, and an ext type. */
    s_expect_bad("GET / HTTP/1.1\r\n\r\n", 18);
    s_expect_bad("\xd4\x01\x02", 3);
    s_expect_bad(NULL, 0);
    /* [1, 2, {"job": "x", "attempt": 1, "more": [["y", 1]]}]: a pair, not a
     * [job, attempt, ms] triple. */
    s_expect_bad("\x93\x01\x02\x83\xa3job\xa1x\xa7"
                 "attempt\x01\xa4more\x91\x92\xa1y\x01",
                 29);
    /* ... and "more" that is not an array. */
    s_expect_bad("\x93\x01\x02\x83\xa3job\xa1x\xa7"
                 "attempt\x01\xa4more\x01",
                 25);
}

static void test_proto_rejects_huge_claimed_containers_without_allocating(void **state)
{
    (void)state;
    /* array32 claiming 2^32-1 elements in a 5-byte frame. */
    s_expect_bad("\xdd\xff\xff\xff\xff", 5);
    /* map32 claiming 2^31 pairs. */
    s_expect_bad("\x93\x01\x06\xdf\x80\x00\x00\x00", 8);
    /* str32 claiming 4 GB. */
    s_expect_bad("\x93\x01\x06\xdb\xff\xff\xff\xff", 8);
}

static void test_proto_survives_random_bytes(void **state)
{
    (void)state;
    unsigned seed = 12345;
    unsigned char buf[256];
    int accepted = 0;
    for (int round = 0; round < 20000; round++) {
        size_t len = (size_t)(rand_r(&seed) % sizeof buf);
        for (size_t i = 0; i < len; i++)
            buf[i] = (unsigned char)rand_r(&seed);
        /* Bias towards our header so decoding gets past the first checks. */
        if (len > 3 && round % 2)
            memcpy(buf, "\x93\x01", 2);
        proto_msg_t m;
        err_t err = {0};
        if (proto_decode(buf, len, &m, &err) == 0)
            accepted++;
        else
            assert_int_equal(err.code, LODE_EPROTO);
        proto_msg_clear(&m);
    }
    assert_true(accepted < 20000);
}

static void test_proto_refuses_to_encode_unknown_types(void **state)
{
    (void)state;
    proto_msg_t m = {.type = (proto_type_t)42};
    char *data = NULL;
    size_t len = 0;
    err_t err = {0};
    assert_int_equal(proto_encode(&m, &data, &len, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    assert_string_equal(proto_type_name(42), "?");
    assert_string_equal(proto_type_name(PROTO_JOB), "JOB");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proto_submit_roundtrips_items_and_binary_bodies),
        cmocka_unit_test(test_proto_every_type_roundtrips),
        cmocka_unit_test(test_proto_frames_keep_their_bytes),
        cmocka_unit_test(test_proto_done_and_job_carry_more_jobs_in_one_frame),
        cmocka_unit_test(test_proto_rejects_every_truncation_of_a_valid_frame),
        cmocka_unit_test(test_proto_rejects_wrong_version_type_and_field_types),
        cmocka_unit_test(test_proto_rejects_huge_claimed_containers_without_allocating),
        cmocka_unit_test(test_proto_survives_random_bytes),
        cmocka_unit_test(test_proto_refuses_to_encode_unknown_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
