/*  config.h - where the programs find Redis and the broker: flag, then
 *  environment (LODE_REDIS, LODE_BROKER), then loopback defaults.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_CONFIG_H
#define LODE_CONFIG_H
#include "err.h"
#include "job.h"

#define CONFIG_REDIS_DEFAULT  "redis://127.0.0.1:6379"
#define CONFIG_BROKER_DEFAULT "tcp://127.0.0.1:5555"
#define CONFIG_PREFIX_DEFAULT "lode:"

/* Parsed redis://[:password@]host:port[/db] (also redis://user:password@…). */
typedef struct {
    char host[256];
    int port;
    char user[128];     /* empty unless given */
    char password[256]; /* empty unless given */
    int db;
} config_redis_t;

/* flag if not NULL, else $LODE_REDIS, else the default. Borrowed. */
const char *config_redis_url(const char *flag);

/* flag if not NULL, else $LODE_BROKER, else the default. Borrowed. */
const char *config_broker_endpoint(const char *flag);

/* flag if not NULL, else $LODE_PREFIX, else "lode:". Borrowed. */
const char *config_prefix(const char *flag);

/* Parse a per-stage setting: "N" sets every stage, "fetch=N,snippet=N"
 * sets the stages named (others keep their value). Values must be in
 * [min, max]. -1 and LODE_EINVAL naming the bad part. */
LODE_MUST_CHECK int
config_parse_per_stage(const char *spec, int min, int max, int out[JOB_STAGE_COUNT], err_t *err);

/* Parse a Redis URL. -1 and LODE_EINVAL with a message naming the problem. */
LODE_MUST_CHECK int config_parse_redis_url(const char *url, config_redis_t *out, err_t *err);
/* A settings file as long options: each "key = value" line (or "key" alone
 * for a switch) becomes "--key=value"; blank lines and lines starting with
 * '#' are skipped, values may be quoted with "…"; a key may be written
 * with its leading "--", and a UTF-8 byte order mark is skipped. *args gets *n strings
 * (free each and the array with config_args_free), in file order, so a
 * program can put them before its own argv and let the command line win.
 * -1 and *err (LODE_EIO naming the file, LODE_EINVAL naming the line). */
LODE_MUST_CHECK int config_file_args(const char *path, char ***args, int *n, err_t *err);
/* The same, for one program: lines before the first "[name]" line and those
 * under "[section]" are taken, lines under any other "[name]" skipped, so
 * one file can serve every program (docs/config.md). */
LODE_MUST_CHECK int
config_file_section_args(const char *path, const char *section, char ***args, int *n, err_t *err);
void config_args_free(char **args, int n);
/* A user's own file or directory of Lode's: $XDG_CONFIG_HOME/lode/rel,
 * else $HOME/.config/lode/rel (the XDG base directory rule). Caller frees;
 * NULL when neither variable is set. */
char *config_user_path(const char *rel);
#endif
