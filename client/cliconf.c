/*  cliconf.c - the CLI's settings file as environment defaults.
 *  SPDX-License-Identifier: MIT
 */
#include "cliconf.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

/* Settings-file key -> the variable it stands for. */
static const char *const s_keys[][2] = {
    {"redis", "LODE_REDIS"},
    {"broker", "LODE_BROKER"},
    {"prefix", "LODE_PREFIX"},
    {"curve-cert", "LODE_CURVE_CERT"},
    {"curve-server", "LODE_CURVE_SERVER"},
    {"pub", "LODE_PUB"},
    {"prices", "LODE_PRICES"},
    {"prompts", "LODE_PROMPTS"},
};

/* "--key=value": set the key's variable unless the environment has it. */
static void s_apply(const char *arg)
{
    const char *key = arg + 2, *eq = strchr(key, '=');
    if (!eq || !eq[1])
        return;
    for (size_t i = 0; i < sizeof s_keys / sizeof s_keys[0]; i++) {
        if (strlen(s_keys[i][0]) == (size_t)(eq - key) &&
            strncmp(key, s_keys[i][0], (size_t)(eq - key)) == 0) {
            const char *now = getenv(s_keys[i][1]);
            if (!now || !*now)
                setenv(s_keys[i][1], eq + 1, 1);
        }
    }
}

int cliconf_load(err_t *err)
{
    const char *env = getenv("LODE_CONFIG");
    char *path = env && *env ? NULL : config_user_path("config");
    const char *use = env && *env ? env : path;
    if (!use || (!env && access(use, F_OK) != 0)) {
        free(path);
        return 0;
    }
    char **args = NULL;
    int n = 0;
    int rc = config_file_section_args(use, "lode", &args, &n, err);
    for (int i = n - 1; rc == 0 && i >= 0; i--) /* from the end: a later line wins */
        s_apply(args[i]);
    config_args_free(args, n);
    free(path);
    return rc;
}
