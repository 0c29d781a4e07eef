/*  test_doc_order.c - the fan-out lists' curated order (issue #13): move an
 *  item by number or text, edits keep an item's place, adds and removes
 *  around an order, the JSON and Markdown exports follow it, provenance
 *  says "reordered", and reset to proposed restores the model's order.
 *  No Redis: parts are JSON strings.
 *  SPDX-License-Identifier: MIT
 */
#include <jansson.h>

#include "doc.h"
#include "test.h"

static const char *const k_snippets =
    "[{\"id\":1,\"quote\":\"One.\",\"commentary\":\"c1\",\"offset\":0,\"length\":4}]";

static const char *const k_fanout = "{\"questions\":[\"Q one?\",\"Q two?\",\"Q three?\"],"
                                    "\"concepts\":[\"Alpha\",\"Beta\"],"
                                    "\"references\":[\"Ref A\"]}";

static doc_t *s_doc(const char *curated)
{
    doc_parts_t p = {.id = "01JABCDEFGHJKMNPQRSTVWXYZ0",
                     .state = "done",
                     .stage = "fanout",
                     .transcript = "{\"text\":\"One.\",\"segments\":[]}",
                     .snippets = k_snippets,
                     .fanout = k_fanout,
                     .curated = curated};
    err_t err = {0};
    doc_t *doc = doc_new(&p, &err);
    assert_non_null(doc);
    return doc;
}

/* The curated list as "a|b|c", and the export's fan-out object. */
static char *s_list(const doc_t *doc, const char *list, json_t **fan_out)
{
    char *s = doc_to_json(doc, 0);
    json_t *d = json_loads(s, 0, NULL);
    free(s);
    assert_non_null(d);
    json_t *fan = json_object_get(d, "fanout");
    json_t *arr = json_object_get(fan, list);
    char buf[512] = "";
    for (size_t i = 0; i < json_array_size(arr); i++) {
        strcat(buf, i ? "|" : "");
        strcat(buf, json_string_value(json_array_get(arr, i)));
    }
    if (fan_out)
        *fan_out = json_incref(fan);
    json_decref(d);
    return strdup(buf);
}

static void s_expect(const doc_t *doc, const char *list, const char *want)
{
    char *got = s_list(doc, list, NULL);
    assert_string_equal(got, want);
    free(got);
}

/* The layer saved and read back, as a stored edit would be. */
static doc_t *s_reload(doc_t **doc)
{
    char *layer = doc_curated_json(*doc, 1);
    doc_destroy(doc);
    doc_t *again = s_doc(layer);
    free(layer);
    return again;
}

static void test_a_question_moves_and_the_order_is_stored(void **state)
{
    (void)state;
    doc_t *doc = s_doc(NULL);
    err_t err = {0};
    assert_int_equal(doc_fanout_move(doc, "questions", "3", 1, &err), 0);
    s_expect(doc, "questions", "Q three?|Q one?|Q two?");
    doc = s_reload(&doc);
    s_expect(doc, "questions", "Q three?|Q one?|Q two?");
    /* by exact text too, and singular list names */
    assert_int_equal(doc_fanout_move(doc, "question", "Q one?", 3, &err), 0);
    s_expect(doc, "questions", "Q three?|Q two?|Q one?");
    s_expect(doc, "concepts", "Alpha|Beta"); /* other lists untouched */
    json_t *fan = NULL;
    free(s_list(doc, "questions", &fan));
    assert_true(json_is_true(json_object_get(fan, "curated")));
    json_t *prop = json_object_get(json_object_get(fan, "proposed"), "questions");
    assert_string_equal(json_string_value(json_array_get(prop, 0)), "Q one?");
    json_decref(fan);
    char *js = doc_to_json(doc, 0);
    assert_non_null(strstr(js, "\"change\": \"reordered\""));
    free(js);
    doc_destroy(&doc);
}

static void test_markdown_follows_the_curated_order(void **state)
{
    (void)state;
    doc_t *doc = s_doc(NULL);
    err_t err = {0};
    assert_int_equal(doc_fanout_move(doc, "concepts", "2", 1, &err), 0);
    char *md = doc_to_markdown(doc);
    char *beta = strstr(md, "Beta"), *alpha = strstr(md, "Alpha");
    assert_non_null(beta);
    assert_non_null(alpha);
    assert_true(beta < alpha);
    free(md);
    doc_destroy(&doc);
}

static void test_moving_back_leaves_no_override(void **state)
{
    (void)state;
    doc_t *doc = s_doc(NULL);
    err_t err = {0};
    assert_int_equal(doc_fanout_move(doc, "questions", "1", 2, &err), 0);
    assert_int_equal(doc_fanout_move(doc, "questions", "Q one?", 1, &err), 0);
    char *layer = doc_curated_json(doc, 1);
    assert_null(strstr(layer, "fanout")); /* the proposal's order is no override */
    free(layer);
    doc_destroy(&doc);
}

static void test_edit_keeps_the_place_and_add_remove_keep_the_order(void **state)
{
    (void)state;
    doc_t *doc = s_doc(NULL);
    err_t err = {0};
    assert_int_equal(doc_fanout_move(doc, "questions", "3", 1, &err), 0);
    assert_int_equal(doc_fanout_edit(doc, "questions", "2", "Q uno?", &err), 0);
    s_expect(doc, "questions", "Q three?|Q uno?|Q two?");
    assert_int_equal(doc_fanout_add(doc, "questions", "Q four?", &err), 0);
    s_expect(doc, "questions", "Q three?|Q uno?|Q two?|Q four?");
    assert_int_equal(doc_fanout_move(doc, "questions", "Q four?", 2, &err), 0);
    assert_int_equal(doc_fanout_remove(doc, "questions", "Q uno?", NULL, &err), 0);
    doc = s_reload(&doc);
    s_expect(doc, "questions", "Q three?|Q four?|Q two?");
    /* an item whose text is all digits is edited by place, not as an index */
    assert_int_equal(doc_fanout_edit(doc, "questions", "1", "42", &err), 0);
    assert_int_equal(doc_fanout_edit(doc, "questions", "1", "Q 42?", &err), 0);
    s_expect(doc, "questions", "Q 42?|Q four?|Q two?");
    doc_destroy(&doc);
}

static void test_reset_restores_the_proposed_order(void **state)
{
    (void)state;
    doc_t *doc = s_doc(NULL);
    err_t err = {0};
    assert_int_equal(doc_fanout_move(doc, "questions", "3", 1, &err), 0);
    assert_int_equal(doc_fanout_move(doc, "concepts", "2", 1, &err), 0);
    assert_int_equal(doc_reset_fanout(doc, "questions", &err), 0);
    s_expect(doc, "questions", "Q one?|Q two?|Q three?");
    s_expect(doc, "concepts", "Beta|Alpha"); /* only the list reset */
    assert_int_equal(doc_reset_fanout(doc, NULL, &err), 0);
    s_expect(doc, "concepts", "Alpha|Beta");
    char *layer = doc_curated_json(doc, 1);
    assert_null(strstr(layer, "order"));
    free(layer);
    doc_destroy(&doc);
}

static void test_bad_moves_are_refused(void **state)
{
    (void)state;
    doc_t *doc = s_doc(NULL);
    err_t err = {0};
    assert_int_equal(doc_fanout_move(doc, "questions", "1", 4, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    err_clear(&err);
    assert_int_equal(doc_fanout_move(doc, "questions", "1", 0, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    err_clear(&err);
    assert_int_equal(doc_fanout_move(doc, "questions", "9", 1, &err), -1);
    assert_int_equal(err.code, LODE_ENOTFOUND);
    err_clear(&err);
    assert_int_equal(doc_fanout_move(doc, "questions", "Not there?", 1, &err), -1);
    assert_int_equal(err.code, LODE_ENOTFOUND);
    err_clear(&err);
    assert_int_equal(doc_fanout_move(doc, "nonsense", "1", 1, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    err_clear(&err);
    assert_int_equal(doc_fanout_edit(doc, "questions", "1", "Q two?", &err), -1);
    assert_int_equal(err.code, LODE_EINVAL); /* already listed */
    doc_destroy(&doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_question_moves_and_the_order_is_stored),
        cmocka_unit_test(test_markdown_follows_the_curated_order),
        cmocka_unit_test(test_moving_back_leaves_no_override),
        cmocka_unit_test(test_edit_keeps_the_place_and_add_remove_keep_the_order),
        cmocka_unit_test(test_reset_restores_the_proposed_order),
        cmocka_unit_test(test_bad_moves_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
