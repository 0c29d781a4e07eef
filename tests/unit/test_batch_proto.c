/*  test_batch_proto.c - the optional "batch" field of SUBMIT that bulk
 *  batches use to append chunks: it round-trips, a SUBMIT without it is
 *  unchanged, and a malformed one is refused.
 *  SPDX-License-Identifier: MIT
 */
// clang-format off
#include "test.h"
// clang-format on

#include <msgpack.h>

#include "proto.h"

#define BATCH_ID "01ARZ3NDEKTSV4RRFFQ69G5FAV"

static void s_roundtrip(const proto_msg_t *m, proto_msg_t *out)
{
    char *data = NULL;
    size_t len = 0;
    err_t err = {0};
    assert_int_equal(proto_encode(m, &data, &len, &err), 0);
    assert_int_equal(proto_decode(data, len, out, &err), 0);
    free(data);
}

static void test_submit_carries_the_batch_to_append_to(void **state)
{
    (void)state;
    proto_item_t items[2] = {{.kind = "url", .url = "https://example.com/a"},
                             {.kind = "url", .url = "https://example.com/b"}};
    proto_msg_t m = {.type = PROTO_SUBMIT, .seq = 7, .items = items, .n_items = 2};
    strcpy(m.batch, BATCH_ID);
    proto_msg_t out;
    s_roundtrip(&m, &out);
    assert_int_equal(out.type, PROTO_SUBMIT);
    assert_int_equal(out.seq, 7);
    assert_string_equal(out.batch, BATCH_ID);
    assert_int_equal(out.n_items, 2);
    assert_string_equal(out.items[1].url, "https://example.com/b");
    proto_msg_clear(&out);
}

static void test_submit_without_a_batch_decodes_an_empty_one(void **state)
{
    (void)state;
    proto_item_t item = {.kind = "text", .body = "hello", .body_len = 5};
    proto_msg_t m = {
        .type = PROTO_SUBMIT, .seq = 1, .batch_name = "n", .items = &item, .n_items = 1};
    proto_msg_t out;
    s_roundtrip(&m, &out);
    assert_string_equal(out.batch, "");
    assert_string_equal(out.batch_name, "n");
    proto_msg_clear(&out);
}

/* [1, SUBMIT, {seq: 1, batch: <value>, items: []}] */
static int s_decode_with_batch(void (*pack_batch)(msgpack_packer *pk), err_t *err)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 3);
    msgpack_pack_int(&pk, PROTO_VERSION);
    msgpack_pack_int(&pk, PROTO_SUBMIT);
    msgpack_pack_map(&pk, 3);
    msgpack_pack_str_with_body(&pk, "seq", 3);
    msgpack_pack_uint32(&pk, 1);
    msgpack_pack_str_with_body(&pk, "batch", 5);
    pack_batch(&pk);
    msgpack_pack_str_with_body(&pk, "items", 5);
    msgpack_pack_array(&pk, 0);
    proto_msg_t out;
    int rc = proto_decode(sb.data, sb.size, &out, err);
    proto_msg_clear(&out);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

static void s_pack_long(msgpack_packer *pk)
{
    char s[64];
    memset(s, 'A', sizeof s);
    msgpack_pack_str_with_body(pk, s, sizeof s);
}

static void s_pack_int(msgpack_packer *pk)
{
    msgpack_pack_int(pk, 5);
}

static void test_submit_with_a_malformed_batch_is_refused(void **state)
{
    (void)state;
    err_t err = {0};
    assert_int_equal(s_decode_with_batch(s_pack_long, &err), -1);
    assert_int_equal(err.code, LODE_EPROTO);
    err_t err2 = {0};
    assert_int_equal(s_decode_with_batch(s_pack_int, &err2), -1);
    assert_int_equal(err2.code, LODE_EPROTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_submit_carries_the_batch_to_append_to),
        cmocka_unit_test(test_submit_without_a_batch_decodes_an_empty_one),
        cmocka_unit_test(test_submit_with_a_malformed_batch_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
