/*  log.c - stderr logger: the format, the journal's priorities, the rate
 *  limit (log.h).
 *  SPDX-License-Identifier: MIT
 */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define S_SITES 64 /* call sites tracked by the rate limit; more pass unlimited */

log_level_t log_level = LOGL_INFO;
static const char *s_ident = "lode";
static bool s_journal;
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER; /* guards s_sites */
static log_limit_t s_sites[S_SITES];
static const char *s_site_module[S_SITES];

void log_init(const char *ident, log_level_t level)
{
    s_ident = ident;
    log_level = level;
    s_journal = log_is_journal(getenv("JOURNAL_STREAM"), 2);
}

int log_level_parse(const char *name)
{
    static const char *names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

bool log_is_journal(const char *journal_stream, int fd)
{
    unsigned long long dev, ino;
    struct stat st;
    if (!journal_stream || sscanf(journal_stream, "%llu:%llu", &dev, &ino) != 2)
        return false;
    return fstat(fd, &st) == 0 && (unsigned long long)st.st_dev == dev &&
           (unsigned long long)st.st_ino == ino;
}

size_t log_format(char *out,
                  size_t size,
                  bool journal,
                  int64_t now_ms,
                  log_level_t level,
                  const char *ident,
                  int pid,
                  const char *module,
                  const char *msg,
                  unsigned dropped)
{
    static const int prio[] = {3, 4, 6, 7}; /* syslog: err, warning, info, debug */
    char stamp[40];
    if (journal) {
        snprintf(stamp, sizeof stamp, "<%d>", prio[level]);
    } else {
        time_t sec = (time_t)(now_ms / 1000);
        struct tm tm;
        gmtime_r(&sec, &tm);
        size_t n = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(stamp + n, sizeof stamp - n, ".%03dZ ", (int)(now_ms % 1000));
    }
    char more[48] = "";
    if (dropped)
        snprintf(more, sizeof more, " (and %u more like this)", dropped);
    /* One line per event: a newline inside a message would split it. */
    int n = snprintf(out, size, "%s%c %s[%d] %s: %s%s", stamp, "EWID"[level], ident, pid, module,
                     msg, more);
    size_t len = n < 0 ? 0 : (size_t)n >= size ? size - 1 : (size_t)n;
    for (size_t i = 0; i < len; i++)
        if (out[i] == '\n' || out[i] == '\r')
            out[i] = ' ';
    return len;
}

bool log_limit_pass(log_limit_t *l, int64_t now_ms, unsigned *dropped)
{
    *dropped = 0;
    if (now_ms - l->window_ms >= LOG_WINDOW_MS) { /* a new window */
        l->window_ms = now_ms;
        l->in_window = 0;
    }
    if (l->in_window >= LOG_BURST) {
        if (l->dropped++ == 0)
            l->first_drop_ms = now_ms;
        return false;
    }
    l->in_window++;
    *dropped = l->dropped;
    l->dropped = 0;
    return true;
}

/* The rate limit of fmt's call site: true to write; *dropped as above. */
static bool s_pass(const char *module, const char *fmt, int64_t now_ms, unsigned *dropped)
{
    *dropped = 0;
    pthread_mutex_lock(&s_lock);
    log_limit_t *l = NULL;
    for (int i = 0; i < S_SITES && !l; i++) {
        if (s_sites[i].site == fmt || !s_sites[i].site) {
            l = &s_sites[i];
            s_site_module[i] = module;
        }
    }
    bool pass = true;
    if (l) {
        if (!l->site)
            *l = (log_limit_t){.site = fmt, .window_ms = now_ms};
        pass = log_limit_pass(l, now_ms, dropped);
    }
    pthread_mutex_unlock(&s_lock);
    return pass;
}

static int64_t s_now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void s_emit(log_level_t level, const char *module, const char *msg, unsigned dropped)
{
    char line[LOG_LINE_MAX + 1];
    size_t len = log_format(line, sizeof line - 1, s_journal, s_now_ms(), level, s_ident,
                            (int)getpid(), module, msg, dropped);
    line[len] = '\n';
    fwrite(line, 1, len + 1, stderr); /* one write per line: no interleaving */
}

void log_write(log_level_t level, const char *module, const char *fmt, ...)
{
    unsigned dropped = 0;
    if (level <= LOGL_WARN && !s_pass(module, fmt, s_now_ms(), &dropped))
        return;
    char msg[LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    s_emit(level, module, msg, dropped);
}

void log_write_each(log_level_t level, const char *module, const char *fmt, ...)
{
    char msg[LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    s_emit(level, module, msg, 0);
}

void log_flush(void)
{
    pthread_mutex_lock(&s_lock);
    for (int i = 0; i < S_SITES && s_sites[i].site; i++) {
        if (!s_sites[i].dropped)
            continue;
        char msg[LOG_LINE_MAX];
        time_t sec = (time_t)(s_sites[i].first_drop_ms / 1000);
        struct tm tm;
        gmtime_r(&sec, &tm);
        char at[16];
        strftime(at, sizeof at, "%H:%M:%S", &tm);
        snprintf(msg, sizeof msg, "%u more like \"%.200s\" left out since %sZ", s_sites[i].dropped,
                 (const char *)s_sites[i].site, at);
        s_sites[i].dropped = 0;
        s_emit(LOGL_WARN, s_site_module[i], msg, 0);
    }
    pthread_mutex_unlock(&s_lock);
}
