/*  promptcmd.c - list the prompts in use, copy the built-in ones out.
 *  SPDX-License-Identifier: MIT
 */
#include "promptcmd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "llm/prompts.h"
#include "mem.h"

/* mkdir -p, mode 0755. */
static int s_mkdirs(const char *path, err_t *err)
{
    char *p = mem_strdup(path);
    int rc = 0;
    for (char *s = p + 1; rc == 0; s++) {
        bool end = *s == '\0';
        if (*s != '/' && !end)
            continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            err_set(err, LODE_EIO, "cannot create %s: %s", p, strerror(errno));
            rc = -1;
        }
        if (end)
            break;
        *s = '/';
    }
    free(p);
    return rc;
}

/* Write one built-in file to dir; it never replaces a file (a person's
 * edits) unless force. 1 written, 0 kept, -1 and *err. */
static int s_write(const char *dir, const prompts_builtin_t *b, bool force, err_t *err)
{
    char *path = mem_printf("%s/%s", dir, b->name);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), 0644);
    int rc = 1;
    if (fd < 0 && errno == EEXIST) {
        rc = 0;
    } else if (fd < 0 || write(fd, b->text, b->len) != (ssize_t)b->len) {
        err_set(err, LODE_EIO, "cannot write %s: %s", path, strerror(errno));
        rc = -1;
    }
    if (fd >= 0 && close(fd) != 0 && rc == 1) {
        err_set(err, LODE_EIO, "cannot write %s: %s", path, strerror(errno));
        rc = -1;
    }
    free(path);
    return rc;
}

static int s_copy(cli_t *cli, const char *dir_arg, bool force, bool json)
{
    char *dir = dir_arg ? mem_strdup(dir_arg) : config_user_path("prompts");
    err_t err = {0};
    if (!dir) {
        err_set(&err, LODE_EINVAL, "no directory given and neither XDG_CONFIG_HOME nor HOME set");
        return cli_fail(cli, &err);
    }
    int rc = s_mkdirs(dir, &err);
    json_t *arr = json ? json_array() : NULL; /* --json: [{"path", "written"}] */
    for (const prompts_builtin_t *b = prompts_builtin; rc >= 0 && b->name; b++) {
        rc = s_write(dir, b, force, &err);
        if (rc >= 0 && arr)
            json_array_append_new(
                arr, json_pack("{s:s++, s:b}", "path", dir, "/", b->name, "written", rc != 0));
        else if (rc >= 0)
            fprintf(cli->out, "%s/%s%s\n", dir, b->name,
                    rc ? "" : "  (kept: it exists; --force replaces it)");
    }
    if (arr && rc >= 0) {
        json_dumpf(arr, cli->out, JSON_INDENT(2));
        fputc('\n', cli->out);
    }
    json_decref(arr);
    free(dir);
    return rc < 0 ? cli_fail(cli, &err) : CLI_EXIT_OK;
}

static int s_list(cli_t *cli, const char *dir, bool json)
{
    err_t err = {0};
    prompts_t *p = prompts_load(dir, &err);
    if (!p)
        return cli_fail(cli, &err);
    json_t *arr = json ? json_array() : NULL;
    for (int id = 0; id < PROMPT_COUNT; id++) {
        if (arr)
            json_array_append_new(arr,
                                  json_pack("{s:s,s:s,s:s}", "name", prompts_name(id), "origin",
                                            prompts_origin(p, id), "hash", prompts_hash(p, id)));
        else
            fprintf(cli->out, "%-13s %.19s  %s\n", prompts_name(id), prompts_hash(p, id),
                    prompts_origin(p, id));
    }
    if (arr) {
        json_dumpf(arr, cli->out, JSON_INDENT(2));
        fputc('\n', cli->out);
        json_decref(arr);
    }
    prompts_destroy(&p);
    return CLI_EXIT_OK;
}

int promptcmd_run(cli_t *cli, int argc, char **argv)
{
    bool json = false, force = false;
    const char *dir = NULL;
    const cli_opt_t opts[] = {{"--json", NULL, &json},
                              {"--force", NULL, &force},
                              {"--prompts", &dir, NULL},
                              {NULL, NULL, NULL}};
    const char *pos[2];
    size_t n;
    int rc = cli_parse(cli, argc, argv, opts, pos, 2, &n);
    if (rc != 0)
        return cli_parse_exit(rc);
    if (n == 0)
        return s_list(cli, dir ? dir : getenv("LODE_PROMPTS"), json);
    if (strcmp(pos[0], "copy") == 0)
        return s_copy(cli, n == 2 ? pos[1] : NULL, force, json);
    return cli_usage(cli, "prompts", "unknown prompts command \"%s\" (copy, or none)", pos[0]);
}
