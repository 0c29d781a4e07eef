/*  main.c - lode-worker: parse arguments, run one stage worker.
 *  Settings come from three places, the later winning: a --config file, the
 *  environment (LODE_LLM_* and friends), the command line. All three are
 *  turned into long options and parsed by the one getopt loop below.
 *  SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "config.h"
#include "curve.h"
#include "log.h"
#include "mem.h"
#include "worker.h"

#define LODE_VERSION     "0.1.0"
#define LLM_BASE_DEFAULT "https://api.openai.com/v1"
#define KEY_FILE_MAX     4096

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
            "  --config FILE       settings file: \"option = value\" lines, option being\n"
            "                      any long option below (env LODE_CONFIG); the\n"
            "                      environment and the command line override it\n"
            "  --concurrency N     credits: jobs held at once (default 1; fetch and\n"
            "                      --engine openai 64). Extractive text stages run each\n"
            "                      on its own thread; fetch and openai keep requests in\n"
            "                      flight on one event loop\n"
            "  --threads N         threads for CPU work (default: --concurrency; fetch 2)\n"
            "  --engine E          text stages: extractive (the default), openai (any\n"
            "                      OpenAI-compatible chat-completions server), or noop:\n"
            "                      report every job done at once (cluster benchmarks)\n"
            "\n"
            "fetch:\n"
            "  --allow-net CIDRS   let requests reach these private ranges, e.g.\n"
            "                      127.0.0.0/8,::1/128 (default: none; env LODE_ALLOW_NET)\n"
            "  --user-agent S      HTTP User-Agent (env LODE_USER_AGENT)\n"
            "  --per-host N        requests at once to one host (default 8)\n"
            "  --per-host-rps N    request starts per second to one host (default\n"
            "                      unlimited)\n"
            "  --lang CODE         preferred caption language (default en)\n"
            "\n"
            "--engine openai (each also from the environment variable named):\n"
            "  --llm-base-url URL  server's API root (LODE_LLM_BASE_URL, default\n"
            "                      " LLM_BASE_DEFAULT "; Ollama http://127.0.0.1:11434/v1)\n"
            "  --llm-model NAME    model (LODE_LLM_MODEL; required)\n"
            "  --llm-api-key-file FILE  read the API key from FILE; else LODE_LLM_API_KEY,\n"
            "                      else OPENAI_API_KEY; none = no Authorization header.\n"
            "                      The key is never logged\n"
            "  --llm-timeout-s N   one request, connect to last byte (LODE_LLM_TIMEOUT_S,\n"
            "                      default 300)\n"
            "  --llm-in-flight N   requests at once (LODE_LLM_IN_FLIGHT, default 64)\n"
            "  --llm-context N     the model's context window in tokens; longer sources\n"
            "                      are mined in overlapping chunks (LODE_LLM_CONTEXT,\n"
            "                      default 8192)\n"
            "  --llm-max-tokens N  answer tokens asked for and reserved (LODE_LLM_MAX_TOKENS,\n"
            "                      default 2048)\n"
            "  --llm-temperature X (LODE_LLM_TEMPERATURE, default 0.2; -1 = server's)\n"
            "  --llm-format F      auto, schema (json_schema), json (json_object) or text\n"
            "                      (LODE_LLM_FORMAT, default auto: schema, stepping down\n"
            "                      when the server refuses it)\n"
            "  --llm-attempts N    tries per request on 429, 5xx, timeouts before the job\n"
            "                      goes back to the broker (LODE_LLM_ATTEMPTS, default 3)\n"
            "  --prompts DIR       prompt overrides (snippet.md, synthesis.md, fanout.md,\n"
            "                      notes.md; LODE_PROMPTS); then ~/.config/lode/prompts,\n"
            "                      then the installed and built-in copies\n"
            "  --max-snippets N    snippets kept per job (default: by the source's length,\n"
            "                      19 for ~2,000 words, 42 for 10,000; see extract.h)\n"
            "\n"
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

/* Settings read from the environment, as the long options they stand for. */
static const char *const s_env[][2] = {
    {"LODE_LLM_BASE_URL", "llm-base-url"},
    {"LODE_LLM_MODEL", "llm-model"},
    {"LODE_LLM_TIMEOUT_S", "llm-timeout-s"},
    {"LODE_LLM_IN_FLIGHT", "llm-in-flight"},
    {"LODE_LLM_CONTEXT", "llm-context"},
    {"LODE_LLM_MAX_TOKENS", "llm-max-tokens"},
    {"LODE_LLM_TEMPERATURE", "llm-temperature"},
    {"LODE_LLM_FORMAT", "llm-format"},
    {"LODE_LLM_ATTEMPTS", "llm-attempts"},
    {"LODE_PROMPTS", "prompts"},
    {"LODE_ALLOW_NET", "allow-net"},
    {"LODE_USER_AGENT", "user-agent"},
};

/* A whole number in [lo, hi], or -1 with a message. */
static int s_int(const char *name, const char *arg, long lo, long hi, int *out)
{
    char *end;
    long v = strtol(arg, &end, 10);
    if (end == arg || *end || v < lo || v > hi) {
        fprintf(stderr, "lode-worker: --%s: expected a number from %ld to %ld, got \"%s\"\n", name,
                lo, hi, arg);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* The API key from a file (first line, white space trimmed), or NULL with a
 * message. The key itself never reaches a message. */
static char *s_read_key(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[KEY_FILE_MAX];
    if (!f || !fgets(line, sizeof line, f)) {
        fprintf(stderr, "lode-worker: --llm-api-key-file: cannot read %s: %s\n", path,
                f ? "the file is empty" : strerror(errno));
        if (f)
            fclose(f);
        return NULL;
    }
    fclose(f);
    char *k = line + strspn(line, " \t");
    size_t n = strcspn(k, "\r\n");
    while (n > 0 && (k[n - 1] == ' ' || k[n - 1] == '\t'))
        n--;
    if (n == 0) {
        fprintf(stderr, "lode-worker: --llm-api-key-file: %s holds no key on its first line\n",
                path);
        return NULL;
    }
    return mem_strndup(k, n);
}

typedef struct {
    worker_opts_t w; /* its strings borrow from argv, fargs and env_args */
    const char *broker;
    const char *config;
    char *key;       /* owned */
    char **fargs;    /* owned: the --config file's settings as options */
    int n_fargs;     /* entries of fargs */
    char **env_args; /* owned: the environment's settings as options (NULL holes) */
    int level;
} s_settings_t;

/* Free what the settings own; their borrowed strings die with it. */
static void s_settings_clear(s_settings_t *st)
{
    for (size_t i = 0; st->env_args && i < sizeof s_env / sizeof s_env[0]; i++)
        free(st->env_args[i]);
    free(st->env_args);
    config_args_free(st->fargs, st->n_fargs);
    free(st->key);
    st->env_args = st->fargs = NULL;
    st->key = NULL;
}

static const struct option s_longopts[] = {{"stage", required_argument, 0, 's'},
                                           {"broker", required_argument, 0, 'b'},
                                           {"redis", required_argument, 0, 'r'},
                                           {"prefix", required_argument, 0, 'p'},
                                           {"config", required_argument, 0, 'F'},
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
                                           {"llm-base-url", required_argument, 0, 1},
                                           {"llm-model", required_argument, 0, 2},
                                           {"llm-api-key-file", required_argument, 0, 3},
                                           {"llm-timeout-s", required_argument, 0, 4},
                                           {"llm-in-flight", required_argument, 0, 5},
                                           {"llm-context", required_argument, 0, 6},
                                           {"llm-max-tokens", required_argument, 0, 7},
                                           {"llm-temperature", required_argument, 0, 8},
                                           {"llm-format", required_argument, 0, 9},
                                           {"llm-attempts", required_argument, 0, 10},
                                           {"prompts", required_argument, 0, 11},
                                           {"max-snippets", required_argument, 0, 12},
                                           /* Refused: named so that getopt_long never takes
                                            * it for an abbreviation of llm-api-key-file. */
                                           {"llm-api-key", required_argument, 0, 13},
                                           {"help", no_argument, 0, 'h'},
                                           {"version", no_argument, 0, 'V'},
                                           {0, 0, 0, 0}};

/* Apply one option. 0 to go on, 1 to exit 0 (help, version), 2 on a bad
 * value (the message is printed). */
static int s_apply(s_settings_t *st, int c, const char *arg)
{
    worker_opts_t *o = &st->w;
    int n, stage, fmt;
    switch (c) {
    case 's':
        if ((stage = job_stage_parse(arg)) < 0) {
            fprintf(stderr, "lode-worker: unknown stage \"%s\"\n", arg);
            return 2;
        }
        o->stage = (job_stage_t)stage;
        return 0;
    case 'b':
        st->broker = arg;
        return 0;
    case 'r':
        o->redis_url = arg;
        return 0;
    case 'p':
        o->prefix = arg;
        return 0;
    case 'F':
        st->config = arg;
        return 0;
    case 'c':
        return s_int("concurrency", arg, 1, 4096, &o->concurrency) ? 2 : 0;
    case 'd':
        return s_int("delay-ms", arg, 0, 3600000, &o->delay_ms) ? 2 : 0;
    case 'T':
        return s_int("threads", arg, 1, 256, &o->threads) ? 2 : 0;
    case 'A':
        o->allow_net = arg;
        return 0;
    case 'U':
        o->user_agent = arg;
        return 0;
    case 'H':
        return s_int("per-host", arg, 1, 1024, &o->per_host_max) ? 2 : 0;
    case 'R':
        return s_int("per-host-rps", arg, 0, 100000, &o->per_host_rps) ? 2 : 0;
    case 'g':
        o->src.lang = arg;
        return 0;
    case 't':
        return s_int("heartbeat-ms", arg, 10, 600000, &o->heartbeat_ms) ? 2 : 0;
    case 'e':
        o->noop = strcmp(arg, "noop") == 0;
        o->openai = strcmp(arg, "openai") == 0;
        if (!o->noop && !o->openai && strcmp(arg, "extractive") != 0) {
            fprintf(stderr, "lode-worker: unknown engine \"%s\" (have: extractive, openai, noop)\n",
                    arg);
            return 2;
        }
        return 0;
    case 'C':
        o->curve.cert = arg;
        return 0;
    case 'S':
        o->curve.server = arg;
        return 0;
    case 'L':
        if ((st->level = log_level_parse(arg)) < 0) {
            fprintf(stderr, "lode-worker: unknown log level \"%s\"\n", arg);
            return 2;
        }
        return 0;
    case 1:
        o->llm.base_url = arg;
        return 0;
    case 2:
        o->llm.model = arg;
        return 0;
    case 3:
        free(st->key);
        return (st->key = s_read_key(arg)) ? 0 : 2;
    case 4:
        if (s_int("llm-timeout-s", arg, 1, 86400, &n))
            return 2;
        o->llm.timeout_ms = n * 1000;
        return 0;
    case 5:
        return s_int("llm-in-flight", arg, 1, 4096, &o->llm.max_in_flight) ? 2 : 0;
    case 6:
        if (s_int("llm-context", arg, 512, 10000000, &n))
            return 2;
        o->context_tokens = (size_t)n;
        return 0;
    case 7:
        return s_int("llm-max-tokens", arg, 16, 1000000, &o->llm.max_tokens) ? 2 : 0;
    case 8: {
        char *end;
        double t = strtod(arg, &end);
        if (end == arg || *end || !((t >= 0 && t <= 2.0) || t == -1)) { /* NaN fails too */
            fprintf(stderr, "lode-worker: --llm-temperature: expected 0 to 2, or -1\n");
            return 2;
        }
        o->llm.temperature = t;
        return 0;
    }
    case 9:
        if ((fmt = llm_format_parse(arg)) < 0) {
            fprintf(stderr, "lode-worker: --llm-format: expected auto, schema, json or text\n");
            return 2;
        }
        o->llm.format = (llm_format_t)fmt;
        return 0;
    case 10:
        return s_int("llm-attempts", arg, 1, 100, &o->llm.max_attempts) ? 2 : 0;
    case 11:
        o->prompts_dir = arg;
        return 0;
    case 12:
        return s_int("max-snippets", arg, 1, 1000, &o->max_snippets) ? 2 : 0;
    case 13: /* the value is a secret: it is not shown */
        fprintf(stderr, "lode-worker: --llm-api-key is not an option (a key in arguments shows in "
                        "ps and logs): put it in a file for --llm-api-key-file, or in "
                        "LODE_LLM_API_KEY\n");
        return 2;
    case 'h':
        s_usage(stdout);
        return 1;
    case 'V':
        printf("lode-worker %s\n", LODE_VERSION);
        return 1;
    default:
        return 2; /* s_parse has said why */
    }
}

/* An option getopt_long refused (opterr is off): its name only, never its
 * value, which may be a secret put under a mistyped name. */
static void s_bad_option(const char *elem, bool file)
{
    int name_len = (int)strcspn(elem, "=");
    fprintf(stderr, "lode-worker: %s option \"%.*s\"%s (lode-worker --help lists them)\n",
            optopt && strncmp(elem, "--", 2) == 0 ? "no value for the" : "unknown or ambiguous",
            name_len > 80 ? 80 : name_len, elem,
            file ? " in the --config file or the environment" : "");
}

/* Parse args[0..n) (args[0] is the program name); 0, 1 (exit 0) or 2. In
 * a file's args (file) every option carries its value after '=': a "key"
 * line with none must not take the next line's option as its value. */
static int s_parse(s_settings_t *st, int n, char **args, bool file)
{
    optind = 0; /* glibc: 0 re-initialises getopt for a new vector */
    opterr = 0; /* getopt's own message would show a value: s_bad_option */
    int c, rc, li = -1;
    while ((c = getopt_long(n, args, "h", s_longopts, &li)) != -1) {
        if (c == '?') {
            s_bad_option(args[optind - 1], file);
            return 2;
        }
        if (file && optarg && optarg == args[optind - 1]) {
            fprintf(stderr, "lode-worker: \"%s\" in the --config file has no value (%s = VALUE)\n",
                    s_longopts[li].name, s_longopts[li].name);
            return 2;
        }
        if ((rc = s_apply(st, c, optarg)) != 0)
            return rc;
    }
    if (optind < n) {
        fprintf(stderr, "lode-worker: unexpected argument \"%s\"%s\n", args[optind],
                file ? " in the --config file" : "");
        return 2;
    }
    return 0;
}

/* The --config file, if any (from argv or LODE_CONFIG), then the
 * environment: applied before argv, which is parsed again last and wins. */
static int s_parse_file_and_env(s_settings_t *st, int argc, char **argv)
{
    int rc = s_parse(st, argc, argv, false); /* only to find --config (and --help) */
    if (rc != 0)
        return rc;
    const char *path = st->config ? st->config : getenv("LODE_CONFIG");
    if (path && *path) {
        err_t err = {0};
        if (config_file_args(path, &st->fargs, &st->n_fargs, &err) != 0) {
            fprintf(stderr, "lode-worker: %s\n", err.msg);
            return 2;
        }
    }
    /* The strings stay in st until exit: settings point into them. */
    size_t n_env = sizeof s_env / sizeof s_env[0];
    char **args = mem_calloc((size_t)st->n_fargs + n_env + 2, sizeof *args);
    int n = 0;
    args[n++] = argv[0];
    for (int i = 0; i < st->n_fargs; i++)
        args[n++] = st->fargs[i];
    st->env_args = mem_calloc(n_env, sizeof *st->env_args);
    for (size_t i = 0; i < n_env; i++) {
        const char *v = getenv(s_env[i][0]);
        if (v && *v)
            args[n++] = st->env_args[i] = mem_printf("--%s=%s", s_env[i][1], v);
    }
    rc = s_parse(st, n, args, true);
    free(args);
    return rc == 0 ? s_parse(st, argc, argv, false) : rc;
}

/* The openai engine's settings that have no sensible default. */
static int s_check_llm(s_settings_t *st)
{
    llm_opts_t *l = &st->w.llm;
    if (!l->base_url)
        l->base_url = LLM_BASE_DEFAULT;
    if (!st->key) {
        const char *k = getenv("LODE_LLM_API_KEY");
        if (!k || !*k)
            k = getenv("OPENAI_API_KEY");
        st->key = k && *k ? mem_strdup(k) : NULL;
    }
    l->api_key = st->key;
    if (!st->w.openai)
        return 0;
    if (st->w.stage == JOB_STAGE_FETCH) {
        fprintf(stderr, "lode-worker: --engine openai is for snippet, synthesis and fanout\n");
        return 2;
    }
    if (!l->model || !*l->model) {
        fprintf(stderr, "lode-worker: --engine openai needs a model: --llm-model NAME or "
                        "LODE_LLM_MODEL (e.g. gpt-4o-mini, llama3.1:8b)\n");
        return 2;
    }
    if (st->w.concurrency <= 0)
        st->w.concurrency = 64;
    return 0;
}

int main(int argc, char **argv)
{
    s_settings_t st = {.w = {.stage = JOB_STAGE_COUNT, .llm.temperature = 0.2}, .level = LOGL_INFO};
    int rc = s_parse_file_and_env(&st, argc, argv);
    if (rc == 0)
        rc = s_check_llm(&st);
    if (rc == 0 && st.w.stage == JOB_STAGE_COUNT) {
        fprintf(stderr, "lode-worker: --stage is required\n");
        s_usage(stderr);
        rc = 2;
    }
    if (rc != 0) {
        s_settings_clear(&st);
        return rc == 1 ? 0 : 2;
    }
    log_init("lode-worker", (log_level_t)st.level);
    zsys_init();
    zsys_set_logstream(stderr);
    zsys_set_logident("lode-worker");
    st.w.broker = config_broker_endpoint(st.broker);
    if (st.w.concurrency <= 0 && st.w.stage == JOB_STAGE_FETCH)
        st.w.concurrency = 64;
    curve_opts_from_env(&st.w.curve);
    err_t err = {0};
    worker_t *worker = worker_new(&st.w, &err);
    if (!worker) {
        log_error(job_stage_name(st.w.stage), "%s", err.msg);
        s_settings_clear(&st);
        return 1;
    }
    rc = worker_run(worker);
    worker_destroy(&worker);
    s_settings_clear(&st);
    return rc == 0 ? 0 : 1;
}
