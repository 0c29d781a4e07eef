/*  main.c - lode-worker: parse arguments, run one stage worker.
 *  SPDX-License-Identifier: MIT
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "config.h"
#include "curve.h"
#include "log.h"
#include "worker.h"

#define LODE_VERSION "0.1.0"

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: lode-worker --stage fetch|snippet|synthesis|fanout [options]\n"
            "\n"
            "Runs one pipeline stage for jobs handed out by lode-broker. Stateless:\n"
            "start as many as you like, on any machine that reaches the broker and Redis.\n"
            "\n"
            "  --stage S           fetch, snippet, synthesis or fanout (required)\n"
            "  --broker ENDPOINT   broker to connect (env LODE_BROKER, default %s)\n"
            "  --redis URL         redis://[[user:]password@]host:port[/db] (env LODE_REDIS,\n"
            "                      default %s)\n"
            "  --prefix P          Redis key prefix (env LODE_PREFIX, default %s)\n"
            "  --concurrency N     jobs run at once, one thread each (default 1)\n"
            "  --engine E          text-stage engine: extractive (the default and, for\n"
            "                      now, the only one)\n"
            "  --heartbeat-ms N    heartbeat interval (default 1000)\n"
            "  --curve-cert FILE   own CURVE certificate (from lode keygen; FILE or\n"
            "                      FILE_secret; env LODE_CURVE_CERT); its public file must\n"
            "                      be in the broker's --curve-allow directory\n"
            "  --curve-server FILE the broker's public certificate (env LODE_CURVE_SERVER)\n"
            "  --delay-ms N        sleep N ms before each job: simulates a slow stage for\n"
            "                      fault tests and benchmarks (default 0)\n"
            "  --log-level L       error, warn, info or debug (default info)\n"
            "  --help, --version\n",
            CONFIG_BROKER_DEFAULT, CONFIG_REDIS_DEFAULT, CONFIG_PREFIX_DEFAULT);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {{"stage", required_argument, 0, 's'},
                                             {"broker", required_argument, 0, 'b'},
                                             {"redis", required_argument, 0, 'r'},
                                             {"prefix", required_argument, 0, 'p'},
                                             {"concurrency", required_argument, 0, 'c'},
                                             {"engine", required_argument, 0, 'e'},
                                             {"heartbeat-ms", required_argument, 0, 't'},
                                             {"curve-cert", required_argument, 0, 'C'},
                                             {"curve-server", required_argument, 0, 'S'},
                                             {"log-level", required_argument, 0, 'L'},
                                             {"delay-ms", required_argument, 0, 'd'},
                                             {"help", no_argument, 0, 'h'},
                                             {"version", no_argument, 0, 'V'},
                                             {0, 0, 0, 0}};
    worker_opts_t opts = {.stage = JOB_STAGE_COUNT};
    const char *broker = NULL;
    int level = LOGL_INFO, c, stage;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            if ((stage = job_stage_parse(optarg)) < 0) {
                fprintf(stderr, "lode-worker: unknown stage \"%s\"\n", optarg);
                return 2;
            }
            opts.stage = (job_stage_t)stage;
            break;
        case 'b':
            broker = optarg;
            break;
        case 'r':
            opts.redis_url = optarg;
            break;
        case 'p':
            opts.prefix = optarg;
            break;
        case 'c':
            opts.concurrency = atoi(optarg);
            break;
        case 'd':
            opts.delay_ms = atoi(optarg);
            break;
        case 't':
            opts.heartbeat_ms = atoi(optarg);
            break;
        case 'e':
            if (strcmp(optarg, "extractive") != 0) {
                fprintf(stderr, "lode-worker: unknown engine \"%s\" (have: extractive)\n", optarg);
                return 2;
            }
            break;
        case 'C':
            opts.curve.cert = optarg;
            break;
        case 'S':
            opts.curve.server = optarg;
            break;
        case 'L':
            if ((level = log_level_parse(optarg)) < 0) {
                fprintf(stderr, "lode-worker: unknown log level \"%s\"\n", optarg);
                return 2;
            }
            break;
        case 'h':
            s_usage(stdout);
            return 0;
        case 'V':
            printf("lode-worker %s\n", LODE_VERSION);
            return 0;
        default:
            s_usage(stderr);
            return 2;
        }
    }
    if (opts.stage == JOB_STAGE_COUNT || optind < argc) {
        fprintf(stderr, "lode-worker: %s\n",
                optind < argc ? "unexpected argument" : "--stage is required");
        s_usage(stderr);
        return 2;
    }
    log_init("lode-worker", (log_level_t)level);
    zsys_init();
    zsys_set_logstream(stderr);
    zsys_set_logident("lode-worker");
    opts.broker = config_broker_endpoint(broker);
    curve_opts_from_env(&opts.curve);
    err_t err = {0};
    worker_t *worker = worker_new(&opts, &err);
    if (!worker) {
        log_error(job_stage_name(opts.stage), "%s", err.msg);
        return 1;
    }
    int rc = worker_run(worker);
    worker_destroy(&worker);
    return rc == 0 ? 0 : 1;
}
