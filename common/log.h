/*  log.h - one line per event on stderr:
 *  "2026-11-22T15:04:05.123Z W lode-worker[812] fetch: job=… message".
 *  The macros test the level before evaluating their arguments (Redis's trick).
 *  Only program code logs; common/ returns errors (S4.5).
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_LOG_H
#define LODE_LOG_H

typedef enum { LOGL_ERROR = 0, LOGL_WARN, LOGL_INFO, LOGL_DEBUG } log_level_t;

extern log_level_t log_level;

/* Set the program name shown in each line (borrowed; keep it static). */
void log_init(const char *ident, log_level_t level);

/* Parse "error|warn|info|debug"; -1 if unknown. */
int log_level_parse(const char *name);

void log_write(log_level_t level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_at(lvl, mod, ...)                                                                      \
    do {                                                                                           \
        if ((lvl) <= log_level)                                                                    \
            log_write((lvl), (mod), __VA_ARGS__);                                                  \
    } while (0)
#define log_error(mod, ...) log_at(LOGL_ERROR, mod, __VA_ARGS__)
#define log_warn(mod, ...)  log_at(LOGL_WARN, mod, __VA_ARGS__)
#define log_info(mod, ...)  log_at(LOGL_INFO, mod, __VA_ARGS__)
#define log_debug(mod, ...) log_at(LOGL_DEBUG, mod, __VA_ARGS__)
#endif
