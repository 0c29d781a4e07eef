/*  test_doc.c - the document: assembly from stored JSON parts, every
 *  curation operation, provenance, order, stale entries, malformed parts,
 *  Markdown. No Redis: parts are JSON strings.
 *  SPDX-License-Identifier: MIT
 */
#include <jansson.h>

#include "doc.h"
#include "test.h"

static const char *const k_source =
    "{\"kind\":\"youtube\",\"format\":\"vtt\",\"title\":\"The data black hole\","
    "\"author\":\"Dwarkesh Patel\",\"published\":\"2026-06-19\",\"runtime_s\":717,"
    "\"language\":\"en\",\"notes\":[]}";

static const char *const k_transcript =
    "{\"text\":\"One definition of intelligence is sample efficiency. Data is the driver. "
    "A black hole of data.\",\"segments\":[{\"start_ms\":0,\"end_ms\":4100,\"offset\":0,"
    "\"length\":52},{\"start_ms\":4100,\"end_ms\":9000,\"offset\":53,\"length\":44}]}";

static const char *const k_snippets =
    "[{\"id\":1,\"quote\":\"One definition of intelligence is sample efficiency.\","
    "\"commentary\":\"Reframes intelligence.\",\"offset\":0,\"length\":52,\"start_ms\":0,"
    "\"rank\":1,\"score\":0.9},"
    "{\"id\":2,\"quote\":\"Data is the driver.\",\"commentary\":\"Data-centric view.\","
    "\"offset\":53,\"length\":19,\"start_ms\":4100,\"rank\":3,\"score\":0.5},"
    "{\"id\":3,\"quote\":\"A black hole of data.\",\"commentary\":\"The metaphor.\","
    "\"offset\":73,\"length\":21,\"start_ms\":65000,\"rank\":2,\"score\":0.7}]";

static const char *const k_synthesis =
    "{\"title\":\"The Data Black Hole\",\"markdown\":\"# The Data Black Hole\\n\\nIntro.\\n\\n"
    "## Section\\n\\nBody.\\n\"}";

static const char *const k_fanout = "{\"questions\":[\"Is sample efficiency the best proxy?\","
                                    "\"What if data runs out?\"],"
                                    "\"concepts\":[\"Sample efficiency\",\"GRPO\"],"
                                    "\"references\":[\"Chinchilla paper\"],"
                                    "\"concept_notes\":[{\"concept\":\"Sample efficiency\","
                                    "\"sentence\":\"One definition of intelligence is sample "
                                    "efficiency.\",\"offset\":0,\"length\":52}]}";

static doc_parts_t s_parts(void)
{
    doc_parts_t p = {
        .id = "01JABCDEFGHJKMNPQRSTVWXYZ0",
        .url = "https://www.youtube.com/watch?v=abc",
        .batch = "01JBATCH00000000000000000",
        .state = "done",
        .stage = "fanout",
        .source = k_source,
        .transcript = k_transcript,
        .snippets = k_snippets,
        .synthesis = k_synthesis,
        .fanout = k_fanout,
    };
    return p;
}

static doc_t *s_doc(const char *curated)
{
    doc_parts_t p = s_parts();
    p.curated = curated;
    err_t err = {0};
    doc_t *doc = doc_new(&p, &err);
    assert_non_null(doc);
    assert_int_equal(err.code, 0);
    return doc;
}

static json_t *s_export(const doc_t *doc)
{
    char *s = doc_to_json(doc, 0);
    json_error_t jerr;
    json_t *j = json_loads(s, 0, &jerr);
    free(s);
    assert_non_null(j);
    return j;
}

static json_t *s_snippet_at(json_t *d, size_t i)
{
    return json_array_get(json_object_get(d, "snippets"), i);
}

static json_int_t s_int(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

static const char *s_str(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    assert_non_null(s);
    return s;
}

/* A curation op, then save and reload the layer, as the client does. */
static doc_t *s_roundtrip(doc_t *doc)
{
    char *layer = doc_curated_json(doc, 1234);
    doc_destroy(&doc);
    doc_t *again = s_doc(layer);
    free(layer);
    return again;
}

static void test_doc_exports_the_design_document_from_stored_parts(void **state)
{
    (void)state;
    doc_t *doc = s_doc(NULL);
    json_t *d = s_export(doc);

    static const char *const keys[] = {"id",     "url",        "batch",    "state",
                                       "source", "transcript", "snippets", "synthesis",
                                       "fanout", "stage",      "error",    "curation"};
    const char *key;
    json_t *v;
    size_t k = 0;
    json_object_foreach(d, key, v)
    {
        assert_true(k < sizeof keys / sizeof keys[0]);
        assert_string_equal(key, keys[k++]);
    }
    assert_int_equal(k, sizeof keys / sizeof keys[0]);
    assert_string_equal(s_str(d, "state"), "done");
    assert_string_equal(s_str(json_object_get(d, "source"), "author"), "Dwarkesh Patel");
    assert_int_equal(s_int(json_object_get(d, "source"), "runtime_s"), 717);
    assert_int_equal(json_array_size(json_object_get(json_object_get(d, "transcript"), "segments")),
                     2);

    json_t *sn = s_snippet_at(d, 0);
    static const char *const skeys[] = {"id",       "quote", "commentary", "offset", "length",
                                        "start_ms", "kept",  "rank",       "score"};
    k = 0;
    json_object_foreach(sn, key, v) assert_string_equal(key, skeys[k++]);
    assert_int_equal(k, sizeof skeys / sizeof skeys[0]);
    assert_true(json_is_true(json_object_get(sn, "kept")));
    assert_null(json_object_get(sn, "curated"));
    assert_string_equal(s_str(json_object_get(d, "synthesis"), "title"), "The Data Black Hole");
    assert_int_equal(json_array_size(json_object_get(json_object_get(d, "fanout"), "concepts")), 2);
    /* the extractive engine's notes ride along in the export, unchanged */
    assert_int_equal(
        json_array_size(json_object_get(json_object_get(d, "fanout"), "concept_notes")), 1);
    json_t *cur = json_object_get(d, "curation");
    assert_true(json_is_null(json_object_get(cur, "updated_ms")));
    assert_int_equal(json_array_size(json_object_get(cur, "changed")), 0);
    assert_true(json_is_null(json_object_get(d, "error")));
    json_decref(d);
    doc_destroy(&doc);
    assert_null(doc);
}

static void test_doc_pretty_export_is_the_same_document(void **state)
{
    (void)state;
    doc_t *doc = s_doc(NULL);
    char *compact = doc_to_json(doc, 0), *pretty = doc_to_json(doc, DOC_JSON_PRETTY);
    assert_non_null(strchr(pretty, '\n'));
    assert_null(strchr(compact, '\n'));
    json_t *a = json_loads(compact, 0, NULL), *b = json_loads(pretty, 0, NULL);
    assert_true(json_equal(a, b));
    json_decref(a);
    json_decref(b);
    free(compact);
    free(pretty);
    doc_destroy(&doc);
}

static void test_doc_drop_hides_nothing_but_marks_kept_false_with_provenance(void **state)
{
    (void)state;
    err_t err = {0};
    doc_t *doc = s_doc(NULL);
    assert_int_equal(doc_keep(doc, 2, false, &err), 0);
    doc = s_roundtrip(doc);
    json_t *d = s_export(doc);

    json_t *sn = s_snippet_at(d, 1);
    assert_int_equal(s_int(sn, "id"), 2);
    assert_true(json_is_false(json_object_get(sn, "kept")));
    assert_true(json_is_true(json_object_get(sn, "curated")));
    assert_true(json_is_true(json_object_get(json_object_get(sn, "proposed"), "kept")));
    json_t *cur = json_object_get(d, "curation");
    assert_int_equal(s_int(cur, "updated_ms"), 1234);
    json_t *c = json_array_get(json_object_get(cur, "changed"), 0);
    assert_string_equal(s_str(c, "part"), "snippets");
    assert_int_equal(s_int(c, "id"), 2);
    assert_string_equal(s_str(c, "change"), "dropped");
    assert_string_equal(s_str(c, "summary"), "snippet 2 dropped");
    json_decref(d);
    doc_destroy(&doc);
}

static void test_doc_keep_after_drop_returns_to_the_proposal(void **state)
{
    (void)state;
    err_t err = {0};
    doc_t *doc = s_doc(NULL);
    assert_int_equal(doc_keep(doc, 2, false, &err), 0);
    assert_int_equal(doc_keep(doc, 2, true, &err), 0);
    char *layer = doc_curated_json(doc, 5);
    json_t *l = json_loads(layer, 0, NULL);
    assert_null(json_object_get(l, "snippets"));
    json_decref(l);
    free(layer);
    json_t *d = s_export(doc);
    assert_int_equal(json_array_size(json_object_get(json_object_get(d, "curation"), "changed")),
                     0);
    assert_null(json_object_get(s_snippet_at(d, 1), "curated"));
    json_decref(d);
    doc_destroy(&doc);
}

static void test_doc_edit_commentary_keeps_the_original_as_proposed(void **state)
{
    (void)state;
    err_t err = {0};
    doc_t *doc = s_doc(NULL);
    assert_int_equal(doc_edit_commentary(doc, 3, "Best line of the talk.", &err), 0);
    doc = s_roundtrip(doc);

    char *now = doc_commentary(doc, 3, &err);
    assert_string_equal(now, "Best line of the talk.");
    free(now);
    json_t *d = s_export(doc);
    json_t *sn = s_snippet_at(d, 2);
    assert_string_equal(s_str(sn, "commentary"), "Best line of the talk.");
    assert_string_equal(s_str(json_object_get(sn, "proposed"), "commentary"), "The metaphor.");
    assert_true(json_is_true(json_object_get(sn, "kept")));
    json_t *c = json_array_get(json_object_get(json_object_get(d, "curation"), "changed"), 0);
    assert_string_equal(s_str(c, "change"), "edited");
    json_decref(d);
    doc_destroy(&doc);
}

static void test_doc_edit_back_to_the_original_clears_the_edit(void **state)
{
    (void)state;
    err_t err = {0};
    doc_t *doc = s_doc(NULL);
    assert_int_equal(doc_edit_commentary(doc, 1, "Changed.", &err), 0);
    assert_int_equal(doc_edit_commentary(doc, 1, "Reframes intelligence.", &err), 0);
    json_t *d = s_export(doc);
    assert_null(json_object_get(s_snippet_at(d, 0), "proposed"));
    json_decref(d);
    doc_destroy(&doc);
}

static void test_doc_edit_rejects_empty_oversized_and_invalid_text(void **state)
{
    (void)state;
    doc_t *doc = s_doc(NULL);
    err_t err = {0};
    assert_int_equal(doc_edit_commentary(doc, 1, " \n\t", &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    err_clear(&err);
    assert_int_equal(doc_edit_commentary(doc, 1, "bad \xff byte", &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    err_clear(&err);
    char *big = malloc(DOC_COMMENTARY_MAX + 2);
    memset(big, 'a', DOC_COMMENTARY_MAX + 1);
    big[DOC_COMMENTARY_MAX + 1] = '\0';
    assert_int_equal(doc_edit_commentary(doc, 1, big, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    free(big);
    doc_destroy(&doc);
}

static void test_doc_unknown_snippet_is_not_found(void **state)
{
    (void)state;
    doc_t *doc = s_doc(NULL);
    err_t err = {0};
    assert_int_equal(doc_keep(doc, 42, false, &err), -1);
    assert_int_equal(err.code, LODE_ENOTFOUND);
    assert_non_null(strstr(err.msg, "no snippet 42"));
    err_clear(&err);
    assert_int_equal(doc_edit_commentary(doc, 42, "x", &err), -1);
    assert_int_equal(err.code, LODE_ENOTFOUND);
    err_clear(&err);
    assert_null(doc_commentary(doc, 42, &err));
    assert_int_equal(err.code, LODE_ENOTFOUND);
    err_clear(&err);
    assert_int_equal(doc_move(doc, 42, 1, &err), -1);
    assert_int_equal(err.code, LODE_ENOTFOUND);
    doc_destroy(&doc);
}

static void test_doc_move_reorders_and_records_the_proposed_position(void **state)
{
    (void)state;
    err_t err = {0};
    doc_t *doc = s_doc(NULL);
    assert_int_equal(doc_move(doc, 3, 1, &err), 0);
    doc = s_roundtrip(doc);
    json_t *d = s_export(doc);
    assert_int_equal(s_int(s_snippet_at(d, 0), "id"), 3);
    assert_int_equal(s_int(s_snippet_at(d, 1), "id"), 1);
    assert_int_equal(s_int(s_snippet_at(d, 2), "id"), 2);
    json_t *prop = json_object_get(s_snippet_at(d, 0), "proposed");
    assert_int_equal(s_int(prop, "position"), 3);
    assert_null(json_object_get(s_snippet_at(d, 1), "curated")); /* shifted, not moved */
    json_t *c = json_array_get(json_object_get(json_object_get(d, "curation"), "changed"), 0);
    assert_string_equal(s_str(c, "change"), "moved");
    assert_int_equal(s_int(c, "from"), 3);
    assert_int_equal(s_int(c, "to"), 1);
    json_decref(d);
    doc_destroy(&doc);
}

static void test_doc_move_back_to_the_source_order_clears_the_order(void **state)
{
    (void)state;
    err_t err = {0};
    doc_t *doc = s_doc(NULL);
    assert_int_equal(doc_move(doc, 1, 3, &err), 0);
    assert_int_equal(doc_move(doc, 1, 1, &err), 0);
    char *layer = doc_curated_json(doc, 7);
    json_t *l = json_loads(layer, 0, NULL);
    assert_null(json_object_get(l, "order"));
    assert_null(json_object_get(l, "snippets"));
    json_decref(l);
    free(layer);
    doc_destroy(&doc);
}

static void test_doc_move_rejects_a_position_out_of_range(void **state)
{
    (void)state;
    doc_t *doc = s_doc(NULL);
    err_t err = {0};
    assert_int_equal(doc_move(doc, 1, 0, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    err_clear(&err);
    assert_int_equal(doc_move(doc, 1, 4, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    assert_non_null(strstr(err.msg, "1..3"));
    doc_destroy(&doc);
}

static void test_doc_edit_synthesis_takes_the_title_from_the_heading(void **state)
{
    (void)state;
    err_t err = {0};
    doc_t *doc = s_doc(NULL);
    assert_int_equal(doc_edit_synthesis(doc, "# A Better Title\n\nShorter essay.\n", &err), 0);
    doc = s_roundtrip(doc);
    char *md = doc_synthesis(doc, &err);
    assert_string_equal(md, "# A Better Title\n\nShorter essay.\n");
    free(md);
    json_t *d = s_export(doc);
    json_t *syn = json_object_get(d, "synthesis");
    assert_string_equal(s_str(syn, "title"), "A Better Title");
    assert_true(json_is_true(json_object_get(syn, "curated")));
    json_t *prop = json_object_get(syn, "proposed");
    assert_string_equal(s_str(prop, "title"), "The Data Black Hole");
    assert_non_null(strstr(s_str(prop, "markdown"), "## Section"));
    json_decref(d);
    doc_destroy(&doc);
}

static void test_doc_synthesis_edit_without_heading_keeps_the_title(void **state)
{
    (void)state;
    err_t err = {0};
    doc_t *doc = s_doc(NULL);
    assert_int_equal(doc_edit_synthesis(doc, "Just prose.", &err), 0);
    json_t *d = s_export(doc);
    json_t *syn = json_object_get(d, "synthesis");
    assert_string_equal(s_str(syn, "title"), "The Data Black Hole");
    assert_null(json_object_get(json_object_get(syn, "proposed"), "title"));
    json_decref(d);
    doc_destroy(&doc);
}

static void test_doc_fanout_add_and_remove_by_index_and_text(void **state)
{
    (void)state;
    err_t err = {0};
    char *removed = NULL;
    doc_t *doc = s_doc(NULL);
    assert_int_equal(doc_fanout_add(doc, "questions", "Who pays for data?", &err), 0);
    assert_int_equal(doc_fanout_remove(doc, "questions", "1", &removed, &err), 0);
    assert_string_equal(removed, "Is sample efficiency the best proxy?");
    free(removed);
    assert_int_equal(doc_fanout_remove(doc, "concept", "GRPO", NULL, &err), 0);
    doc = s_roundtrip(doc);

    json_t *d = s_export(doc);
    json_t *fan = json_object_get(d, "fanout");
    json_t *q = json_object_get(fan, "questions");
    assert_int_equal(json_array_size(q), 2);
    assert_string_equal(json_string_value(json_array_get(q, 0)), "What if data runs out?");
    assert_string_equal(json_string_value(json_array_get(q, 1)), "Who pays for data?");
    assert_int_equal(json_array_size(json_object_get(fan, "concepts")), 1);
    assert_true(json_is_true(json_object_get(fan, "curated")));
    json_t *prop = json_object_get(fan, "proposed");
    assert_int_equal(json_array_size(json_object_get(prop, "questions")), 2);
    assert_int_equal(json_array_size(json_object_get(prop, "concepts")), 2);
    assert_null(json_object_get(prop, "references"));
    json_t *changed = json_object_get(json_object_get(d, "curation"), "changed");
    assert_int_equal(json_array_size(changed), 3);
    json_decref(d);
    doc_destroy(&doc);
}

static void test_doc_removing_an_added_item_leaves_no_trace(void **state)
{
    (void)state;
    err_t err = {0};
    doc_t *doc = s_doc(NULL);
    assert_int_equal(doc_fanout_add(doc, "references", "Epoch AI report", &err), 0);
    assert_int_equal(doc_fanout_remove(doc, "references", "2", NULL, &err), 0);
    assert_int_equal(doc_fanout_remove(doc, "references", "Chinchilla paper", NULL, &err), 0);
    assert_int_equal(doc_fanout_add(doc, "references", "Chinchilla paper", &err), 0);
    char *layer = doc_curated_json(doc, 9);
    json_t *l = json_loads(layer, 0, NULL);
    assert_null(json_object_get(l, "fanout"));
    json_decref(l);
    free(layer);
    doc_destroy(&doc);
}

static void test_doc_fanout_errors_name_the_problem(void **state)
{
    (void)state;
    doc_t *doc = s_doc(NULL);
    err_t err = {0};
    assert_int_equal(doc_fanout_add(doc, "ideas", "x", &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    err_clear(&err);
    assert_int_equal(doc_fanout_add(doc, "concepts", "GRPO", &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    assert_non_null(strstr(err.msg, "already"));
    err_clear(&err);
    assert_int_equal(doc_fanout_remove(doc, "concepts", "3", NULL, &err), -1);
    assert_int_equal(err.code, LODE_ENOTFOUND);
    err_clear(&err);
    assert_int_equal(doc_fanout_remove(doc, "concepts", "99999999999999999999", NULL, &err), -1);
    assert_int_equal(err.code, LODE_ENOTFOUND);
    err_clear(&err);
    assert_int_equal(doc_fanout_remove(doc, "concepts", "Not there", NULL, &err), -1);
    assert_int_equal(err.code, LODE_ENOTFOUND);
    doc_destroy(&doc);
}

static void test_doc_layer_survives_a_rerun_and_ignores_stale_ids(void **state)
{
    (void)state;
    err_t err = {0};
    doc_t *doc = s_doc(NULL);
    assert_int_equal(doc_keep(doc, 1, false, &err), 0);
    assert_int_equal(doc_edit_commentary(doc, 3, "Mine.", &err), 0);
    assert_int_equal(doc_move(doc, 3, 1, &err), 0);
    char *layer = doc_curated_json(doc, 11);
    doc_destroy(&doc);

    /* The snippet stage ran again: snippet 3 is gone, snippet 1 now names
     * another quote, snippet 4 is new. */
    doc_parts_t p = s_parts();
    p.snippets = "[{\"id\":1,\"quote\":\"Data is the driver.\",\"commentary\":\"c1\","
                 "\"offset\":53,\"length\":19},"
                 "{\"id\":2,\"quote\":\"Data is the driver.\",\"commentary\":\"c2\","
                 "\"offset\":53,\"length\":19},"
                 "{\"id\":4,\"quote\":\"A black hole of data.\",\"commentary\":\"c4\","
                 "\"offset\":73,\"length\":21}]";
    p.curated = layer;
    doc = doc_new(&p, &err);
    assert_non_null(doc);
    json_t *d = s_export(doc);
    assert_int_equal(s_int(s_snippet_at(d, 0), "id"), 1);
    assert_true(json_is_true(json_object_get(s_snippet_at(d, 0), "kept")));
    assert_int_equal(s_int(s_snippet_at(d, 2), "id"), 4);
    assert_int_equal(json_array_size(json_object_get(json_object_get(d, "curation"), "changed")),
                     0);
    json_decref(d);

    /* The layer itself still holds the person's edits. */
    char *again = doc_curated_json(doc, 12);
    assert_non_null(strstr(again, "Mine."));
    free(again);
    free(layer);
    doc_destroy(&doc);
}

static void test_doc_assembles_a_job_that_is_not_done(void **state)
{
    (void)state;
    doc_parts_t p = {.id = "01J", .state = "running", .stage = "snippet", .source = k_source};
    err_t err = {0};
    doc_t *doc = doc_new(&p, &err);
    assert_non_null(doc);
    assert_true(doc_has_part(doc, "source"));
    assert_false(doc_has_part(doc, "snippets"));
    json_t *d = s_export(doc);
    assert_true(json_is_null(json_object_get(d, "snippets")));
    assert_true(json_is_null(json_object_get(d, "fanout")));
    assert_true(json_is_null(json_object_get(d, "url")));
    assert_string_equal(s_str(d, "stage"), "snippet");
    json_decref(d);
    assert_int_equal(doc_keep(doc, 1, false, &err), -1);
    assert_int_equal(err.code, LODE_ENOTFOUND);
    err_clear(&err);
    assert_int_equal(doc_edit_synthesis(doc, "x", &err), -1);
    assert_int_equal(err.code, LODE_ENOTFOUND);
    err_clear(&err);
    assert_int_equal(doc_fanout_add(doc, "questions", "x", &err), -1);
    assert_int_equal(err.code, LODE_ENOTFOUND);
    doc_destroy(&doc);
}

static void s_expect_malformed(doc_parts_t p, const char *needle)
{
    err_t err = {0};
    doc_t *doc = doc_new(&p, &err);
    assert_null(doc);
    assert_int_equal(err.code, LODE_EINVAL);
    if (!strstr(err.msg, needle))
        fail_msg("\"%s\" does not mention \"%s\"", err.msg, needle);
}

static void test_doc_malformed_parts_are_clear_errors(void **state)
{
    (void)state;
    doc_parts_t p = s_parts();
    p.snippets = "[{\"id\":1,\"quote\":";
    s_expect_malformed(p, "snippets part is not valid JSON");
    p = s_parts();
    p.snippets = "{\"id\":1}";
    s_expect_malformed(p, "not a JSON array");
    p = s_parts();
    p.snippets = "[{\"id\":\"one\",\"quote\":\"q\"}]";
    s_expect_malformed(p, "no integer id");
    p = s_parts();
    p.snippets = "[{\"id\":1,\"quote\":5}]";
    s_expect_malformed(p, "snippet 1");
    p = s_parts();
    p.snippets = "[{\"id\":1,\"quote\":\"a\"},{\"id\":1,\"quote\":\"b\"}]";
    s_expect_malformed(p, "duplicate snippet id 1");
    p = s_parts();
    p.fanout = "{\"questions\":[1,2]}";
    s_expect_malformed(p, "\"questions\" is not an array of strings");
    p = s_parts();
    p.transcript = "{\"segments\":[]}";
    s_expect_malformed(p, "transcript");
    p = s_parts();
    p.synthesis = "{\"title\":7}";
    s_expect_malformed(p, "synthesis");
    p = s_parts();
    p.source = "[]";
    s_expect_malformed(p, "source part is not a JSON object");
    p = s_parts();
    p.curated = "not json";
    s_expect_malformed(p, "curated part");
    p = s_parts();
    p.source = "{\"title\":\"\xff\"}";
    s_expect_malformed(p, "source part is not valid JSON");
}

static void test_doc_tolerates_mistyped_entries_in_the_layer(void **state)
{
    (void)state;
    doc_t *doc = s_doc("{\"snippets\":{\"1\":[],\"2\":{\"offset\":53,\"length\":19,"
                       "\"commentary\":7}},\"order\":[\"x\",99,2],\"synthesis\":5,"
                       "\"fanout\":{\"questions\":{\"added\":[3],\"removed\":\"x\"}}}");
    json_t *d = s_export(doc);
    assert_int_equal(s_int(s_snippet_at(d, 0), "id"), 2);
    assert_string_equal(s_str(s_snippet_at(d, 0), "commentary"), "Data-centric view.");
    assert_int_equal(json_array_size(json_object_get(json_object_get(d, "fanout"), "questions")),
                     2);
    json_decref(d);
    err_t err = {0};
    assert_int_equal(doc_keep(doc, 1, false, &err), 0);
    assert_int_equal(doc_fanout_add(doc, "questions", "New?", &err), 0);
    doc_destroy(&doc);
}

static void test_doc_markdown_reads_like_the_page(void **state)
{
    (void)state;
    err_t err = {0};
    doc_t *doc = s_doc(NULL);
    assert_int_equal(doc_keep(doc, 2, false, &err), 0);
    assert_int_equal(doc_edit_commentary(doc, 3, "Edited note.", &err), 0);
    char *md = doc_to_markdown(doc);
    assert_non_null(strstr(md, "# The data black hole\n"));
    assert_non_null(strstr(md, "- **Author:** Dwarkesh Patel\n"));
    assert_non_null(strstr(md, "- **Runtime:** 11:57\n"));
    assert_non_null(strstr(md, "## Snippets\n"));
    assert_non_null(strstr(md, "> One definition of intelligence is sample efficiency.\n"));
    assert_non_null(strstr(md, "> — [0:00]\n"));
    assert_non_null(strstr(md, "> — [1:05]\n"));
    assert_null(strstr(md, "Data is the driver."));
    assert_non_null(strstr(md, "Edited note. *(edited)*"));
    assert_non_null(strstr(md, "## The Data Black Hole\n"));
    assert_non_null(strstr(md, "### Section\n"));
    assert_non_null(strstr(md, "### Questions raised\n\n1. Is sample efficiency"));
    assert_non_null(strstr(md, "### References invoked\n\n1. Chinchilla paper\n"));
    assert_non_null(strstr(md, "1. Sample efficiency\n   > One definition of intelligence is "
                               "sample efficiency.\n"));
    assert_non_null(strstr(md, "## Curation\n\n- snippet 2 dropped\n"));
    free(md);
    doc_destroy(&doc);
}

/* The .meta beside a model-made part rides along as "made_by"; an
 * extractive job has none, and a .meta that does not parse is left out. */
static void test_doc_says_which_model_and_prompt_made_each_part(void **state)
{
    (void)state;
    doc_parts_t p = s_parts();
    p.made[0] = "{\"engine\":\"openai\",\"model\":\"gpt-4o-mini\",\"prompt_hash\":"
                "\"sha256:0123456789abcdef0123\",\"prompt_tokens\":1200}";
    p.made[1] = "not json";
    err_t err = {0};
    doc_t *doc = doc_new(&p, &err);
    assert_non_null(doc);
    json_t *j = s_export(doc);
    json_t *made = json_object_get(j, "made_by");
    assert_int_equal(json_object_size(made), 1);
    json_t *sn = json_object_get(made, "snippets");
    assert_string_equal(json_string_value(json_object_get(sn, "model")), "gpt-4o-mini");
    assert_int_equal(json_integer_value(json_object_get(sn, "prompt_tokens")), 1200);
    json_decref(j);
    char *md = doc_to_markdown(doc);
    assert_non_null(
        strstr(md, "## Made by\n\n- snippets: openai gpt-4o-mini, prompt sha256:0123456789ab\n"));
    free(md);
    doc_destroy(&doc);

    doc = s_doc(NULL);
    j = s_export(doc);
    assert_null(json_object_get(j, "made_by"));
    json_decref(j);
    md = doc_to_markdown(doc);
    assert_null(strstr(md, "Made by"));
    free(md);
    doc_destroy(&doc);
}

static void test_doc_markdown_of_an_unfinished_job_has_only_what_exists(void **state)
{
    (void)state;
    doc_parts_t p = {.id = "01JX", .url = "https://example.org/a", .state = "queued"};
    err_t err = {0};
    doc_t *doc = doc_new(&p, &err);
    char *md = doc_to_markdown(doc);
    assert_non_null(strstr(md, "# https://example.org/a\n"));
    assert_non_null(strstr(md, "- **Job:** 01JX (queued)"));
    assert_null(strstr(md, "## Snippets"));
    assert_null(strstr(md, "## Fan-out"));
    free(md);
    doc_destroy(&doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doc_exports_the_design_document_from_stored_parts),
        cmocka_unit_test(test_doc_pretty_export_is_the_same_document),
        cmocka_unit_test(test_doc_drop_hides_nothing_but_marks_kept_false_with_provenance),
        cmocka_unit_test(test_doc_keep_after_drop_returns_to_the_proposal),
        cmocka_unit_test(test_doc_edit_commentary_keeps_the_original_as_proposed),
        cmocka_unit_test(test_doc_edit_back_to_the_original_clears_the_edit),
        cmocka_unit_test(test_doc_edit_rejects_empty_oversized_and_invalid_text),
        cmocka_unit_test(test_doc_unknown_snippet_is_not_found),
        cmocka_unit_test(test_doc_move_reorders_and_records_the_proposed_position),
        cmocka_unit_test(test_doc_move_back_to_the_source_order_clears_the_order),
        cmocka_unit_test(test_doc_move_rejects_a_position_out_of_range),
        cmocka_unit_test(test_doc_edit_synthesis_takes_the_title_from_the_heading),
        cmocka_unit_test(test_doc_synthesis_edit_without_heading_keeps_the_title),
        cmocka_unit_test(test_doc_fanout_add_and_remove_by_index_and_text),
        cmocka_unit_test(test_doc_removing_an_added_item_leaves_no_trace),
        cmocka_unit_test(test_doc_fanout_errors_name_the_problem),
        cmocka_unit_test(test_doc_layer_survives_a_rerun_and_ignores_stale_ids),
        cmocka_unit_test(test_doc_assembles_a_job_that_is_not_done),
        cmocka_unit_test(test_doc_malformed_parts_are_clear_errors),
        cmocka_unit_test(test_doc_tolerates_mistyped_entries_in_the_layer),
        cmocka_unit_test(test_doc_markdown_reads_like_the_page),
        cmocka_unit_test(test_doc_markdown_of_an_unfinished_job_has_only_what_exists),
        cmocka_unit_test(test_doc_says_which_model_and_prompt_made_each_part),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
