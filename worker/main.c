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
            "  --concurrency N     credits: jobs held at once (default 1; fetch 64). Text\n"
            "                      stages run each on its own thread; fetch keeps web\n"
            "                      requests in flight on one event loop\n"
            "  --threads N         threads for CPU work (default: --concurrency; fetch 2)\n"
            "  --allow-net CIDRS   fetch: let requests reach these private ranges, e.g.\n"
            "                      127.0.0.0/8,::1/128 (default: none; env LODE_ALLOW_NET)\n"
            "  --user-agent S      fetch: HTTP User-Agent (env LODE_USER_AGENT)\n"
            "  --per-host N        fetch: requests at once to one host (default 8)\n"
            "  --per-host-rps N    fetch: request starts per second to one host (default\n"
            "                      unlimited)\n"
            "  --lang CODE         fetch: preferred caption language (default en)\n"
            "  --engine E          extractive (the default), or noop: report every job\n"
            "                      done at once without touching it (cluster benchmarks)\n"

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
                                             {"threads", required_argument, 0, 'T'},
                                             {"allow-net", required_argument, 0, 'A'},
                                             {"user-agent", required_argument, 0, 'U'},
                                             {"per-host", required_argument, 0, 'H'},
                                             {"per-host-rps", required_argument, 0, 'R'},
                                             {"lang", required_argument, 0, 'g'},
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
        case 'T':
            opts.threads = atoi(optarg);
            break;
        case 'A':
            opts.allow_net = optarg;
            break;
        case 'U':
            opts.user_agent = optarg;
            break;
        case 'H':
            opts.per_host_max = atoi(optarg);
            break;
        case 'R':
            opts.per_host_rps = atoi(optarg);
            break;
        case 'g':
            opts.src.lang = optarg;
            break;
        case 't':
            opts.heartbeat_ms = atoi(optarg);
            break;
        case 'e':
            if (strcmp(optarg, "noop") == 0) {
                opts.noop = true;
            } else if (strcmp(optarg, "extractive") != 0) {
                fprintf(stderr, "lode-worker: unknown engine \"%s\" (have: extractive, noop)\n",
                        optarg);
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
    if (!opts.allow_net)
        opts.allow_net = getenv("LODE_ALLOW_NET");
    if (!opts.user_agent)
        opts.user_agent = getenv("LODE_USER_AGENT");
    if (opts.concurrency <= 0 && opts.stage == JOB_STAGE_FETCH)
        opts.concurrency = 64;
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
