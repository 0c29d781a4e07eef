/*  usage.h - what mining a job cost and how it was made: each text stage's
 *  .meta part (engine, model, prompt hash, requests, tokens, quote checks)
 *  for `lode show JOB --stats`, and an optional price table that turns
 *  tokens into an estimated cost (also for batch totals).
 *
 *  Price table: a text file, one model per line,
 *      MODEL  INPUT_USD_PER_1M_TOKENS  OUTPUT_USD_PER_1M_TOKENS
 *  MODEL may be a shell glob ("gpt-4o-mini*"); the first matching line wins;
 *  '#' starts a comment. Looked up in --prices FILE, $LODE_PRICES, then
 *  ~/.config/lode/prices.conf ($XDG_CONFIG_HOME honoured); none = no cost.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_USAGE_H
#define LODE_USAGE_H
#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "err.h"

typedef struct usage_prices usage_prices_t;

/* Load the table from path, else the places above. NULL with err->code 0
 * when there is none; NULL and *err when a file named cannot be read or a
 * line does not parse (its number is in the message). */
usage_prices_t *usage_prices_load(const char *path, err_t *err);
void usage_prices_destroy(usage_prices_t **self_p);

/* Estimated USD for tokens of model, or -1 if the table (which may be
 * NULL) has no price for it. */
double usage_cost(const usage_prices_t *self,
                  const char *model,
                  int64_t prompt_tokens,
                  int64_t completion_tokens);

/* `lode show JOB --stats [--json] [--prices FILE]`: print the job's run
 * figures per stage. Returns the exit code. */
int usage_show_stats(cli_t *cli, const char *id, bool json, const char *prices);
#endif
