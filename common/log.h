/*  log.h - one line per event on stderr, the same for every program:
 *  "2026-11-22T15:04:05.123Z W lode-worker[812] fetch: job=… message".
 *  When stderr is the systemd journal (JOURNAL_STREAM names stderr's
 *  device and inode: systemd's documented rule) the time stamp, which the
 *  journal adds itself, gives way to a "<N>" syslog priority prefix
 *  ("<4>W lode-worker[812] fetch: …") so that journalctl -p works.
 *  Warnings and errors are rate-limited per call site: at most LOG_BURST
 *  lines in LOG_WINDOW_MS; the next line after a quiet spell says how many
 *  were left out, so an outage is a few lines with a count, not a flood.
 *  The macros test the level before evaluating their arguments (Redis's trick).
 *  Only program code logs; common/ returns errors (S4.5).
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_LOG_H
#define LODE_LOG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { LOGL_ERROR = 0, LOGL_WARN, LOGL_INFO, LOGL_DEBUG } log_level_t;

#define LOG_BURST     3     /* warnings/errors of one call site per window */
#define LOG_WINDOW_MS 10000 /* the window */
#define LOG_LINE_MAX  2048

extern log_level_t log_level;

/* Set the program name shown in each line (borrowed; keep it static), the
 * level, and whether stderr is the journal (JOURNAL_STREAM). */
void log_init(const char *ident, log_level_t level);

/* Parse "error|warn|info|debug"; -1 if unknown. */
int log_level_parse(const char *name);

/* True if the JOURNAL_STREAM value "DEV:INO" names the file open as fd. */
bool log_is_journal(const char *journal_stream, int fd);

void log_write(log_level_t level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same without the rate limit: for lines that each tell of their own
 * event (one job's failure), which are not repeats of one another. */
void log_write_each(log_level_t level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Write the lines the rate limit left out as one line each, with their
 * count ("… (12 more like this since 15:04:05)"); at exit. */
void log_flush(void);

/* The line log_write would print, into out (pure; for tests): journal
 * selects the "<N>" form, now_ms the time stamp, dropped > 0 appends the
 * count of lines left out before it. The length. */
size_t log_format(char *out,
                  size_t size,
                  bool journal,
                  int64_t now_ms,
                  log_level_t level,
                  const char *ident,
                  int pid,
                  const char *module,
                  const char *msg,
                  unsigned dropped);

/* Rate limit of one call site (pure; for tests): whether a line at now_ms
 * is written; *dropped gets the lines left out before it when it is. */
typedef struct {
    const void *site; /* the format string: one per call site */
    int64_t window_ms;
    int64_t first_drop_ms;
    unsigned in_window;
    unsigned dropped;
} log_limit_t;

bool log_limit_pass(log_limit_t *l, int64_t now_ms, unsigned *dropped);

#define log_at(lvl, mod, ...)                                                                      \
    do {                                                                                           \
        if ((lvl) <= log_level)                                                                    \
            log_write((lvl), (mod), __VA_ARGS__);                                                  \
    } while (0)
#define log_each(lvl, mod, ...)                                                                    \
    do {                                                                                           \
        if ((lvl) <= log_level)                                                                    \
            log_write_each((lvl), (mod), __VA_ARGS__);                                             \
    } while (0)
#define log_error(mod, ...) log_at(LOGL_ERROR, mod, __VA_ARGS__)
#define log_warn(mod, ...)  log_at(LOGL_WARN, mod, __VA_ARGS__)
#define log_info(mod, ...)  log_at(LOGL_INFO, mod, __VA_ARGS__)
#define log_debug(mod, ...) log_at(LOGL_DEBUG, mod, __VA_ARGS__)
#endif
