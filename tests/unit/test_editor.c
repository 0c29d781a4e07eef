/*  test_editor.c - handing a text to $EDITOR and reading back what was saved.
 *  SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "editor.h"
#include "mem.h"
#include "test.h"

static char s_dir[] = "/tmp/lode-test-editor-XXXXXX";

static int s_setup(void **state)
{
    (void)state;
    return mkdtemp(s_dir) ? 0 : -1;
}

static int s_teardown(void **state)
{
    (void)state;
    char *cmd = mem_printf("rm -rf '%s'", s_dir);
    int rc = system(cmd);
    free(cmd);
    return rc == 0 ? 0 : -1;
}

static char *s_path(const char *name)
{
    return mem_printf("%s/%s", s_dir, name);
}

static void s_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_editor_returns_what_the_person_saved(void **state)
{
    (void)state;
    char *script = s_path("ed.sh");
    s_write(script, "#!/bin/sh\nprintf 'new text\\n\\n' > \"$1\"\n");
    assert_int_equal(chmod(script, 0700), 0);
    setenv("EDITOR", script, 1);
    err_t err = {0};
    char *out = editor_edit("old text", ".txt", 1024, &err);
    assert_non_null(out);
    assert_string_equal(out, "new text");
    free(out);
    setenv("EDITOR", "false", 1);
    assert_null(editor_edit("old", ".txt", 1024, &err));
    assert_int_equal(err.code, LODE_EIO);
    assert_non_null(strstr(err.msg, "exited with status 1"));
    unsetenv("EDITOR");
    free(script);
}

/* The whole program, in a child process, against closed loopback ports. */

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_editor_returns_what_the_person_saved),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
