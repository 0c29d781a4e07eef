/*  editor.c - run $EDITOR on a temp file. The shell expands $EDITOR so a
 *  value with arguments ("code -w") works, while the file name is passed as
 *  "$1" and is never parsed by the shell.
 *  SPDX-License-Identifier: MIT
 */
#include "editor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "mem.h"

static int s_read_all(int fd, size_t max_bytes, buf_t *b, err_t *err)
{
    if (buf_read_fd(b, fd, 0, err) == 0)
        return 0;
    if (err && err->code == LODE_ETOOBIG)
        err_prefix(err, "text over %zu bytes", max_bytes);
    return -1;
}

static char *s_trimmed(buf_t *b)
{
    while (b->len > 0 && (b->data[b->len - 1] == '\n' || b->data[b->len - 1] == '\r'))
        b->data[--b->len] = '\0';
    return buf_steal(b);
}

static int s_write_all(int fd, const char *text, err_t *err)
{
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t put = write(fd, text + off, len - off);
        if (put < 0 && errno == EINTR)
            continue;
        if (put < 0) {
            err_set(err, LODE_EIO, "write temp file: %s", strerror(errno));
            return -1;
        }
        off += (size_t)put;
    }
    return write(fd, "\n", 1) == 1 ? 0 : (err_set(err, LODE_EIO, "write temp file"), -1);
}

static int s_run_editor(const char *path, err_t *err)
{
    pid_t pid = fork();
    if (pid < 0) {
        err_set(err, LODE_EIO, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", "exec ${EDITOR:-vi} \"$1\"", "lode-editor", path,
              (char *)NULL);
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            err_set(err, LODE_EIO, "waitpid: %s", strerror(errno));
            return -1;
        }
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        err_set(err, LODE_EIO, "the editor (%s) exited with status %d; nothing changed",
                getenv("EDITOR") ? getenv("EDITOR") : "vi",
                WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        return -1;
    }
    return 0;
}

char *editor_edit(const char *text, const char *suffix, size_t max_bytes, err_t *err)
{
    const char *tmp = getenv("TMPDIR");
    char *path = mem_printf("%s/lode-edit-XXXXXX%s", tmp && *tmp ? tmp : "/tmp", suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    if (fd < 0) {
        err_set(err, LODE_EIO, "temp file %s: %s", path, strerror(errno));
        free(path);
        return NULL;
    }
    buf_t b;
    buf_init(&b, max_bytes);
    int rc = s_write_all(fd, text, err);
    if (close(fd) != 0 && rc == 0) {
        err_set(err, LODE_EIO, "close %s: %s", path, strerror(errno));
        rc = -1;
    }
    if (rc == 0)
        rc = s_run_editor(path, err);
    if (rc == 0) {
        int rfd = open(path, O_RDONLY | O_CLOEXEC);
        if (rfd < 0)
            err_set(err, LODE_EIO, "read back %s: %s", path, strerror(errno));
        rc = rfd < 0 ? -1 : s_read_all(rfd, max_bytes, &b, err);
        if (rfd >= 0)
            close(rfd);
    }
    char *out = rc == 0 ? s_trimmed(&b) : NULL;
    unlink(path);
    free(path);
    buf_free(&b);
    return out;
}

char *editor_read_stdin(size_t max_bytes, err_t *err)
{
    buf_t b;
    buf_init(&b, max_bytes);
    if (s_read_all(0, max_bytes, &b, err) != 0) {
        buf_free(&b);
        return NULL;
    }
    return s_trimmed(&b);
}
