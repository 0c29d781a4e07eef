/*  commands.c - the lode command table: every command's name, function,
 *  summary and --help text; global options (before or after the command)
 *  and the dispatch to the command modules.
 *  SPDX-License-Identifier: MIT
 */
#include "commands.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "batch.h"
#include "cli.h"
#include "cliconf.h"
#include "config.h"
#include "curate.h"
#include "dead.h"
#include "keygen.h"
#include "list.h"
#include "mem.h"
#include "promptcmd.h"
#include "search.h"
#include "status.h"
#include "submit.h"
#include "top.h"
#include "view.h"
#include "wait.h"
#include "web_cmd.h"

typedef int (*cli_cmd_fn)(cli_t *cli, int argc, char **argv);

typedef struct {
    const char *name;    /* command word */
    cli_cmd_fn run;      /* returns the exit code */
    const char *summary; /* one line for `lode help` */
    const char *usage;   /* the command's --help text */
} cli_cmd_t;

static const cli_cmd_t s_cmds[] = {
    {"submit", submit_run, "submit sources (files, URLs, text) as one batch",
     "usage: lode submit [--text STRING|-] [--name BATCH] [--episode E] [--wait] [--json]\n"
     "                   [FILE|URL ...]\n"
     "       lode submit -f FILE|- [--name BATCH] [--skip-done] [--episode E] [--wait]\n"
     "                   [--json]\n"
     "\n"
     "Submit sources as one batch; print one job id per line (--text first).\n"
     "  FILE            a text, Markdown, WebVTT or SRT file, uploaded; binary files\n"
     "                  (PDF, images, executables...) and files over 50 MB are refused\n"
     "  URL             http(s)://..., or host/path such as youtu.be/ID (https://\n"
     "                  is assumed); other schemes and malformed URLs are refused\n"
     "  -f FILE|-       read sources from FILE (stdin for -), one per line: URLs and\n"
     "                  paths of local files, mixed; blank lines and # comments are\n"
     "                  skipped, bad lines reported (\"line N: ...\") and skipped,\n"
     "                  duplicate URLs dropped. Prints the batch id; the URLs stream\n"
     "                  to the broker in chunks of 1000\n"
     "  --skip-done     with -f: a URL whose last job is done joins as that job\n"
     "  --text STRING   submit STRING as text; --text - reads stdin\n"
     "  --name BATCH    a name for the batch\n"
     "  --episode E     podcast feeds: the episode's GUID, number N (1 = newest) or\n"
     "                  \"latest\" (the default)\n"
     "  --wait          wait until every job is done or failed (progress bar on a\n"
     "                  terminal, else a line every 5 s); exits 4 if any failed\n"
     "  --json          print {\"batch\": ID, \"jobs\": [ID...]}\n"
     "\n"
     "Examples:\n"
     "  lode submit talk.vtt notes.md https://youtu.be/ID\n"
     "  lode submit -f urls.txt --name reading-list --wait\n"
     "  echo \"...\" | lode submit --text - --json\n"},
    {"status", status_run, "cluster counters, or one job's state",
     "usage: lode status [JOB] [--json] [--pub ENDPOINT]\n"
     "\n"
     "Without JOB: queue length per stage, jobs in flight, dead letters, totals.\n"
     "With JOB: its state, stage, attempts and last error. When jobs wait, a note\n"
     "names any stage with no workers (from the broker's stats at --pub, as top).\n"
     "Waits out a Redis restart for --timeout (default 10 s) before exit 6.\n"
     "\n"
     "Examples:\n"
     "  lode status\n"
     "  lode status 01J9ZK --json\n"},
    {"wait", wait_run, "wait for jobs, or a batch, to finish",
     "usage: lode wait JOB... [--timeout SEC] [--json]\n"
     "       lode wait BATCH [--timeout SEC] [--json]\n"
     "\n"
     "Wait until every job is done or failed. Exits 0 when all are done, 4 if any\n"
     "failed, 5 if --timeout ran out first (no limit unless --timeout is given).\n"
     "For a batch: a progress bar with rate and ETA on a terminal, else one line\n"
     "every 5 s, with counts per state and per stage. A Redis restart is waited\n"
     "out with a note (exit 6 only once --timeout runs out).\n"
     "\n"
     "Examples:\n"
     "  lode wait 01J9ZK3M 01J9ZK4Q --timeout 600\n"
     "  lode wait BATCH_ID\n"},
    {"batch", batch_run, "a batch's counts per state and stage, or all its documents",
     "usage: lode batch status BATCH [--json] [--prices FILE]\n"
     "       lode batch export BATCH [--format jsonl|md] [-o FILE]\n"
     "\n"
     "status: jobs per state (queued, running, done, failed, expanded) and per\n"
     "stage, and what lode submit -f counted in its input.\n"
     "export: every document of the batch with curation applied, as JSON Lines\n"
     "(one compact document per line; the default) or Markdown (documents\n"
     "separated by ---), to stdout or FILE.\n"
     "\n"
     "Examples:\n"
     "  lode batch status BATCH_ID\n"
     "  lode batch export BATCH_ID --format md -o reading.md\n"},
    {"dead", dead_list_run, "list dead-lettered (failed) jobs with their reasons",
     "usage: lode dead [--limit N] [--json]\n"
     "\n"
     "Failed jobs, newest first (default 50): the stage that failed, attempts, the\n"
     "error code and the reason. lode retry puts them back in a queue.\n"
     "\n"
     "Examples:\n"
     "  lode dead\n"
     "  lode dead --limit 5 --json\n"},
    {"retry", dead_retry_run, "put failed jobs back in a queue",
     "usage: lode retry JOB... [--stage S] [--json]\n"
     "       lode retry --all [--stage S] [--json]\n"
     "\n"
     "Re-queue failed jobs with their attempts reset. With JOB ids, --stage S restarts\n"
     "them at stage S (default: the stage that failed). With --all, every dead-lettered\n"
     "job, or only those that failed at stage S. Prints the ids (or the count).\n"
     "\n"
     "Examples:\n"
     "  lode retry 01J9ZK3M\n"
     "  lode retry --all --stage snippet --json\n"},
    {"show", view_show_run, "show a job's document as a page",
     "usage: lode show JOB [--all] [--json]\n"
     "       lode show JOB --stats [--json] [--prices FILE]\n"
     "\n"
     "The document as a page: §01 source, §02 snippets, §03 synthesis, §04 fan-out,\n"
     "with curation applied. Dropped snippets are hidden (--all shows them).\n"
     "A job that is not done shows what exists so far and its state; a failed one\n"
     "says its failure once, at the top, with what to do. On a terminal the page\n"
     "goes through $PAGER (default less). --json prints the export JSON instead.\n"
     "\n"
     "--stats shows how each text stage was made instead: engine, model, the hash\n"
     "and origin of the prompt, requests, chunks, repairs, prompt and completion\n"
     "tokens, and the quote checks (proposed, exact, normalised, snapped,\n"
     "rejected). With a price table (--prices FILE, $LODE_PRICES or\n"
     "~/.config/lode/prices.conf: lines \"MODEL INPUT_USD_PER_1M OUTPUT_USD_PER_1M\",\n"
     "MODEL may be a glob) it adds a cost estimate.\n"
     "\n"
     "Examples:\n"
     "  lode show 01J9ZK3M\n"
     "  lode show 01J9ZK3M --stats\n"
     "  lode show 01J9ZK3M --json | jq .synthesis\n"},
    {"export", view_export_run, "export a job's document as JSON or Markdown",
     "usage: lode export JOB [--format json|md] [--compact] [-o FILE]\n"
     "\n"
     "Print the document with curation applied: JSON as in DESIGN.md plus\n"
     "provenance (\"curated\", \"proposed\", \"curation\"), or Markdown.\n"
     "--compact prints the JSON on one line. -o FILE writes to FILE.\n"
     "\n"
     "Examples:\n"
     "  lode export 01J9ZK3M --format md -o talk.md\n"
     "  lode export 01J9ZK3M --compact\n"},
    {"top", top_run, "live view of the cluster: stages, rates, stage times, workers",
     "usage: lode top [--once] [--json] [--pub ENDPOINT]\n"
     "\n"
     "Show the broker's stats snapshot (published once a second on its --pub socket):\n"
     "per stage queue depth, jobs in flight, done/s and failed/s over the last few\n"
     "seconds, p50/p99 stage time; per worker its host, stage, load (jobs held /\n"
     "capacity), jobs done and stage times. Redraws in place on a terminal (q or\n"
     "Ctrl-C quits), prints one block per snapshot otherwise.\n"
     "\n"
     "  --pub ENDPOINT  the broker's stats socket (env LODE_PUB, default\n"
     "                  tcp://127.0.0.1:5556); CURVE uses --curve-cert/--curve-server\n"
     "  --once          print one snapshot and exit; exits 6 if none arrives within\n"
     "                  --timeout (default 10 s)\n"
     "  --json          with --once: the snapshot as JSON (fields in client/top.h)\n"
     "\n"
     "Examples:\n"
     "  lode top\n"
     "  lode top --once --json\n"},
    {"admin", admin_run, "store maintenance: migrate into partitions, rebuild the search index",
     "usage: lode admin migrate --partitions N [--from URL] [--dry-run] [--json]\n"
     "       lode admin reindex [--json]\n"
     "\n"
     "Move a store of one partition (one Redis server, plain key names) into N\n"
     "partitions (2..1024; see README \"Partitions and Redis Cluster\"). Stop the\n"
     "broker and workers first. --dry-run only counts what would move. Safe to run\n"
     "again: an interrupted run is finished, a finished one changes nothing.\n"
     "--from URL: the store to move is on that single Redis; it moves into the store\n"
     "of --redis (a Redis Cluster, redis+cluster://…, or another server), which must\n"
     "hold no other store; keys are copied, then deleted from URL.\n"
     "\n"
     "Examples:\n"
     "  lode admin migrate --partitions 16 --dry-run\n"
     "  lode admin migrate --partitions 16\n"
     "  lode --redis redis+cluster://10.0.0.1:7000 admin migrate --partitions 16 \\\n"
     "      --from redis://10.0.0.9:6379\n"
     "\n"
     "reindex walks every job again and indexes the finished ones for search (lode\n"
     "search, the workbench's library); lode web keeps the index up to date itself.\n"
     "  lode admin reindex\n"},
    {"list", list_run, "list jobs, newest first",
     "usage: lode list [--state S] [--batch BATCH] [--since T] [--limit N] [--json]\n"
     "\n"
     "The newest jobs first (default 20): id, state, stage, kind, title or name or URL\n"
     "(a --text job's title is its first words).\n"
     "  --state S       only jobs in state S: queued, running, done, failed, expanded\n"
     "  --batch BATCH   only the jobs of batch BATCH\n"
     "  --since T       only jobs created since T: a duration ago (90s, 30m, 2h, 7d)\n"
     "                  or a UTC date YYYY-MM-DD[THH:MM[:SS]]\n"
     "\n"
     "Examples:\n"
     "  lode list\n"
     "  lode list --state failed --since 2h\n"
     "  lode list --batch BATCH_ID --json\n"},
    {"search", search_run, "find jobs by the words of their titles, quotes and commentary",
     "usage: lode search [--state S] [--kind K] [--limit N] [--json] WORDS...\n"
     "\n"
     "The jobs whose title, kept quotes or commentary (as curated) hold every word,\n"
     "newest first (default 20). Words match by stem (\"efficient\" finds\n"
     "\"efficiency\") in English, German, French, Spanish, Italian, Portuguese and\n"
     "Dutch; Chinese, Japanese and Korean match by pairs of characters. Words too\n"
     "common to mean anything (\"the\", \"und\") are left out. Uses the index that\n"
     "lode web keeps; run lode admin reindex to build it without lode web.\n"
     "  --state S       only jobs in state S\n"
     "  --kind K        only jobs of kind K: url, text, file\n"
     "  --limit N       at most N jobs (1 to 1000)\n"
     "  --json          an array of {id, title, state, kind, url, created_ms, snippets,\n"
     "                  curated}\n"
     "\n"
     "Examples:\n"
     "  lode search sample efficiency\n"
     "  lode search --json 機械学習\n"},
    {"prompts", promptcmd_run, "the openai engine's prompts: where each comes from, copy them",
     "usage: lode prompts [--prompts DIR] [--json]\n"
     "       lode prompts copy [DIR] [--force] [--json]\n"
     "\n"
     "Without a command: each prompt file the openai engine would use on this\n"
     "machine (snippet.md, synthesis.md, fanout.md, notes.md), its hash as stored\n"
     "beside each output (sha256:…), and where it comes from: --prompts DIR or\n"
     "$LODE_PROMPTS, ~/.config/lode/prompts, the installed copy, or built-in.\n"
     "\n"
     "copy: write the built-in prompts to DIR (default ~/.config/lode/prompts,\n"
     "where workers look) to edit them. An existing file is kept unless --force.\n"
     "\n"
     "Examples:\n"
     "  lode prompts\n"
     "  lode prompts copy\n"},
    {"keygen", keygen_run, "write a CURVE key pair for the broker, a worker or a client",
     "usage: lode keygen PATH [--json]\n"
     "\n"
     "Write a new CURVE certificate: PATH (public; copy it into the broker's\n"
     "--curve-allow directory, or give it to peers as --curve-server) and\n"
     "PATH_secret (secret, mode 0600; give it as --curve-cert). Prints the public\n"
     "key and both paths (--json: {\"public_key\", \"public\", \"secret\"}). Never\n"
     "overwrites an existing file.\n"
     "\n"
     "Examples:\n"
     "  lode keygen ~/.config/lode/client\n"
     "  lode keygen /etc/lode/broker\n"},
    {"web", web_run, "the workbench in a browser: library, documents, curation", WEB_USAGE},
    {"keep", curate_keep_run, "keep a snippet",
     "usage: lode keep JOB SNIPPET_ID [--json]\n\nMark a snippet kept (undoes a drop).\n"
     "\n"
     "Examples:\n"
     "  lode keep 01J9ZK3M 3\n"},
    {"drop", curate_drop_run, "drop a snippet",
     "usage: lode drop JOB SNIPPET_ID [--json]\n\nMark a snippet dropped: hidden from show and "
     "Markdown,\n"
     "\"kept\": false in JSON. The proposed snippet stays stored.\n"
     "\n"
     "Examples:\n"
     "  lode drop 01J9ZK3M 3\n"
     "  lode drop 01J9ZK3M 3 --json\n"},
    {"edit", curate_edit_run, "edit a snippet's commentary or the synthesis",
     "usage: lode edit JOB SNIPPET_ID [--set TEXT|-] [--json]\n"
     "       lode edit JOB --synthesis [--set TEXT|-] [--json]\n"
     "\n"
     "Replace the commentary of a snippet, or the synthesis Markdown. Without --set,\n"
     "opens $EDITOR (else vi) on the current text; --set - reads stdin.\n"
     "\n"
     "Examples:\n"
     "  lode edit 01J9ZK3M 3\n"
     "  lode edit 01J9ZK3M --synthesis --set - < synthesis.md\n"},
    {"move", curate_move_run, "move a snippet or a fan-out item in the curated order",
     "usage: lode move JOB SNIPPET_ID POSITION [--json]\n"
     "       lode move JOB --question|--concept|--reference ITEM POSITION [--json]\n"
     "\n"
     "Move a snippet to POSITION (1-based) in the curated order of all snippets,\n"
     "dropped ones included (lode show --all lists them in order). With a list\n"
     "flag, move a fan-out item (ITEM: its number as lode show prints it, or its\n"
     "exact text) within its list. Exports follow the curated order.\n"
     "\n"
     "Examples:\n"
     "  lode move 01J9ZK3M 7 1\n"
     "  lode move 01J9ZK3M --question 3 1\n"},
    {"undo", curate_undo_run, "undo the last curation change",
     "usage: lode undo JOB [--json]\n"
     "\n"
     "Put back what the job's last curation change replaced, whoever made it\n"
     "(this CLI, another one, the web workbench). Each job remembers its last 50\n"
     "changes; undo again to go further back. If someone saves a change between\n"
     "the read and the undo, nothing is undone (exit 1): run it again.\n"
     "\n"
     "Examples:\n"
     "  lode undo 01J9ZK3M\n"},
    {"add", curate_add_run, "add a fan-out item",
     "usage: lode add JOB questions|concepts|references TEXT [--json]\n"
     "\n"
     "Add TEXT to one of the fan-out lists (questions to ask next, concepts,\n"
     "references) of a done job, after the model's items. lode remove undoes it.\n"
     "\n"
     "Examples:\n"
     "  lode add 01J9ZK3M questions \"What would change the conclusion?\"\n"},
    {"remove", curate_remove_run, "remove a fan-out item",
     "usage: lode remove JOB questions|concepts|references INDEX|TEXT [--json]\n"
     "\n"
     "INDEX is the 1-based number lode show prints; or give the item's exact text.\n"
     "\n"
     "Examples:\n"
     "  lode remove 01J9ZK3M questions 2\n"
     "  lode remove 01J9ZK3M references \"RFC 9110\"\n"},
};

#define S_N_CMDS (sizeof s_cmds / sizeof s_cmds[0])

static const char s_global_help[] =
    "Global options (before or after the command):\n"
    "  --redis URL        redis://[[user:]password@]host:port[/db] (env LODE_REDIS,\n"
    "                     default " CONFIG_REDIS_DEFAULT ")\n"
    "  --broker ENDPOINT  tcp://host:port (env LODE_BROKER, default " CONFIG_BROKER_DEFAULT ")\n"
    "  --prefix P         Redis key prefix (env LODE_PREFIX, default " CONFIG_PREFIX_DEFAULT ")\n"
    "  --timeout SEC      broker answer time limit (default 10); with wait and\n"
    "                     submit --wait also the waiting limit (default none)\n"
    "  --curve-cert FILE  own CURVE certificate from lode keygen, for a broker that\n"
    "                     requires CURVE (env LODE_CURVE_CERT)\n"
    "  --curve-server FILE the broker's public certificate (env LODE_CURVE_SERVER)\n"
    "\n"
    "Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 a job failed, 5 timeout,\n"
    "6 cannot reach the broker or Redis.\n";

/* What every command's --help ends with: the global options are printed
 * once, by `lode help options`, not in each command's help. */
static const char s_global_note[] =
    "Global options (--redis, --broker, --prefix, --timeout, --curve-cert,\n"
    "--curve-server) and exit codes: lode help options. JOB may be any unique\n"
    "prefix of a job id.\n";

static const cli_cmd_t *s_cmd_find(const char *name)
{
    for (size_t i = 0; i < S_N_CMDS; i++) {
        if (strcmp(s_cmds[i].name, name) == 0)
            return &s_cmds[i];
    }
    return NULL;
}

static void s_overview(FILE *f)
{
    fprintf(f, "usage: lode [GLOBAL OPTIONS] COMMAND [ARGS]\n\n"
               "Lode mines long-form sources into snippets, a synthesis and a fan-out;\n"
               "the model proposes, you decide what stays.\n\nCommands:\n");
    for (size_t i = 0; i < S_N_CMDS; i++)
        fprintf(f, "  %-8s %s\n", s_cmds[i].name, s_cmds[i].summary);
    fprintf(f,
            "  %-8s %s\n\nlode help COMMAND (or lode COMMAND -h): a command's help and examples.\n"
            "lode help options: the global options (--redis, --broker, --prefix,\n"
            "--timeout, --curve-*) and exit codes. JOB may be any unique prefix of a job id.\n",
            "help", "this text, a command's, or the global options'");
}

int cli_help(FILE *f, const char *cmd)
{
    if (!cmd) {
        s_overview(f);
        return 0;
    }
    if (strcmp(cmd, "options") == 0 || strcmp(cmd, "globals") == 0) {
        fprintf(f, "%s", s_global_help);
        return 0;
    }
    const cli_cmd_t *c = s_cmd_find(cmd);
    if (!c)
        return -1;
    fprintf(f, "%s\n%s", c->usage, s_global_note);
    return 0;
}

/* ------------------------------------------------------- global options */

static const char *const s_globals[] = {"--redis",      "--broker",       "--prefix",
                                        "--curve-cert", "--curve-server", "--timeout"};

#define S_N_STR_GLOBALS 5 /* the globals before --timeout: plain strings */

/* Command options that take a value, so a value is never taken for a global
 * option ("--set --redis" sets the text "--redis"). */
static const char *const s_valued[] = {"--state", "--batch",  "--since", "--text",   "--name",
                                       "--set",   "--format", "--limit", "--stage",  "--episode",
                                       "-f",      "--file",   "-o",      "--output", "--pub"};

static int s_global_index(const char *arg, size_t *n)
{
    const char *eq = strchr(arg, '=');
    *n = eq ? (size_t)(eq - arg) : strlen(arg);
    for (size_t g = 0; g < sizeof s_globals / sizeof s_globals[0]; g++) {
        if (strlen(s_globals[g]) == *n && strncmp(arg, s_globals[g], *n) == 0)
            return (int)g;
    }
    return -1;
}

static bool s_is_valued(const char *arg)
{
    for (size_t v = 0; v < sizeof s_valued / sizeof s_valued[0]; v++) {
        if (strcmp(arg, s_valued[v]) == 0)
            return true;
    }
    return false;
}

static int s_set_global(cli_t *cli, int g, const char *value)
{
    const char **slot[S_N_STR_GLOBALS] = {&cli->redis_url, &cli->broker, &cli->prefix,
                                          &cli->curve.cert, &cli->curve.server};
    if (g < S_N_STR_GLOBALS) {
        *slot[g] = value;
        return 0;
    }
    char *end = NULL;
    double sec = strtod(value, &end);
    if (!end || end == value || *end != '\0' || !(sec > 0) || sec > 86400.0 * 365)
        return cli_usage(cli, NULL, "--timeout wants a number of seconds, not \"%s\"", value);
    cli->timeout_ms = (int)(sec * 1000 + 0.5);
    if (cli->timeout_ms < 1)
        cli->timeout_ms = 1;
    cli->timeout_given = true;
    return 0;
}

/* Take the global options out of argv wherever they are; the rest, in
 * order, goes to out (command first). */
static int s_split_globals(cli_t *cli, int argc, char **argv, char **out, int *n_out)
{
    bool rest = false;
    *n_out = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        size_t n;
        int g = rest ? -1 : s_global_index(arg, &n);
        if (g >= 0) {
            const char *value = arg[n] == '=' ? arg + n + 1 : (i + 1 < argc ? argv[++i] : NULL);
            if (!value)
                return cli_usage(cli, NULL, "%s needs a value", s_globals[g]);
            if (s_set_global(cli, g, value) != 0)
                return CLI_EXIT_USAGE;
            continue;
        }
        rest = rest || (*n_out > 0 && strcmp(arg, "--") == 0);
        out[(*n_out)++] = argv[i];
        if (!rest && *n_out > 1 && s_is_valued(arg) && i + 1 < argc)
            out[(*n_out)++] = argv[++i];
    }
    return 0;
}

/* "unknown command \"sumbit\" (did you mean submit?)". */
static int s_unknown_command(cli_t *cli, const char *word)
{
    const char *names[S_N_CMDS + 1];
    for (size_t i = 0; i < S_N_CMDS; i++)
        names[i] = s_cmds[i].name;
    names[S_N_CMDS] = "help";
    const char *near = cli_suggest(word, names, S_N_CMDS + 1);
    if (near)
        return cli_usage(cli, NULL, "unknown command \"%s\" (did you mean %s?)", word, near);
    return cli_usage(cli, NULL, "unknown command \"%s\"", word);
}

static int s_dispatch(cli_t *cli, int argc, char **argv)
{
    if (argc == 0) {
        s_overview(cli->errs);
        return CLI_EXIT_USAGE;
    }
    const char *cmd = argv[0];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0 || strcmp(cmd, "version") == 0) {
        fprintf(cli->out, "lode %s\n", CLI_VERSION);
        return CLI_EXIT_OK;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        const char *what = argc > 1 ? argv[1] : NULL;
        if (cli_help(cli->out, what) != 0)
            return s_unknown_command(cli, what);
        return CLI_EXIT_OK;
    }
    const cli_cmd_t *c = s_cmd_find(cmd);
    if (!c)
        return s_unknown_command(cli, cmd);
    cli->usage = c->usage;
    cli->globals = s_global_note;
    return c->run(cli, argc, argv);
}

int cli_run(int argc, char **argv)
{
    cli_t cli = {.timeout_ms = CLI_TIMEOUT_DEFAULT_MS, .out = stdout, .errs = stderr};
    char **rest = mem_calloc((size_t)argc + 1, sizeof *rest);
    int n_rest = 0;
    int rc = s_split_globals(&cli, argc, argv, rest, &n_rest);
    err_t cerr = {0}; /* the settings file: under the environment (cliconf.h) */
    if (rc == 0 && cliconf_load(&cerr) != 0)
        rc = cli_fail(&cli, &cerr);
    if (rc == 0) {
        cli.redis_url = config_redis_url(cli.redis_url);
        cli.broker = config_broker_endpoint(cli.broker);
        cli.prefix = config_prefix(cli.prefix);
        curve_opts_from_env(&cli.curve);
        rc = s_dispatch(&cli, n_rest, rest);
    }
    store_destroy(&cli.store);
    free(rest);
    if (fflush(cli.out) != 0 && rc == CLI_EXIT_OK) {
        fprintf(stderr, "lode: error: cannot write output: %s\n", strerror(errno));
        rc = CLI_EXIT_ERROR;
    }
    return rc;
}
