/*  test_submit_key.c - a SUBMIT's idempotency key against a real broker
 *  and redis-server: the test is a client whose ACK is lost (it drops the
 *  first on purpose) and sends the same chunk again. With a key, the second
 *  ACK names the same batch and jobs and no job is made twice; without one,
 *  the resend makes a second set (the old at-least-once, still there for
 *  clients that send no key). A key reused for a chunk of another size is
 *  refused; a malformed key is refused.
 *  SPDX-License-Identifier: MIT
 */
#include <signal.h>

#include <czmq.h>

#include "cluster.h"
#include "fixture.h"
#include "mem.h"
#include "proto.h"
#include "test.h"

static int s_setup(void **state)
{
    cluster_opts_t o = {.no_workers = true, .log_level = "info"};
    return fixture_group_start(state, &o);
}

static int s_teardown(void **state)
{
    cluster_t *c = *state;
    cluster_destroy(&c);
    return 0;
}

/* Send a SUBMIT of n text items with key ("" = none) and read the answer
 * into *ans (proto_msg_clear it). */
static void
s_submit(cluster_t *c, zsock_t *d, uint32_t seq, const char *key, size_t n, proto_msg_t *ans)
{
    proto_item_t items[4];
    for (size_t i = 0; i < n; i++)
        items[i] = (proto_item_t){.kind = "text", .body = "a chunk's text", .body_len = 14};
    proto_msg_t m = {
        .type = PROTO_SUBMIT, .seq = seq, .batch_name = "keyed", .items = items, .n_items = n};
    snprintf(m.key, sizeof m.key, "%s", key);
    err_t err = {0};
    assert_int_equal(proto_send(d, NULL, &m, &err), 0);
    assert_int_equal(proto_recv(d, NULL, ans, &err), 0);
    assert_int_equal(ans->seq, seq);
    (void)c;
}

static zsock_t *s_dealer(cluster_t *c)
{
    char *ep = mem_printf(">%s", cluster_broker_endpoint(c));
    zsock_t *d = zsock_new_dealer(ep);
    free(ep);
    assert_non_null(d);
    zsock_set_rcvtimeo(d, 10000);
    zsock_set_sndtimeo(d, 2000);
    return d;
}

static void test_a_resent_chunk_with_a_key_makes_its_jobs_once(void **state)
{
    cluster_t *c = *state;
    cluster_mark_begin(c);
    zsock_t *d = s_dealer(c);
    long long before = cluster_redis_int(c, "ZCARD lode:jobs");
    proto_msg_t first = {0}, again = {0};
    /* The first ACK is "lost": the client never looks at it and resends. */
    s_submit(c, d, 1, "chunk-7f3a9c", 3, &first);
    assert_int_equal(first.type, PROTO_ACK);
    s_submit(c, d, 2, "chunk-7f3a9c", 3, &again);
    assert_int_equal(again.type, PROTO_ACK);
    assert_string_equal(again.batch, first.batch);
    assert_int_equal(again.n_ids, 3);
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(again.ids[i], first.ids[i]);
    assert_int_equal(cluster_redis_int(c, "ZCARD lode:jobs"), before + 3);
    assert_int_equal(cluster_redis_int(c, "LLEN lode:batch:%s:jobs", first.batch), 3);
    proto_msg_clear(&first);
    proto_msg_clear(&again);

    /* Without a key the resend is a second submission. */
    s_submit(c, d, 3, "", 2, &first);
    s_submit(c, d, 4, "", 2, &again);
    assert_string_not_equal(again.batch, first.batch);
    assert_int_equal(cluster_redis_int(c, "ZCARD lode:jobs"), before + 7);
    proto_msg_clear(&first);
    proto_msg_clear(&again);

    /* A key reused for another chunk, and a malformed one, are refused. */
    s_submit(c, d, 5, "chunk-7f3a9c", 2, &again);
    assert_int_equal(again.type, PROTO_NACK);
    assert_non_null(strstr(again.text, "another submission"));
    proto_msg_clear(&again);
    s_submit(c, d, 6, "no spaces allowed", 1, &again);
    assert_int_equal(again.type, PROTO_NACK);
    proto_msg_clear(&again);
    assert_int_equal(cluster_redis_int(c, "ZCARD lode:jobs"), before + 7);
    long long ttl = cluster_redis_int(c, "TTL lode:submit:chunk-7f3a9c");
    assert_true(ttl > 0 && ttl <= 3600);
    zsock_destroy(&d);
    cluster_mark_ok(c);
}

/* The broker logged a second resent chunk (the first test made one). */
static bool s_log_has_resend(void *arg)
{
    char *log = cluster_log(arg, "broker");
    int n = 0;
    for (const char *p = log; p && (p = strstr(p, "a resent chunk")); p++)
        n++;
    free(log);
    return n >= 2;
}

/* The CLI resends its SUBMIT once half way through its wait: a broker that
 * is slow to answer (its Redis stopped for a while here) gets it twice and
 * makes the jobs once; the first ACK goes to a client that has gone. */
static void test_the_cli_resends_with_its_key_and_nothing_is_made_twice(void **state)
{
    cluster_t *c = *state;
    cluster_mark_begin(c);
    long long before = cluster_redis_int(c, "ZCARD lode:jobs");
    pid_t redis = cluster_redis_pid(c);
    assert_true(redis > 0);
    assert_int_equal(kill(redis, SIGSTOP), 0);
    char *out = NULL, *errs = NULL;
    int rc = cluster_run_cli(c, NULL, &out, &errs, "--timeout", "2", "submit", "--text",
                             "resent once", NULL);
    assert_int_equal(kill(redis, SIGCONT), 0);
    assert_int_equal(rc, 6); /* no answer while Redis was stopped */
    free(out);
    free(errs);
    assert_true(cluster_wait_for(s_log_has_resend, c, 10000));
    assert_int_equal(cluster_redis_int(c, "ZCARD lode:jobs"), before + 1);
    cluster_mark_ok(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_resent_chunk_with_a_key_makes_its_jobs_once),
        cmocka_unit_test(test_the_cli_resends_with_its_key_and_nothing_is_made_twice),
    };
    return cluster_main_result(cmocka_run_group_tests(tests, s_setup, s_teardown));
}
