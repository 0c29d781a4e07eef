/*  web_cmd.c - `lode web`: options, the access token, the loopback rule,
 *  then serve until SIGINT or SIGTERM.
 *  SPDX-License-Identifier: MIT
 */
#include "web_cmd.h"

#include <ctype.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "searchidx.h"
#include "web_server.h"

#define WEB_TOKEN_MIN 16
#define WEB_TOKEN_MAX 4096

/* The token from --token-file or $LODE_WEB_TOKEN, trimmed; NULL if none.
 * -1 after printing why a given one is unusable. */
static int s_token(cli_t *cli, const char *file, char **out)
{
    *out = NULL;
    char *tok = NULL;
    if (file) {
        err_t err = {0};
        FILE *f = fopen(file, "r");
        buf_t b;
        buf_init(&b, WEB_TOKEN_MAX);
        char chunk[512];
        size_t n;
        while (f && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
            if (buf_append(&b, chunk, n, &err) != 0)
                break;
        if (f)
            fclose(f);
        if (!f || err.code) {
            fprintf(cli->errs, "lode: error: --token-file %s: %s\n", file,
                    f ? "over 4 kB" : "cannot read it");
            buf_free(&b);
            return -1;
        }
        tok = buf_steal(&b);
    } else if (getenv("LODE_WEB_TOKEN") && *getenv("LODE_WEB_TOKEN"))
        tok = mem_strdup(getenv("LODE_WEB_TOKEN"));
    if (!tok)
        return 0;
    size_t len = strlen(tok);
    while (len > 0 && isspace((unsigned char)tok[len - 1]))
        tok[--len] = '\0';
    bool ok = len >= WEB_TOKEN_MIN;
    for (size_t i = 0; i < len; i++)
        ok = ok && isgraph((unsigned char)tok[i]);
    if (!ok) {
        fprintf(cli->errs,
                "lode: error: the access token must be %d or more printable "
                "characters without spaces (try: openssl rand -hex 32)\n",
                WEB_TOKEN_MIN);
        free(tok);
        return -1;
    }
    *out = tok;
    return 0;
}

/* Block until SIGINT or SIGTERM. */
static void s_wait_signal(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int sig;
    sigwait(&set, &sig);
}

static int s_serve(cli_t *cli, const char *listen, const char *token, bool loopback, int port)
{
    /* Blocked before the server's thread starts, so it inherits the mask
     * and only sigwait sees them; SIGPIPE from a client gone mid-reply too. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    err_t err = {0};
    web_opts_t o = {.cli = cli, .token = token, .loopback = loopback, .port = port};
    web_app_t *app = web_app_new(&o, &err);
    web_server_t *srv = app ? web_server_start(listen, app, &err) : NULL;
    if (!srv) {
        web_app_destroy(&app);
        return cli_fail(cli, &err);
    }
    web_app_set_port(app, web_server_port(srv));
    /* The search index kept up to date beside the server (searchidx.h). */
    searchidx_thread_t *indexer = searchidx_start(cli->redis_url, cli->prefix, 1000);
    int hl = (int)(strrchr(listen, ':') - listen);
    fprintf(cli->out, "lode web: serving the workbench on http://%.*s:%d/%s\n", hl, listen,
            web_server_port(srv), token ? " (sign in with the access token)" : "");
    fflush(cli->out);
    s_wait_signal();
    fprintf(cli->out, "lode web: stopping\n");
    searchidx_stop(&indexer);
    web_server_stop(&srv);
    web_app_destroy(&app);
    return CLI_EXIT_OK;
}

int web_run(cli_t *cli, int argc, char **argv)
{
    const char *listen = NULL, *token_file = NULL;
    const cli_opt_t opts[] = {
        {"--listen", &listen, NULL}, {"--token-file", &token_file, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    size_t n;
    int rc = cli_parse(cli, argc, argv, opts, pos, 1, &n);
    if (rc != 0)
        return cli_parse_exit(rc);
    if (n > 0)
        return cli_usage(cli, "web", "lode web takes no arguments, only options");
    if (!listen)
        listen = getenv("LODE_WEB_LISTEN") && *getenv("LODE_WEB_LISTEN") ? getenv("LODE_WEB_LISTEN")
                                                                         : WEB_LISTEN_DEFAULT;
    bool loopback = false;
    int port = 0;
    err_t err = {0};
    if (web_listen_parse(listen, &loopback, &port, &err) != 0)
        return cli_usage(cli, "web", "%s", err.msg);
    char *token = NULL;
    if (s_token(cli, token_file, &token) != 0)
        return CLI_EXIT_USAGE;
    if (!loopback && !token) {
        fprintf(cli->errs,
                "lode: error: refusing to listen on %s, which is not loopback, without an access "
                "token: give --token-file FILE or set LODE_WEB_TOKEN\n",
                listen);
        return CLI_EXIT_USAGE;
    }
    rc = s_serve(cli, listen, token, loopback, port);
    free(token);
    return rc;
}
