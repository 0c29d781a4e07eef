/*  main.c - lode-broker: parse arguments (one row of s_defs per setting,
 *  opts.h), run the broker.
 *  SPDX-License-Identifier: MIT
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "broker.h"
#include "config.h"
#include "curve.h"
#include "log.h"
#include "mem.h"
#include "opts.h"
#include "service.h"

#define LODE_VERSION "0.1.0"

/* True if endpoint is only reachable from this machine. */
static bool s_is_local(const char *endpoint)
{
    static const char *const local[] = {"tcp://127.", "tcp://localhost:", "tcp://[::1]:", "ipc://",
                                        "inproc://"};
    for (size_t i = 0; i < sizeof local / sizeof local[0]; i++)
        if (strncmp(endpoint, local[i], strlen(local[i])) == 0)
            return true;
    return false;
}

/* After the arguments: logging, CURVE from the environment, the broker. */
static int s_run(broker_opts_t *opts, log_level_t level)
{
    log_init("lode-broker", level);
    zsys_init();
    zsys_set_logstream(stderr);
    zsys_set_logident("lode-broker");
    opts->bind = config_broker_endpoint(opts->bind);
    curve_opts_from_env(&opts->curve);
    if (!curve_enabled(&opts->curve) && !s_is_local(opts->bind))
        log_warn("broker",
                 "CURVE is off and %s is not loopback: any peer that reaches it can "
                 "submit and take jobs (see --curve-cert)",
                 opts->bind);
    err_t err = {0};
    broker_t *broker = broker_new(opts, &err);
    if (!broker) {
        log_error("broker", "%s", err.msg);
        return 1;
    }
    int rc = broker_run(broker);
    log_flush(); /* the count of any warnings the rate limit left out */
    broker_destroy(&broker);
    return rc == 0 ? 0 : 1;
}

typedef struct {
    broker_opts_t b;
    int level;
} s_settings_t;

#define OPTS_STRUCT s_settings_t /* the table rows name its fields (opts.h) */

static int s_per_stage(const char *arg, int lo, int hi, int out[JOB_STAGE_COUNT], err_t *err)
{
    return config_parse_per_stage(arg, lo, hi, out, err);
}

static int s_lease(void *st, const char *arg, err_t *err)
{
    return s_per_stage(arg, 100, 86400000, ((s_settings_t *)st)->b.lease_ms, err);
}

static int s_attempts(void *st, const char *arg, err_t *err)
{
    return s_per_stage(arg, 1, 1000, ((s_settings_t *)st)->b.max_attempts, err);
}

static int s_level(void *st, const char *arg, err_t *err)
{
    if ((((s_settings_t *)st)->level = log_level_parse(arg)) < 0)
        return err_set(err, LODE_EINVAL, "expected error, warn, info or debug"), -1;
    return 0;
}

/* Every setting of lode-broker: flag, settings-file key, environment, help. */
static const opt_def_t s_defs[] = {
    OPTS_STR("bind",
             "LODE_BROKER",
             "ENDPOINT",
             b.bind,
             "ZeroMQ endpoint to bind (default " CONFIG_BROKER_DEFAULT ");\n"
             "the variable workers and clients connect to"),
    OPTS_STR("redis",
             "LODE_REDIS",
             "URL",
             b.redis_url,
             "redis://[[user:]password@]host:port[/db]\n(default " CONFIG_REDIS_DEFAULT ")"),
    OPTS_STR("prefix",
             "LODE_PREFIX",
             "P",
             b.prefix,
             "Redis key prefix (default " CONFIG_PREFIX_DEFAULT ")"),
    {"config", 0, OPT_CONFIG, "LODE_CONFIG", "FILE",
     "settings file: \"option = value\" lines, any long\noption; see docs/config.md "
     "(LODE_BROKER_CONFIG\nis a deprecated alias)",
     0, 0, 0, NULL},
    OPTS_CALL(
        "lease-ms",
        "LODE_LEASE_MS",
        "SPEC",
        s_lease,
        "lease of a dispatched job in ms: N for every\nstage, or fetch=N,snippet=N,… (default "
        "60000)"),
    OPTS_CALL("max-attempts",
              "LODE_MAX_ATTEMPTS",
              "SPEC",
              s_attempts,
              "dispatches before a job is dead-lettered: N or\nstage=N,… (default 3)"),
    OPTS_INT("retry-base-ms",
             "LODE_RETRY_BASE_MS",
             b.retry_base_ms,
             1,
             3600000,
             "first back-off after a retryable failure\n(default 1000); doubles per attempt, with "
             "jitter"),
    OPTS_INT("retry-max-ms",
             "LODE_RETRY_MAX_MS",
             b.retry_max_ms,
             1,
             86400000,
             "back-off cap (default 60000)"),
    OPTS_INT("heartbeat-ms",
             "LODE_HEARTBEAT_MS",
             b.heartbeat_ms,
             10,
             600000,
             "heartbeat interval (default 1000)"),
    OPTS_STR("curve-cert",
             "LODE_CURVE_CERT",
             "FILE",
             b.curve.cert,
             "own CURVE certificate (from lode keygen; FILE\nor FILE_secret); needs --curve-allow"),
    OPTS_STR("curve-allow",
             "LODE_CURVE_ALLOW",
             "DIR",
             b.curve.allow_dir,
             "public certificates of the workers and clients\nallowed in; re-read when it changes"),
    OPTS_STR(
        "pub",
        "LODE_PUB",
        "ENDPOINT",
        b.pub,
        "PUB socket for the stats `lode top` reads\n(default tcp://127.0.0.1:5556; \"off\" for "
        "none)"),
    OPTS_STR(
        "metrics",
        "LODE_METRICS",
        "HOST:PORT",
        b.metrics,
        "serve Prometheus /metrics, /healthz, /readyz\nthere, e.g. 127.0.0.1:9464 (default off)"),
    OPTS_CALL(
        "log-level", "LODE_LOG_LEVEL", "L", s_level, "error, warn, info or debug (default info)"),
    {"print-config", 0, OPT_PRINT, NULL, NULL, "print each setting and where it came from", 0, 0, 0,
     NULL},
    {"help", 'h', OPT_HELP, NULL, NULL, "this text", 0, 0, 0, NULL},
    {"version", 0, OPT_VERSION, NULL, NULL, "the version", 0, 0, 0, NULL},
    {0},
};

/* LODE_BROKER_CONFIG: the broker's older name for LODE_CONFIG, still read. */
static const char *const s_config_env[] = {"LODE_CONFIG", "LODE_BROKER_CONFIG", NULL};

static const opts_spec_t s_spec = {
    .prog = "lode-broker",
    .version = LODE_VERSION,
    .usage = "usage: lode-broker [options]\n"
             "\n"
             "Hands Lode jobs to stage workers over ZeroMQ; job state lives in Redis.\n"
             "Settings: flags > environment > settings file > defaults (docs/config.md,\n"
             "lode-broker(8)).\n\n",
    .epilog = "\nWithout CURVE any peer that reaches the endpoint can submit and take jobs:\n"
              "keep it on loopback or a private network.\n",
    .defs = s_defs,
    .config_env = s_config_env,
};

static int s_argc;
static char **s_argv;

/* SIGHUP: read the settings again (file, environment, argv) and take the
 * log level; the rest needs a restart (the CURVE allow list is re-read by
 * itself when it changes). Logs go to stderr: no file to reopen. */
static void s_reload(void *arg)
{
    (void)arg;
    s_settings_t st = {.level = LOGL_INFO};
    opts_t *held = NULL;
    if (opts_parse(&s_spec, &st, s_argc, s_argv, &held) == OPTS_OK) {
        log_level = (log_level_t)st.level;
        log_info("broker", "SIGHUP: settings re-read, log level %d", st.level);
    } else {
        log_warn("broker", "SIGHUP: settings not re-read (see above); the running ones stay");
    }
    opts_free(&held);
}

int main(int argc, char **argv)
{
    s_argc = argc;
    s_argv = argv;
    service_init(s_reload, NULL);
    s_settings_t st = {.level = LOGL_INFO};
    opts_t *held = NULL;
    int rc = opts_parse(&s_spec, &st, argc, argv, &held);
    if (rc == OPTS_OK)
        rc = s_run(&st.b, (log_level_t)st.level);
    else
        rc = rc == OPTS_EXIT ? 0 : 2;
    opts_free(&held);
    return rc;
}
