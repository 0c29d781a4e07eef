/*  test_article_mem.c - the per-parse arena behind libxml2's allocator:
 *  what a window bumps, what stays malloc (outside a window, big blocks,
 *  other threads), realloc and reuse, nesting, and extraction from several
 *  threads at once giving what one thread gives.
 *  SPDX-License-Identifier: MIT
 */
#include <libxml/globals.h>
#include <libxml/xmlmemory.h>
#include <pthread.h>

#include "article.h"
#include "article_impl.h"
#include "test.h"

static int s_setup(void **state)
{
    (void)state;
    article_init(); /* installs the arena functions */
    return 0;
}

static void test_mem_window_bumps_small_blocks_and_mallocs_the_rest(void **state)
{
    (void)state;
    char *before = xmlMalloc(64); /* outside a window: the heap */
    assert_non_null(before);
    assert_false(article_mem_owns(before));
    assert_true(article_mem_begin());
    char *small = xmlMalloc(100);
    assert_true(article_mem_owns(small));
    memset(small, 'x', 100);
    char *grown = xmlRealloc(small, 3000); /* the last block: grows in place */
    assert_ptr_equal(grown, small);
    char *other = xmlMemStrdup("kept");
    assert_true(article_mem_owns(other));
    char *moved = xmlRealloc(grown, 3500); /* no longer last: copied out */
    assert_true(article_mem_owns(moved));
    for (int i = 0; i < 100; i++)
        assert_int_equal(moved[i], 'x');
    char *big = xmlMalloc(1 << 20); /* over the bump limit: malloc */
    assert_non_null(big);
    assert_false(article_mem_owns(big));
    memset(big, 0, 1 << 20);
    xmlFree(big);
    xmlFree(before); /* a heap block freed inside a window goes to free() */
    assert_string_equal(other, "kept");
    xmlFree(other);
    xmlFree(moved);
    article_mem_end();
    char *after = xmlMalloc(16);
    assert_false(article_mem_owns(after));
    xmlFree(after);
}

static void test_mem_reuses_a_freed_block_of_the_same_size(void **state)
{
    (void)state;
    assert_true(article_mem_begin());
    void *a = xmlMalloc(40);
    void *pad = xmlMalloc(8);
    xmlFree(a);
    void *b = xmlMalloc(40);
    assert_ptr_equal(a, b);
    void *c = xmlMalloc(40); /* the list is empty again: a new block */
    assert_ptr_not_equal(c, b);
    xmlFree(b);
    xmlFree(c);
    xmlFree(pad);
    article_mem_end();
}

static void test_mem_windows_nest_and_a_late_free_is_harmless(void **state)
{
    (void)state;
    assert_true(article_mem_begin());
    assert_true(article_mem_begin());
    article_mem_end();
    char *p = xmlMalloc(32); /* still inside the outer window */
    assert_true(article_mem_owns(p));
    article_mem_end();
    xmlFree(p);        /* after its window: a no-op, not free() of a stray pointer */
    article_mem_end(); /* unbalanced: ignored */
    char *q = xmlMalloc(32);
    assert_false(article_mem_owns(q));
    xmlFree(q);
}

/* ---- several threads -------------------------------------------------- */

static const char s_page[] =
    "<html><head><title>Arena</title><meta name=author content='A. Writer'></head><body>"
    "<nav class=menu><a href=/>Home</a></nav><div class='post-body entry-content'>"
    "<p>The first paragraph of the story is long enough to count, with commas, clauses, and "
    "a full stop at its end.</p><p>A second paragraph follows it, again long enough to be "
    "prose, so that the extractor keeps both of them.</p></div>"
    "<div class=comments><p>A comment that must stay out of the text, whatever it says.</p>"
    "</div></body></html>";

static char *s_extract_text(void)
{
    article_t a;
    err_t err = {0};
    if (article_extract(s_page, sizeof s_page - 1, NULL, &a, &err) != 0)
        return NULL;
    char *t = article_text(&a);
    article_clear(&a);
    return t;
}

typedef struct {
    const char *want;
    int mismatches;
} s_job_t;

static void *s_worker(void *arg)
{
    s_job_t *job = arg;
    for (int i = 0; i < 40; i++) {
        char *t = s_extract_text();
        job->mismatches += !t || strcmp(t, job->want) != 0;
        free(t);
        /* libxml2 used outside a window on the same thread: malloc */
        char *x = xmlMemStrdup("outside");
        job->mismatches += article_mem_owns(x);
        xmlFree(x);
    }
    return NULL;
}

static void test_mem_threads_extract_what_one_thread_does(void **state)
{
    (void)state;
    char *want = s_extract_text();
    assert_non_null(want);
    assert_non_null(strstr(want, "second paragraph"));
    assert_null(strstr(want, "comment that must"));
    pthread_t th[4];
    s_job_t jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (s_job_t){want, 0};
        assert_int_equal(pthread_create(&th[i], NULL, s_worker, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(jobs[i].mismatches, 0);
    }
    free(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mem_window_bumps_small_blocks_and_mallocs_the_rest),
        cmocka_unit_test(test_mem_reuses_a_freed_block_of_the_same_size),
        cmocka_unit_test(test_mem_windows_nest_and_a_late_free_is_harmless),
        cmocka_unit_test(test_mem_threads_extract_what_one_thread_does),
    };
    return cmocka_run_group_tests(tests, s_setup, NULL);
}
