/*  main.c - lode-broker: parse arguments, run the broker.
 *  SPDX-License-Identifier: MIT
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "broker.h"
#include "config.h"
#include "curve.h"
#include "log.h"
#include "mem.h"

#define LODE_VERSION "0.1.0"

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: lode-broker [options]\n"
            "\n"
            "Hands Lode jobs to stage workers over ZeroMQ; job state lives in Redis.\n"
            "\n"
            "  --bind ENDPOINT     ZeroMQ endpoint to bind (default %s)\n"
            "  --redis URL         redis://[[user:]password@]host:port[/db] (env LODE_REDIS,\n"
            "                      default %s)\n"
            "  --prefix P          Redis key prefix (env LODE_PREFIX, default %s)\n"
            "  --lease-ms SPEC     lease of a dispatched job in ms: N for every stage, or\n"
            "                      fetch=N,snippet=N,… (default 60000)\n"
            "  --max-attempts SPEC dispatches before a job is dead-lettered: N or\n"
            "                      stage=N,… (default 3)\n"
            "  --retry-base-ms N   first back-off after a retryable failure (default 1000);\n"
            "                      doubles per attempt, with jitter\n"
            "  --retry-max-ms N    back-off cap (default 60000)\n"
            "  --heartbeat-ms N    heartbeat interval (default 1000)\n"
            "  --curve-cert FILE   own CURVE certificate (from lode keygen; FILE or\n"
            "                      FILE_secret) to accept only allowed peers (env\n"
            "                      LODE_CURVE_CERT); needs --curve-allow\n"
            "  --curve-allow DIR   directory of the public certificates of the workers and\n"
            "                      clients allowed in (env LODE_CURVE_ALLOW); re-read when\n"
            "                      it changes\n"
            "  --pub ENDPOINT      PUB socket for the stats snapshot `lode top` reads, once\n"
            "                      a second (default tcp://127.0.0.1:5556; \"off\" for none)\n"
            "  --metrics HOST:PORT serve Prometheus /metrics there, e.g. 127.0.0.1:9464\n"
            "                      (default off)\n"
            "  --log-level L       error, warn, info or debug (default info)\n"
            "  --config FILE       settings file: \"option = value\" lines, option being any\n"
            "                      long option above (env LODE_BROKER_CONFIG); the command\n"
            "                      line overrides it\n"
            "  --help, --version\n"
            "\n"
            "Without CURVE any peer that reaches the endpoint can submit and take jobs:\n"
            "keep it on loopback or a private network.\n",
            CONFIG_BROKER_DEFAULT, CONFIG_REDIS_DEFAULT, CONFIG_PREFIX_DEFAULT);
}

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
static int s_run(broker_opts_t *opts, const char *bind, log_level_t level)
{
    log_init("lode-broker", level);
    zsys_init();
    zsys_set_logstream(stderr);
    zsys_set_logident("lode-broker");
    opts->bind = config_broker_endpoint(bind);
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
    broker_destroy(&broker);
    return rc == 0 ? 0 : 1;
}

/* The --config file (or $LODE_BROKER_CONFIG) as options before argv's own,
 * so the command line wins: *args (argc entries) is the vector to parse,
 * *fargs the file's strings to free. 0, or 2 after a message. */
static int s_with_config(int argc, char **argv, char ***args, int *n, char ***fargs, int *nf)
{
    const char *path = getenv("LODE_BROKER_CONFIG");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            path = argv[i + 1];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            path = argv[i] + 9;
    }
    *fargs = NULL;
    *nf = 0;
    err_t err = {0};
    if (path && *path && config_file_args(path, fargs, nf, &err) != 0) {
        fprintf(stderr, "lode-broker: %s\n", err.msg);
        return 2;
    }
    *args = mem_calloc((size_t)argc + (size_t)*nf + 1, sizeof **args);
    (*args)[0] = argv[0];
    for (int i = 0; i < *nf; i++)
        (*args)[1 + i] = (*fargs)[i];
    for (int i = 1; i < argc; i++)
        (*args)[*nf + i] = argv[i];
    *n = argc + *nf;
    return 0;
}

static int s_main(int argc, char **argv)
{
    static const struct option longopts[] = {{"bind", required_argument, 0, 'b'},
                                             {"redis", required_argument, 0, 'r'},
                                             {"prefix", required_argument, 0, 'p'},
                                             {"lease-ms", required_argument, 0, 'l'},
                                             {"max-attempts", required_argument, 0, 'm'},
                                             {"heartbeat-ms", required_argument, 0, 't'},
                                             {"curve-cert", required_argument, 0, 'c'},
                                             {"curve-allow", required_argument, 0, 'a'},
                                             {"log-level", required_argument, 0, 'L'},
                                             {"help", no_argument, 0, 'h'},
                                             {"version", no_argument, 0, 'V'},
                                             {"retry-base-ms", required_argument, 0, 'B'},
                                             {"retry-max-ms", required_argument, 0, 'M'},
                                             {"pub", required_argument, 0, 'P'},
                                             {"metrics", required_argument, 0, 'x'},
                                             {"config", required_argument, 0, 'F'},
                                             {0, 0, 0, 0}};
    broker_opts_t opts = {0};
    const char *bind = NULL;
    int level = LOGL_INFO, c;
    err_t err = {0};
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'b':
            bind = optarg;
            break;
        case 'r':
            opts.redis_url = optarg;
            break;
        case 'p':
            opts.prefix = optarg;
            break;
        case 'l':
        case 'm':
            if (config_parse_per_stage(optarg, c == 'l' ? 100 : 1, c == 'l' ? 86400000 : 1000,
                                       c == 'l' ? opts.lease_ms : opts.max_attempts, &err) != 0) {
                fprintf(stderr, "lode-broker: --%s: %s\n", c == 'l' ? "lease-ms" : "max-attempts",
                        err.msg);
                return 2;
            }
            break;
        case 'B':
            opts.retry_base_ms = atoi(optarg);
            break;
        case 'M':
            opts.retry_max_ms = atoi(optarg);
            break;
        case 't':
            opts.heartbeat_ms = atoi(optarg);
            break;
        case 'P':
            opts.pub = optarg;
            break;
        case 'x':
            opts.metrics = optarg;
            break;
        case 'F': /* read before parsing: s_with_config */
            break;
        case 'c':
            opts.curve.cert = optarg;
            break;
        case 'a':
            opts.curve.allow_dir = optarg;
            break;
        case 'L':
            if ((level = log_level_parse(optarg)) < 0) {
                fprintf(stderr, "lode-broker: unknown log level \"%s\"\n", optarg);
                return 2;
            }
            break;
        case 'h':
            s_usage(stdout);
            return 0;
        case 'V':
            printf("lode-broker %s\n", LODE_VERSION);
            return 0;
        default:
            s_usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "lode-broker: unexpected argument \"%s\"\n", argv[optind]);
        return 2;
    }
    return s_run(&opts, bind, (log_level_t)level);
}

int main(int argc, char **argv)
{
    char **args = NULL, **fargs = NULL;
    int n = 0, nf = 0;
    int rc = s_with_config(argc, argv, &args, &n, &fargs, &nf);
    if (rc == 0)
        rc = s_main(n, args);
    free(args);
    config_args_free(fargs, nf);
    return rc;
}
