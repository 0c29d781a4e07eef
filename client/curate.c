/*  curate.c - keep, drop, edit, move, add, remove. One read of the job and
 *  of its curation layer's version, one change to the layer, one
 *  compare-and-set write of the "curated" part (jobdoc.h): if someone else
 *  (another CLI, the web workbench) saved in between, nothing is written and
 *  the command says so, instead of losing their change.
 *  SPDX-License-Identifier: MIT
 */
#include "curate.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "doc.h"
#include "editor.h"
#include "jobdoc.h"
#include "jobref.h"
#include "mem.h"

/* One curation command's state. */
typedef struct {
    cli_t *cli;           /* borrowed */
    store_t *store;       /* borrowed from cli */
    store_job_t job;      /* owned strings: the job hash */
    doc_t *doc;           /* owned */
    int64_t version;      /* of the curation layer as loaded */
    const char *cmd;      /* borrowed: argv[0] */
    bool json;            /* --json: say what was done as a JSON object */
    char id[JOB_ID_SIZE]; /* the whole job id (JOB may be a prefix) */
} curate_session_t;

/* Resolve *id (a prefix; pointed at s->id after), load the job and require
 * part (NULL: none). Returns an exit code. */
static int
s_open(cli_t *cli, const char *cmd, const char **id, const char *part, curate_session_t *s)
{
    memset(s, 0, sizeof *s);
    s->cli = cli;
    s->cmd = cmd;
    int rc = jobref_arg(cli, id, s->id);
    if (rc != CLI_EXIT_OK)
        return rc;
    err_t err = {0};
    s->store = cli_store(cli, &err);
    if (s->store)
        s->doc = jobdoc_load_versioned(s->store, *id, &s->job, &s->version, &err);
    if (!s->doc)
        return cli_fail(cli, &err);
    if (part && !doc_has_part(s->doc, part)) {
        fprintf(cli->errs, "lode: error: job %s has no %s yet (state %s, stage %s)\n", *id, part,
                s->job.state, s->job.stage);
        return CLI_EXIT_NOTFOUND;
    }
    return CLI_EXIT_OK;
}

static void s_close(curate_session_t *s)
{
    doc_destroy(&s->doc);
    store_job_clear(&s->job);
}

/* A failed curation op: a bad value from the person is a usage error. */
static int s_op_fail(curate_session_t *s, const err_t *err)
{
    int rc = cli_fail(s->cli, err);
    return err->code == LODE_EINVAL ? CLI_EXIT_USAGE : rc;
}

static int s_commit(curate_session_t *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Say what was done: the line, or with --json {"job", "command",
 * "changed", "message"}. */
static void s_say(curate_session_t *s, bool changed, const char *msg)
{
    if (!s->json) {
        fprintf(s->cli->out, "%s\n", msg);
        return;
    }
    json_t *o = json_pack("{s:s, s:s, s:b, s:s}", "job", s->id, "command", s->cmd, "changed",
                          changed, "message", msg);
    if (o)
        json_dumpf(o, s->cli->out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    fputc('\n', s->cli->out);
    json_decref(o);
}

/* Save the layer and say what was done. */
static int s_commit(curate_session_t *s, const char *fmt, ...)
{
    err_t err = {0};
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    jobdoc_save_t how = {.id = s->job.id, .version = s->version, .what = msg};
    if (jobdoc_save(s->store, s->doc, &how, NULL, &err) != 0)
        return cli_fail(s->cli, &err);
    s_say(s, true, msg);
    return CLI_EXIT_OK;
}

/* A snippet id as given ("3" or "#3"). -1 if it is not one. */
static int s_parse_sid(const char *arg, int64_t *id)
{
    const char *p = arg[0] == '#' ? arg + 1 : arg;
    char *end = NULL;
    errno = 0;
    long long v = *p >= '0' && *p <= '9' ? strtoll(p, &end, 10) : -1;
    if (v < 0 || errno != 0 || !end || *end != '\0')
        return -1;
    *id = (int64_t)v;
    return 0;
}

/* Parse "JOB SNIPPET_ID" commands: keep and drop. */
static int s_keep(cli_t *cli, int argc, char **argv, bool kept)
{
    const char *pos[2];
    size_t n;
    bool json = false;
    const cli_opt_t opts[] = {{"--json", NULL, &json}, {NULL, NULL, NULL}};
    int rc = cli_parse(cli, argc, argv, opts, pos, 2, &n);
    if (rc != 0)
        return cli_parse_exit(rc);
    int64_t sid;
    if (n != 2)
        return cli_usage(cli, argv[0], "give JOB and SNIPPET_ID");
    if (s_parse_sid(pos[1], &sid) != 0)
        return cli_usage(cli, argv[0], "\"%s\" is not a snippet id", pos[1]);
    curate_session_t s;
    rc = s_open(cli, argv[0], &pos[0], "snippets", &s);
    s.json = json;
    err_t err = {0};
    if (rc == CLI_EXIT_OK)
        rc = doc_keep(s.doc, sid, kept, &err) != 0
                 ? s_op_fail(&s, &err)
                 : s_commit(&s, "%s snippet %lld of job %s", kept ? "kept" : "dropped",
                            (long long)sid, pos[0]);
    s_close(&s);
    return rc;
}

int curate_keep_run(cli_t *cli, int argc, char **argv)
{
    return s_keep(cli, argc, argv, true);
}

int curate_drop_run(cli_t *cli, int argc, char **argv)
{
    return s_keep(cli, argc, argv, false);
}

/* The new text: --set TEXT, --set - (stdin), or the editor on current. */
static char *
s_new_text(const char *set, const char *current, const char *suffix, size_t max, err_t *err)
{
    if (set && strcmp(set, "-") == 0)
        return editor_read_stdin(max, err);
    if (set)
        return mem_strdup(set);
    return editor_edit(current, suffix, max, err);
}

static int s_edit(curate_session_t *s, const char *id, bool synthesis, int64_t sid, const char *set)
{
    err_t err = {0};
    char *current = synthesis ? doc_synthesis(s->doc, &err) : doc_commentary(s->doc, sid, &err);
    if (!current)
        return s_op_fail(s, &err);
    size_t max = synthesis ? DOC_SYNTHESIS_MAX : DOC_COMMENTARY_MAX;
    char *text = s_new_text(set, current, synthesis ? ".md" : ".txt", max, &err);
    int rc;
    if (!text)
        rc = cli_fail(s->cli, &err);
    else if (!set && strcmp(text, current) == 0)
        rc = (s_say(s, false, "no change"), CLI_EXIT_OK);
    else if ((synthesis ? doc_edit_synthesis(s->doc, text, &err)
                        : doc_edit_commentary(s->doc, sid, text, &err)) != 0)
        rc = s_op_fail(s, &err);
    else if (synthesis)
        rc = s_commit(s, "edited the synthesis of job %s", id);
    else
        rc = s_commit(s, "edited snippet %lld of job %s", (long long)sid, id);
    free(text);
    free(current);
    return rc;
}

int curate_edit_run(cli_t *cli, int argc, char **argv)
{
    const char *set = NULL;
    bool synthesis = false, json = false;
    const cli_opt_t opts[] = {{"--set", &set, NULL},
                              {"--synthesis", NULL, &synthesis},
                              {"--json", NULL, &json},
                              {NULL, NULL, NULL}};
    const char *pos[2];
    size_t n;
    int rc = cli_parse(cli, argc, argv, opts, pos, 2, &n);
    if (rc != 0)
        return cli_parse_exit(rc);
    int64_t sid = 0;
    if (synthesis ? n != 1 : n != 2)
        return cli_usage(cli, "edit", "give JOB SNIPPET_ID, or JOB --synthesis");
    if (!synthesis && s_parse_sid(pos[1], &sid) != 0)
        return cli_usage(cli, "edit", "\"%s\" is not a snippet id", pos[1]);
    curate_session_t s;
    rc = s_open(cli, "edit", &pos[0], synthesis ? "synthesis" : "snippets", &s);
    s.json = json;
    if (rc == CLI_EXIT_OK)
        rc = s_edit(&s, pos[0], synthesis, sid, set);
    s_close(&s);
    return rc;
}

/* The fan-out list a move names with --question, --concept or
 * --reference; NULL for a snippet move, "" if more than one. */
static const char *s_move_list(bool q, bool c, bool r)
{
    if (q + c + r > 1)
        return "";
    return q ? "questions" : c ? "concepts" : r ? "references" : NULL;
}

/* lode move JOB --question ITEM POSITION: a fan-out item. */
static int s_move_item(cli_t *cli, const char **pos, const char *list, bool json, long position)
{
    curate_session_t s;
    int rc = s_open(cli, "move", &pos[0], "fanout", &s);
    s.json = json;
    err_t err = {0};
    if (rc == CLI_EXIT_OK)
        rc = doc_fanout_move(s.doc, list, pos[1], (size_t)position, &err) != 0
                 ? s_op_fail(&s, &err)
                 : s_commit(&s, "moved %s item %s of job %s to position %ld", list, pos[1], pos[0],
                            position);
    s_close(&s);
    return rc;
}

int curate_move_run(cli_t *cli, int argc, char **argv)
{
    const char *pos[3];
    size_t n;
    bool json = false, q = false, c = false, r = false;
    const cli_opt_t opts[] = {{"--json", NULL, &json},
                              {"--question", NULL, &q},
                              {"--concept", NULL, &c},
                              {"--reference", NULL, &r},
                              {NULL, NULL, NULL}};
    int rc = cli_parse(cli, argc, argv, opts, pos, 3, &n);
    if (rc != 0)
        return cli_parse_exit(rc);
    const char *list = s_move_list(q, c, r);
    int64_t sid;
    long position;
    if (list && !*list)
        return cli_usage(cli, "move", "give one of --question, --concept, --reference");
    if (n != 3)
        return cli_usage(cli, "move",
                         list ? "give JOB ITEM POSITION" : "give JOB SNIPPET_ID POSITION");
    if (!list && s_parse_sid(pos[1], &sid) != 0)
        return cli_usage(cli, "move", "\"%s\" is not a snippet id", pos[1]);
    if (cli_parse_count(pos[2], 1000000, &position) != 0)
        return cli_usage(cli, "move", "POSITION is a number from 1, not \"%s\"", pos[2]);
    if (list)
        return s_move_item(cli, pos, list, json, position);
    curate_session_t s;
    rc = s_open(cli, "move", &pos[0], "snippets", &s);
    s.json = json;
    err_t err = {0};
    if (rc == CLI_EXIT_OK)
        rc = doc_move(s.doc, sid, (size_t)position, &err) != 0
                 ? s_op_fail(&s, &err)
                 : s_commit(&s, "moved snippet %lld of job %s to position %ld", (long long)sid,
                            pos[0], position);
    s_close(&s);
    return rc;
}

int curate_undo_run(cli_t *cli, int argc, char **argv)
{
    const char *pos[1];
    size_t n;
    bool json = false;
    const cli_opt_t opts[] = {{"--json", NULL, &json}, {NULL, NULL, NULL}};
    int rc = cli_parse(cli, argc, argv, opts, pos, 1, &n);
    if (rc != 0)
        return cli_parse_exit(rc);
    if (n != 1)
        return cli_usage(cli, "undo", "give JOB");
    curate_session_t s;
    rc = s_open(cli, "undo", &pos[0], NULL, &s);
    s.json = json;
    err_t err = {0};
    store_curated_undone_t u;
    if (rc == CLI_EXIT_OK) {
        /* the version s_open read: a change saved since makes this stale */
        if (store_curated_undo(s.store, s.job.id, s.version, &u, &err) != 0)
            rc = cli_fail(cli, &err);
        else {
            char msg[400];
            snprintf(msg, sizeof msg, "undid on job %s: %s", pos[0], u.what);
            s_say(&s, true, msg);
        }
    }
    s_close(&s);
    return rc;
}

int curate_add_run(cli_t *cli, int argc, char **argv)
{
    const char *pos[3];
    size_t n;
    bool json = false;
    const cli_opt_t opts[] = {{"--json", NULL, &json}, {NULL, NULL, NULL}};
    int rc = cli_parse(cli, argc, argv, opts, pos, 3, &n);
    if (rc != 0)
        return cli_parse_exit(rc);
    if (n != 3)
        return cli_usage(cli, "add", "give JOB questions|concepts|references TEXT");
    curate_session_t s;
    rc = s_open(cli, "add", &pos[0], "fanout", &s);
    s.json = json;
    err_t err = {0};
    if (rc == CLI_EXIT_OK)
        rc = doc_fanout_add(s.doc, pos[1], pos[2], &err) != 0
                 ? s_op_fail(&s, &err)
                 : s_commit(&s, "added to %s of job %s: %s", pos[1], pos[0], pos[2]);
    s_close(&s);
    return rc;
}

int curate_remove_run(cli_t *cli, int argc, char **argv)
{
    const char *pos[3];
    size_t n;
    bool json = false;
    const cli_opt_t opts[] = {{"--json", NULL, &json}, {NULL, NULL, NULL}};
    int rc = cli_parse(cli, argc, argv, opts, pos, 3, &n);
    if (rc != 0)
        return cli_parse_exit(rc);
    if (n != 3)
        return cli_usage(cli, "remove", "give JOB questions|concepts|references INDEX|TEXT");
    curate_session_t s;
    rc = s_open(cli, "remove", &pos[0], "fanout", &s);
    s.json = json;
    err_t err = {0};
    char *removed = NULL;
    if (rc == CLI_EXIT_OK)
        rc = doc_fanout_remove(s.doc, pos[1], pos[2], &removed, &err) != 0
                 ? s_op_fail(&s, &err)
                 : s_commit(&s, "removed from %s of job %s: %s", pos[1], pos[0], removed);
    free(removed);
    s_close(&s);
    return rc;
}
