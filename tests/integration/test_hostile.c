/*  test_hostile.c - hostile peers on the broker's socket: a frame over the
 *  64 MB cap, a flood from a client that never reads, unknown message types
 *  and wrong field types. The broker keeps serving an honest client, counts
 *  what it dropped, and its memory stays bounded. (Random bytes and
 *  truncated msgpack: test_failures.c.)
 *  SPDX-License-Identifier: MIT
 */
#include <signal.h>

#include <czmq.h>
#include <msgpack.h>

#include "cluster.h"
#include "fixture.h"
#include "mem.h"
#include "test.h"

#define JOB_MS 30000
#if defined(__SANITIZE_ADDRESS__)
/* ASan holds freed memory in a quarantine of up to 256 MB by default. */
#define RSS_LIMIT_KB ((200L + 256L) * 1024)
#else
#define RSS_LIMIT_KB (200L * 1024)
#endif
#define FLOOD_SUBMITS   20000
#define HONEST_LIMIT_MS 10000

static cluster_t *s_c(void **state)
{
    return *state;
}

static int s_setup(void **state)
{
    if (fixture_group_start(state, NULL) != 0)
        return -1;
    return fixture_setup(state);
}

static int s_teardown(void **state)
{
    fixture_teardown(state);
    return fixture_group_teardown(state);
}

/* An honest client's job goes through in time while the stranger is at it. */
static void s_honest_job_completes(cluster_t *c)
{
    int64_t t0 = cluster_now_ms();
    char *prose = cluster_prose(300);
    char *id = cluster_submit_text(c, prose, strlen(prose));
    assert_non_null(id);
    char *st = cluster_wait_job(c, id, JOB_MS);
    assert_non_null(st);
    assert_string_equal(st, "done");
    int64_t took = cluster_now_ms() - t0;
    fprintf(stderr, "honest job done in %lld ms\n", (long long)took);
    assert_true(took < HONEST_LIMIT_MS);
    char *completions = cluster_job_field(c, id, "completions");
    assert_string_equal(completions, "1");
    free(completions);
    free(st);
    free(id);
    free(prose);
}

static void s_expect_bounded_rss(cluster_t *c)
{
    long kb = cluster_rss_kb(cluster_broker_pid(c));
    fprintf(stderr, "broker VmRSS %ld kB\n", kb);
    assert_true(kb > 0 && kb < RSS_LIMIT_KB);
}

static zsock_t *s_stranger(cluster_t *c, int rcvhwm)
{
    zsock_t *d = zsock_new(ZMQ_DEALER);
    assert_non_null(d);
    zsock_set_linger(d, 0);
    zsock_set_sndtimeo(d, 5000);
    zsock_set_rcvtimeo(d, 2000);
    if (rcvhwm > 0)
        zsock_set_rcvhwm(d, rcvhwm);
    zsock_set_sndhwm(d, 0); /* no limit: the stranger queues all it wants */
    assert_int_equal(zsock_connect(d, "%s", cluster_broker_endpoint(c)), 0);
    return d;
}

static void s_send_bytes(zsock_t *d, const void *data, size_t len)
{
    zframe_t *f = zframe_new(data, len);
    assert_int_equal(zframe_send(&f, d, 0), 0);
}

/* --- msgpack building ---------------------------------------------------- */

typedef struct {
    msgpack_sbuffer sb;
    msgpack_packer pk;
} s_pack_t;

static void s_pack_begin(s_pack_t *p, int type, size_t n_fields)
{
    msgpack_sbuffer_init(&p->sb);
    msgpack_packer_init(&p->pk, &p->sb, msgpack_sbuffer_write);
    msgpack_pack_array(&p->pk, 3);
    msgpack_pack_int(&p->pk, 1);
    msgpack_pack_int(&p->pk, type);
    msgpack_pack_map(&p->pk, n_fields);
}

static void s_str(s_pack_t *p, const char *s)
{
    msgpack_pack_str(&p->pk, strlen(s));
    msgpack_pack_str_body(&p->pk, s, strlen(s));
}

static void s_kv_str(s_pack_t *p, const char *key, const char *value)
{
    s_str(p, key);
    s_str(p, value);
}

static void s_kv_u32(s_pack_t *p, const char *key, uint32_t value)
{
    s_str(p, key);
    msgpack_pack_uint32(&p->pk, value);
}

static void s_send_pack(zsock_t *d, s_pack_t *p)
{
    s_send_bytes(d, p->sb.data, p->sb.size);
    msgpack_sbuffer_destroy(&p->sb);
}

/* ------------------------------------------------------------------ tests */

static void test_a_frame_over_64_mb_closes_that_connection_and_nothing_else(void **state)
{
    cluster_t *c = s_c(state);
    zsock_t *d = zsock_new(ZMQ_DEALER);
    assert_non_null(d);
    zsock_set_linger(d, 0);
    zsock_set_sndtimeo(d, 10000);
    zactor_t *mon = zactor_new(zmonitor, d);
    zstr_sendx(mon, "LISTEN", "CONNECTED", "DISCONNECTED", NULL);
    zstr_send(mon, "START");
    zsock_wait(mon);
    assert_int_equal(zsock_connect(d, "%s", cluster_broker_endpoint(c)), 0);
    zsock_set_rcvtimeo(zactor_sock(mon), 5000);
    char *event = zstr_recv(mon); /* CONNECTED, then its value and address */
    assert_non_null(event);
    assert_string_equal(event, "CONNECTED");
    zstr_free(&event);
    zsock_flush(mon);
    size_t size = 64u * 1024 * 1024 + 4096;
    char *big = mem_calloc(1, size);
    big[0] = (char)0x93; /* looks like the start of a frame, then zeros */
    s_send_bytes(d, big, size);
    free(big);
    event = zstr_recv(mon);
    assert_non_null(event);
    assert_string_equal(event, "DISCONNECTED"); /* the broker closed on us */
    zstr_free(&event);
    zactor_destroy(&mon);
    zsock_destroy(&d);
    assert_true(cluster_broker_alive(c));
    s_expect_bounded_rss(c);
    s_honest_job_completes(c);
    cluster_mark_ok(c);
}

static void test_a_flooding_client_that_never_reads_leaves_memory_bounded(void **state)
{
    cluster_t *c = s_c(state);
    long before = cluster_rss_kb(cluster_broker_pid(c));
    zsock_t *d = s_stranger(c, 10);
    for (int i = 0; i < FLOOD_SUBMITS; i++) {
        s_pack_t p;
        s_pack_begin(&p, 6, 2); /* SUBMIT with no items: each one NACKed */
        s_kv_u32(&p, "seq", (uint32_t)i + 1);
        s_str(&p, "items");
        msgpack_pack_array(&p.pk, 0);
        s_send_pack(d, &p);
    }
    s_honest_job_completes(c); /* while the flood is still being answered */
    assert_true(cluster_broker_alive(c));
    s_expect_bounded_rss(c);
    fprintf(stderr, "broker VmRSS before the flood %ld kB\n", before);
    /* What it did read back is a NACK with a reason, not silence. */
    zmsg_t *msg = zmsg_recv(d);
    assert_non_null(msg);
    zframe_t *f = zmsg_first(msg);
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    assert_int_equal(msgpack_unpack_next(&u, (const char *)zframe_data(f), zframe_size(f), NULL),
                     MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(u.data.type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal(u.data.via.array.ptr[1].via.u64, 8); /* NACK */
    msgpack_unpacked_destroy(&u);
    zmsg_destroy(&msg);
    zsock_destroy(&d);
    cluster_mark_ok(c);
}

/* Frames that decode as msgpack but are not messages for the broker. */
static int s_send_wrong_messages(zsock_t *d)
{
    s_pack_t p;
    int n = 0;
    s_pack_begin(&p, 77, 0); /* unknown type */
    s_send_pack(d, &p);
    n++;
    s_pack_begin(&p, 5, 0); /* JOB: broker -> worker only */
    s_send_pack(d, &p);
    n++;
    s_pack_begin(&p, 8, 0); /* NACK: broker -> client only */
    s_send_pack(d, &p);
    n++;
    s_pack_begin(&p, 1, 2); /* READY for a stage that does not exist */
    s_kv_str(&p, "stage", "nonsense");
    s_kv_u32(&p, "credits", 1);
    s_send_pack(d, &p);
    n++;
    s_pack_begin(&p, 1, 2); /* READY with credits as a string */
    s_kv_str(&p, "stage", "fetch");
    s_kv_str(&p, "credits", "many");
    s_send_pack(d, &p);
    n++;
    s_pack_begin(&p, 2, 2); /* DONE with the job as a number */
    s_str(&p, "job");
    msgpack_pack_uint64(&p.pk, 42);
    s_kv_u32(&p, "attempt", 1);
    s_send_pack(d, &p);
    n++;
    s_pack_begin(&p, 2, 2); /* DONE with a negative attempt */
    s_kv_str(&p, "job", "01ARZ3NDEKTSV4RRFFQ69G5FAV");
    s_str(&p, "attempt");
    msgpack_pack_int(&p.pk, -1);
    s_send_pack(d, &p);
    n++;
    s_pack_begin(&p, 3, 5); /* FAIL with retryable as a string */
    s_kv_str(&p, "job", "01ARZ3NDEKTSV4RRFFQ69G5FAV");
    s_kv_u32(&p, "attempt", 1);
    s_kv_str(&p, "retryable", "yes");
    s_str(&p, "code");
    msgpack_pack_int(&p.pk, 1);
    s_kv_str(&p, "text", "x");
    s_send_pack(d, &p);
    n++;
    s_pack_begin(&p, 6, 2); /* SUBMIT with items as a map */
    s_kv_u32(&p, "seq", 1);
    s_str(&p, "items");
    msgpack_pack_map(&p.pk, 0);
    s_send_pack(d, &p);
    n++;
    s_pack_begin(&p, 6, 2); /* SUBMIT with an item's body as a number */
    s_kv_u32(&p, "seq", 2);
    s_str(&p, "items");
    msgpack_pack_array(&p.pk, 1);
    msgpack_pack_map(&p.pk, 2);
    s_kv_str(&p, "kind", "text");
    s_str(&p, "body");
    msgpack_pack_double(&p.pk, 3.5);
    s_send_pack(d, &p);
    n++;
    return n;
}

/* Well-formed reports nobody asked for: not bad frames, but harmless. */
static void s_send_unsolicited_reports(zsock_t *d)
{
    s_pack_t p;
    s_pack_begin(&p, 2, 2); /* DONE for a job that does not exist */
    s_kv_str(&p, "job", "01ARZ3NDEKTSV4RRFFQ69G5FAV");
    s_kv_u32(&p, "attempt", 1);
    s_send_pack(d, &p);
    s_pack_begin(&p, 2, 2); /* DONE for a job id that is not an id */
    s_kv_str(&p, "job", "../../etc/passwd");
    s_kv_u32(&p, "attempt", 1);
    s_send_pack(d, &p);
    s_pack_begin(&p, 4, 0); /* HEARTBEAT from a stranger */
    s_send_pack(d, &p);
}

static long long s_last_bad_frames(const char *log)
{
    const char *last = NULL;
    for (const char *p = log; (p = strstr(p, "bad_frames=")) != NULL; p++)
        last = p;
    return last ? atoll(last + strlen("bad_frames=")) : -1;
}

static void test_unknown_types_and_wrong_field_types_are_counted_and_dropped(void **state)
{
    cluster_t *c = s_c(state);
    long long jobs = cluster_redis_int(c, "ZCARD lode:jobs");
    zsock_t *d = s_stranger(c, 0);
    int sent = 0;
    for (int round = 0; round < 50; round++)
        sent += s_send_wrong_messages(d);
    s_send_unsolicited_reports(d);
    zclock_sleep(300);
    assert_true(cluster_broker_alive(c));
    assert_int_equal(cluster_redis_int(c, "ZCARD lode:jobs"), jobs); /* nothing was created */
    s_honest_job_completes(c);
    zsock_destroy(&d);
    /* Its own count, in the line it writes when it stops. */
    assert_int_equal(cluster_signal_broker(c, SIGTERM, 5000), 0);
    char *path = mem_printf("%s/broker.log", cluster_tmpdir(c));
    char *log = cluster_read_file(path, CLUSTER_OUTPUT_MAX, NULL);
    long long bad = s_last_bad_frames(log);
    fprintf(stderr, "broker counted %lld bad frames of %d sent\n", bad, sent);
    assert_true(bad >= sent);
    free(log);
    free(path);
    cluster_mark_ok(c);
}

int main(void)
{
    if (getenv("LODE_TEST_FILTER"))
        cmocka_set_test_filter(getenv("LODE_TEST_FILTER"));
#define T(fn) cmocka_unit_test_setup_teardown(fn, s_setup, s_teardown)
    const struct CMUnitTest tests[] = {
        T(test_a_frame_over_64_mb_closes_that_connection_and_nothing_else),
        T(test_a_flooding_client_that_never_reads_leaves_memory_bounded),
        T(test_unknown_types_and_wrong_field_types_are_counted_and_dropped),
    };
#undef T
    int failed = cmocka_run_group_tests_name("hostile peers", tests, NULL, NULL);
    return cluster_main_result(failed);
}
