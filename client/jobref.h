/*  jobref.h - job ids by unique prefix, as git takes commits: a ULID
 *  starts with its creation time, so a prefix names a time range of the
 *  "jobs" zset, read page by page (bounded) and filtered by the prefix.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_JOBREF_H
#define LODE_JOBREF_H
#include "cli.h"
#include "err.h"
#include "job.h"
#include "store.h"

#define JOBREF_MIN_LEN   4     /* shortest prefix taken */
#define JOBREF_MAX_SCAN  20000 /* ids read for one prefix at most */
#define JOBREF_SHOW      5     /* candidates named for an ambiguous prefix */
#define JOBREF_MARGIN_MS 5000  /* created_ms and the id's time differ by less */

/* The job arg names: arg itself if it is a whole id (no Redis read), else
 * the one job whose id starts with arg (case-insensitive). 0 and out; -1
 * and *err: LODE_ENOTFOUND "no job X", LODE_EINVAL "job id prefix X is
 * ambiguous: A, B, … (N jobs)" or too short, LODE_ESTORE. */
LODE_MUST_CHECK int
jobref_resolve(store_t *store, const char *arg, char out[JOB_ID_SIZE], err_t *err);

/* For a command: resolve *arg into buf and point *arg at it. CLI_EXIT_OK,
 * or the exit code after printing why. */
int jobref_arg(cli_t *cli, const char **arg, char buf[JOB_ID_SIZE]);
#endif
