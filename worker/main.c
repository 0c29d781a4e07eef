/*  main.c - lode-worker: parse arguments, run one stage worker.
 *  Every setting is one row of s_defs (opts.h): flag, settings-file key,
 *  environment variable and --help text; flags > environment > file >
 *  defaults.
 *  SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "config.h"
#include "curve.h"
#include "log.h"
#include "mem.h"
#include "opts.h"
#include "service.h"
#include "worker.h"

#define LODE_VERSION     "0.1.0"
#define LLM_BASE_DEFAULT "https://api.openai.com/v1"
#define KEY_FILE_MAX     4096

/* The API key from a file (first line, white space trimmed), or NULL and
 * *err. The key itself never reaches a message. */
static char *s_read_key(const char *path, err_t *err)
{
    FILE *f = fopen(path, "r");
    char line[KEY_FILE_MAX];
    if (!f || !fgets(line, sizeof line, f)) {
        err_set(err, LODE_EIO, "cannot read %s: %s", path,
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
        err_set(err, LODE_EINVAL, "%s holds no key on its first line", path);
        return NULL;
    }
    return mem_strndup(k, n);
}

#define OPTS_STRUCT s_settings_t /* the table rows name its fields (opts.h) */

typedef struct {
    worker_opts_t w; /* its strings borrow from argv, the environment and held */
    const char *broker;
    const char *config;
    char *key; /* owned */
    int level;
    opts_t *held; /* owned: the settings file's strings */
} s_settings_t;

static int s_stage(void *st, const char *arg, err_t *err)
{
    int stage = job_stage_parse(arg);
    if (stage < 0)
        return err_set(err, LODE_EINVAL, "unknown stage \"%.40s\"", arg), -1;
    ((s_settings_t *)st)->w.stage = (job_stage_t)stage;
    return 0;
}

static int s_engine(void *st, const char *arg, err_t *err)
{
    worker_opts_t *o = &((s_settings_t *)st)->w;
    o->noop = strcmp(arg, "noop") == 0;
    o->openai = strcmp(arg, "openai") == 0;
    if (!o->noop && !o->openai && strcmp(arg, "extractive") != 0)
        return err_set(err, LODE_EINVAL,
                       "unknown engine \"%.40s\" (have: extractive, openai, noop)", arg),
               -1;
    return 0;
}

static int s_level(void *st, const char *arg, err_t *err)
{
    if ((((s_settings_t *)st)->level = log_level_parse(arg)) < 0)
        return err_set(err, LODE_EINVAL, "expected error, warn, info or debug"), -1;
    return 0;
}

static int s_key_file(void *st, const char *arg, err_t *err)
{
    s_settings_t *s = st;
    free(s->key);
    return (s->key = s_read_key(arg, err)) ? 0 : -1;
}

static int s_timeout(void *st, const char *arg, err_t *err)
{
    char *end;
    long v = strtol(arg, &end, 10);
    if (end == arg || *end || v < 1 || v > 86400)
        return err_set(err, LODE_EINVAL, "expected a number from 1 to 86400"), -1;
    ((s_settings_t *)st)->w.llm.timeout_ms = (int)v * 1000;
    return 0;
}

static int s_context(void *st, const char *arg, err_t *err)
{
    char *end;
    long v = strtol(arg, &end, 10);
    if (end == arg || *end || v < 512 || v > 10000000)
        return err_set(err, LODE_EINVAL, "expected a number from 512 to 10000000"), -1;
    ((s_settings_t *)st)->w.context_tokens = (size_t)v;
    return 0;
}

static int s_temperature(void *st, const char *arg, err_t *err)
{
    char *end;
    double t = strtod(arg, &end);
    if (end == arg || *end || !((t >= 0 && t <= 2.0) || t == -1)) /* NaN fails too */
        return err_set(err, LODE_EINVAL, "expected 0 to 2, or -1"), -1;
    ((s_settings_t *)st)->w.llm.temperature = t;
    return 0;
}

static int s_format(void *st, const char *arg, err_t *err)
{
    int fmt = llm_format_parse(arg);
    if (fmt < 0)
        return err_set(err, LODE_EINVAL, "expected auto, schema, json or text"), -1;
    ((s_settings_t *)st)->w.llm.format = (llm_format_t)fmt;
    return 0;
}

/* Refused: a key in arguments shows in ps and logs. The value is not shown.
 * Named so that getopt_long never takes it for llm-api-key-file. */
static int s_no_key(void *st, const char *arg, err_t *err)
{
    (void)st;
    (void)arg;
    return err_set(err, LODE_EINVAL,
                   "not an option (a key in arguments shows in ps and logs): put it in a file "
                   "for --llm-api-key-file, or in LODE_LLM_API_KEY"),
           -1;
}

/* Every setting of lode-worker: flag, settings-file key, environment, help. */
static const opt_def_t s_defs[] = {
    OPTS_CALL(
        "stage", "LODE_STAGE", "S", s_stage, "fetch, snippet, synthesis or fanout (required)"),
    OPTS_STR("broker",
             "LODE_BROKER",
             "ENDPOINT",
             broker,
             "broker to connect (default " CONFIG_BROKER_DEFAULT ")"),
    OPTS_STR("redis",
             "LODE_REDIS",
             "URL",
             w.redis_url,
             "redis://[[user:]password@]host:port[/db]\n(default " CONFIG_REDIS_DEFAULT ")"),
    OPTS_STR("prefix",
             "LODE_PREFIX",
             "P",
             w.prefix,
             "Redis key prefix (default " CONFIG_PREFIX_DEFAULT ")"),
    {"config", 0, OPT_CONFIG, "LODE_CONFIG", "FILE",
     "settings file: \"option = value\" lines, any long\noption; see docs/config.md", 0, 0, 0,
     NULL},
    OPTS_INT("concurrency",
             "LODE_CONCURRENCY",
             w.concurrency,
             1,
             4096,
             "credits: jobs held at once (default 1; fetch and\n--engine openai 64)"),
    OPTS_INT("threads",
             "LODE_THREADS",
             w.threads,
             1,
             256,
             "threads for CPU work (default: --concurrency;\nfetch 2)"),
    OPTS_CALL("engine",
              "LODE_ENGINE",
              "E",
              s_engine,
              "text stages: extractive (default), openai (any\nOpenAI-compatible server), or noop "
              "(benchmarks)"),
    OPTS_SECTION("fetch:"),
    OPTS_STR("allow-net",
             "LODE_ALLOW_NET",
             "CIDRS",
             w.allow_net,
             "let requests reach these private ranges, e.g.\n127.0.0.0/8,::1/128 (default none)"),
    OPTS_STR("user-agent", "LODE_USER_AGENT", "S", w.user_agent, "HTTP User-Agent"),
    OPTS_INT("per-host",
             "LODE_PER_HOST",
             w.per_host_max,
             1,
             1024,
             "requests at once to one host (default 8)"),
    OPTS_INT("per-host-rps",
             "LODE_PER_HOST_RPS",
             w.per_host_rps,
             0,
             100000,
             "request starts per second to one host\n(default 0: unlimited)"),
    OPTS_STR("lang", "LODE_LANG", "CODE", w.src.lang, "preferred caption language (default en)"),
    OPTS_SECTION("--engine openai:"),
    OPTS_STR("llm-base-url",
             "LODE_LLM_BASE_URL",
             "URL",
             w.llm.base_url,
             "server's API root (default " LLM_BASE_DEFAULT ";\nOllama http://127.0.0.1:11434/v1)"),
    OPTS_STR("llm-model", "LODE_LLM_MODEL", "NAME", w.llm.model, "model (required)"),
    OPTS_CALL("llm-api-key-file",
              NULL,
              "FILE",
              s_key_file,
              "read the API key from FILE; else LODE_LLM_API_KEY,\nelse OPENAI_API_KEY; none = no "
              "Authorization\nheader. The key is never logged"),
    OPTS_CALL("llm-timeout-s",
              "LODE_LLM_TIMEOUT_S",
              "N",
              s_timeout,
              "one request, connect to last byte (default 300)"),
    OPTS_INT("llm-in-flight",
             "LODE_LLM_IN_FLIGHT",
             w.llm.max_in_flight,
             1,
             4096,
             "requests at once (default 64)"),
    OPTS_CALL(
        "llm-context",
        "LODE_LLM_CONTEXT",
        "N",
        s_context,
        "the model's context window in tokens; longer\nsources are mined in overlapping chunks "
        "(default 8192)"),
    OPTS_INT("llm-max-tokens",
             "LODE_LLM_MAX_TOKENS",
             w.llm.max_tokens,
             16,
             1000000,
             "answer tokens asked for and reserved\n(default 2048)"),
    OPTS_CALL("llm-temperature",
              "LODE_LLM_TEMPERATURE",
              "X",
              s_temperature,
              "default 0.2; -1 = the server's"),
    OPTS_CALL("llm-format",
              "LODE_LLM_FORMAT",
              "F",
              s_format,
              "auto, schema, json or text (default auto: schema,\nstepping down when the server "
              "refuses it)"),
    OPTS_INT("llm-attempts",
             "LODE_LLM_ATTEMPTS",
             w.llm.max_attempts,
             1,
             100,
             "tries per request on 429, 5xx, timeouts\n(default 3)"),
    OPTS_STR("prompts",
             "LODE_PROMPTS",
             "DIR",
             w.prompts_dir,
             "prompt overrides; then ~/.config/lode/prompts,\nthe installed and built-in copies"),
    OPTS_INT("max-snippets",
             "LODE_MAX_SNIPPETS",
             w.max_snippets,
             1,
             1000,
             "snippets kept per job (default: by the source's\nlength, 19 for ~2,000 words, 42 for "
             "10,000; see\nextract.h)"),
    OPTS_CALL("llm-api-key", NULL, "KEY", s_no_key, NULL), /* not in --help */
    OPTS_SECTION("other:"),
    OPTS_INT("heartbeat-ms",
             "LODE_HEARTBEAT_MS",
             w.heartbeat_ms,
             10,
             600000,
             "heartbeat interval (default 1000)"),
    OPTS_STR("curve-cert",
             "LODE_CURVE_CERT",
             "FILE",
             w.curve.cert,
             "own CURVE certificate (from lode keygen)"),
    OPTS_STR("curve-server",
             "LODE_CURVE_SERVER",
             "FILE",
             w.curve.server,
             "the broker's public certificate"),
    OPTS_INT("delay-ms", NULL, w.delay_ms, 0, 3600000, "sleep N ms before each job (fault tests)"),
    OPTS_CALL(
        "log-level", "LODE_LOG_LEVEL", "L", s_level, "error, warn, info or debug (default info)"),
    {"print-config", 0, OPT_PRINT, NULL, NULL, "print each setting and where it came from", 0, 0, 0,
     NULL},
    {"help", 'h', OPT_HELP, NULL, NULL, "this text", 0, 0, 0, NULL},
    {"version", 0, OPT_VERSION, NULL, NULL, "the version", 0, 0, 0, NULL},
    {0},
};

static const char *const s_config_env[] = {"LODE_CONFIG", NULL};

static const opts_spec_t s_spec = {
    .prog = "lode-worker",
    .version = LODE_VERSION,
    .usage = "usage: lode-worker --stage fetch|snippet|synthesis|fanout [options]\n"
             "\n"
             "Runs one pipeline stage for jobs handed out by lode-broker. Stateless:\n"
             "start as many as you like, on any machine that reaches the broker and Redis.\n"
             "Settings: flags > environment > settings file > defaults (docs/config.md,\n"
             "lode-worker(8)).\n\n",
    .defs = s_defs,
    .config_env = s_config_env,
};

/* Free what the settings own; their borrowed strings die with it. */
static void s_settings_clear(s_settings_t *st)
{
    opts_free(&st->held);
    free(st->key);
    st->key = NULL;
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

static int s_argc;
static char **s_argv;

/* SIGHUP: read the settings again and take the log level; the rest needs a
 * restart. Logs go to stderr: no file to reopen. */
static void s_reload(void *arg)
{
    (void)arg;
    s_settings_t st = {.w = {.stage = JOB_STAGE_COUNT}, .level = LOGL_INFO};
    if (opts_parse(&s_spec, &st, s_argc, s_argv, &st.held) == OPTS_OK) {
        log_level = (log_level_t)st.level;
        log_info("worker", "SIGHUP: settings re-read, log level %d", st.level);
    } else {
        log_warn("worker", "SIGHUP: settings not re-read (see above); the running ones stay");
    }
    s_settings_clear(&st);
}

int main(int argc, char **argv)
{
    s_argc = argc;
    s_argv = argv;
    service_init(s_reload, NULL);
    s_settings_t st = {.w = {.stage = JOB_STAGE_COUNT, .llm.temperature = 0.2}, .level = LOGL_INFO};
    int rc = opts_parse(&s_spec, &st, argc, argv, &st.held);
    if (rc == 0)
        rc = s_check_llm(&st);
    if (rc == 0 && st.w.stage == JOB_STAGE_COUNT) {
        fprintf(stderr, "lode-worker: --stage is required (lode-worker --help)\n");
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
    log_flush(); /* the count of any warnings the rate limit left out */
    worker_destroy(&worker);
    s_settings_clear(&st);
    return rc == 0 ? 0 : 1;
}
