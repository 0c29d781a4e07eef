/*  test_sha256.c - FIPS 180-4 / NIST CAVS example vectors, block-boundary
 *  lengths and the empty input.
 *  SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "test.h"

static void test_sha256_hashes_the_fips_examples(void **state)
{
    (void)state;
    char hex[SHA256_HEX_SIZE];
    assert_string_equal(sha256_hex("abc", 3, hex),
                        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_string_equal(sha256_hex("", 0, hex),
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    assert_string_equal(sha256_hex(m448, strlen(m448), hex),
                        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnop"
                       "jklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    assert_string_equal(sha256_hex(m896, strlen(m896), hex),
                        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_sha256_hashes_a_million_a(void **state)
{
    (void)state;
    size_t n = 1000000;
    char *a = malloc(n), hex[SHA256_HEX_SIZE];
    memset(a, 'a', n);
    assert_string_equal(sha256_hex(a, n, hex),
                        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}

static void test_sha256_pads_lengths_around_the_block_boundary(void **state)
{
    (void)state;
    /* 55, 56 and 64 bytes: one block, a length spilling into a second, two. */
    char a[64], hex[SHA256_HEX_SIZE];
    memset(a, 'a', sizeof a);
    assert_string_equal(sha256_hex(a, 55, hex),
                        "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    assert_string_equal(sha256_hex(a, 56, hex),
                        "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
    assert_string_equal(sha256_hex(a, 64, hex),
                        "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
    assert_string_equal(sha256_hex(NULL, 0, hex),
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_hashes_the_fips_examples),
        cmocka_unit_test(test_sha256_hashes_a_million_a),
        cmocka_unit_test(test_sha256_pads_lengths_around_the_block_boundary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
