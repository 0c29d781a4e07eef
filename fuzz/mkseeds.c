/*  mkseeds.c - writes one valid frame of every message type into a corpus
 *  directory (argv[1]), named after the type, for fuzz_proto's seeds.
 *  SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>

#include "proto.h"

static int s_write(const char *dir, const char *name, const proto_msg_t *m)
{
    char *data;
    size_t len;
    err_t err = {0};
    if (proto_encode(m, &data, &len, &err) != 0) {
        fprintf(stderr, "mkseeds: %s: %s\n", name, err.msg);
        return -1;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    int rc = f && fwrite(data, 1, len, f) == len ? 0 : -1;
    if (f && fclose(f) != 0)
        rc = -1;
    free(data);
    if (rc != 0)
        fprintf(stderr, "mkseeds: cannot write %s\n", path);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: mkseeds DIR\n");
        return 2;
    }
    const char *id = "01JAAAAAAAAAAAAAAAAAAAAAAA";
    char ids[2][JOB_ID_SIZE] = {"01JAAAAAAAAAAAAAAAAAAAAAAA", "01JBBBBBBBBBBBBBBBBBBBBBBB"};
    proto_item_t items[3] = {
        {.kind = "text", .body = "hello\0world", .body_len = 11},
        {.kind = "file",
         .name = "talk.vtt",
         .body = "WEBVTT\n\n00:01.000 --> 00:02.000\nhi\n",
         .body_len = 35},
        {.kind = "url", .url = "https://example.org/talk"},
    };

    struct {
        const char *name;
        proto_msg_t m;
    } seeds[] = {
        {"ready", {.type = PROTO_READY, .stage = "snippet", .credits = 4}},
        {"done", {.type = PROTO_DONE, .job_id = "", .attempt = 2}},
        {"fail",
         {.type = PROTO_FAIL,
          .attempt = 1,
          .retryable = true,
          .code = LODE_ESTORE,
          .text = "redis away"}},
        {"heartbeat", {.type = PROTO_HEARTBEAT}},
        {"job", {.type = PROTO_JOB, .stage = "fetch", .attempt = 3, .lease_ms = 60000}},
        {"submit",
         {.type = PROTO_SUBMIT, .seq = 7, .batch_name = "mine", .items = items, .n_items = 3}},
        {"ack", {.type = PROTO_ACK, .seq = 7, .batch = "", .ids = ids, .n_ids = 2}},
        {"nack", {.type = PROTO_NACK, .seq = 7, .code = LODE_EINVAL, .text = "bad"}},
    };

    int rc = 0;
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        proto_msg_t *m = &seeds[i].m;
        snprintf(m->job_id, sizeof m->job_id, "%s", id);
        snprintf(m->batch, sizeof m->batch, "%s", id);
        if (s_write(argv[1], seeds[i].name, m) != 0)
            rc = 1;
    }
    return rc;
}
