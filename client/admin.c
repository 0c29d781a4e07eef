/*  admin.c - lode admin migrate: move a store of one partition into N
 *  (store_migrate), or with --from URL move the one-partition store on
 *  that single Redis into the store of --redis (a Redis Cluster or another
 *  server: store_migrate_from); with --dry-run say what would move.
 *  SPDX-License-Identifier: MIT
 */
#include "admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "search.h"
#include "store.h"

int admin_run(cli_t *cli, int argc, char **argv)
{
    bool json = false, dry = false;
    const char *parts_s = NULL, *from = NULL;
    const cli_opt_t opts[] = {{"--json", NULL, &json},
                              {"--dry-run", NULL, &dry},
                              {"--partitions", &parts_s, NULL},
                              {"--from", &from, NULL},
                              {NULL}};
    const char *pos[1];
    size_t n;
    int rc = cli_parse(cli, argc, argv, opts, pos, 1, &n);
    if (rc != 0)
        return cli_parse_exit(rc);
    long parts = 0;
    if (n == 1 && strcmp(pos[0], "reindex") == 0)
        return search_reindex(cli, json);
    if (n != 1 || strcmp(pos[0], "migrate") != 0)
        return cli_usage(cli, "admin", "the admin commands are migrate and reindex");
    if (!parts_s || cli_parse_count(parts_s, 1024, &parts) != 0 || parts < 2)
        return cli_usage(cli, "admin", "--partitions wants a number from 2 to 1024");
    err_t err = {0};
    store_t *store = cli_store(cli, &err);
    store_migrate_report_t rep;
    if (from) {
        /* The source is read as it is: one partition (a recorded other
         * count is refused by store_new). */
        store_opts_t so = {.url = from, .partitions = 1};
        store_t *src = store ? store_new(&so, &err) : NULL;
        int moved = src ? store_migrate_from(store, src, (int)parts, dry, &rep, &err) : -1;
        store_destroy(&src);
        if (moved != 0)
            return cli_fail(cli, &err);
    } else if (!store || store_migrate(store, (int)parts, dry, &rep, &err) != 0) {
        return cli_fail(cli, &err);
    }
    if (json) {
        json_t *o =
            json_pack("{s:b,s:i,s:I,s:I,s:I,s:I,s:I,s:I}", "dry_run", dry, "partitions", (int)parts,
                      "jobs", (json_int_t)rep.jobs, "queued", (json_int_t)rep.queued, "leases",
                      (json_int_t)rep.leases, "delayed", (json_int_t)rep.delayed, "dead",
                      (json_int_t)rep.dead, "batches", (json_int_t)rep.batches);
        char *s = json_dumps(o, JSON_COMPACT);
        fprintf(cli->out, "%s\n", s ? s : "{}");
        free(s);
        json_decref(o);
    } else {
        fprintf(cli->out,
                "%s %lld jobs, %lld queued, %lld leased, %lld delayed, %lld dead, %lld batches "
                "into %ld partitions\n",
                dry ? "would move" : "moved", (long long)rep.jobs, (long long)rep.queued,
                (long long)rep.leases, (long long)rep.delayed, (long long)rep.dead,
                (long long)rep.batches, parts);
    }
    return CLI_EXIT_OK;
}
