/*  test_podcast_people.c - who speaks in a podcast episode: the JSON
 *  transcript's "speaker" names its segments (one speaker or many, names
 *  cleaned), <podcast:person> is read on the channel and on items (default
 *  role, lower-cased role, limits, empty and unnamed tags), and
 *  podcast_speakers merges both (item people replace the channel's, only
 *  speaking roles, hosts before guests, "Ada" is "Ada Host").
 *  SPDX-License-Identifier: MIT
 */
#include "mem.h"
#include "podcast.h"
#include "test.h"

#define S_FEED_HEAD                                                                                \
    "<rss version=\"2.0\" xmlns:podcast=\"https://podcastindex.org/namespace/1.0\"><channel>"      \
    "<title>Show</title>"

static podcast_feed_t *s_parse(const char *xml)
{
    err_t err = {0};
    podcast_feed_t *f = podcast_feed_parse(xml, strlen(xml), "http://pod.test/feed.xml", &err);
    if (!f)
        fail_msg("feed did not parse: %s", err.msg);
    return f;
}

static void s_free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
}

static void test_json_speakers_name_their_segments(void **state)
{
    (void)state;
    const char *json =
        "{\"version\":\"1.0.0\",\"segments\":["
        "{\"speaker\":\"Ada\",\"startTime\":0,\"endTime\":1,\"body\":\"Hello there.\"},"
        "{\"speaker\":\" Bob\\n  Guest \",\"startTime\":1,\"endTime\":2,"
        "\"body\":\"Hi Ada.\"},"
        "{\"startTime\":2,\"endTime\":3,\"body\":\"And more.\"}]}";
    err_t err = {0};
    transcript_t *t = podcast_json_transcript(json, strlen(json), &err);
    assert_non_null(t);
    assert_int_equal(t->n_speakers, 2);
    assert_string_equal(t->speakers[0], "Ada");
    assert_string_equal(t->speakers[1], "Bob Guest"); /* whitespace collapsed */
    assert_string_equal(t->text, "Ada: Hello there.\n\nBob Guest: Hi Ada. And more.");
    assert_string_equal(transcript_speaker_at(t, 0), "Ada");
    const char *hi = strstr(t->text, "Hi Ada");
    assert_string_equal(transcript_speaker_at(t, (size_t)(hi - t->text)), "Bob Guest");
    /* a segment without "speaker" is nobody's: not guessed from the last */
    const char *more = strstr(t->text, "And more");
    assert_null(transcript_speaker_at(t, (size_t)(more - t->text)));
    transcript_destroy(&t);
}

static void test_one_json_speaker_names_segments_without_labels(void **state)
{
    (void)state;
    const char *json = "{\"segments\":[{\"speaker\":\"Ada Host\",\"startTime\":0,\"endTime\":1,"
                       "\"body\":\"A monologue.\"},{\"speaker\":\"Ada Host\",\"startTime\":1,"
                       "\"endTime\":2,\"body\":\"Still me.\"}]}";
    err_t err = {0};
    transcript_t *t = podcast_json_transcript(json, strlen(json), &err);
    assert_non_null(t);
    assert_string_equal(t->text, "A monologue. Still me."); /* no "Ada Host:" label */
    assert_int_equal(t->n_speakers, 1);
    assert_string_equal(transcript_speaker_at(t, 14), "Ada Host");
    transcript_destroy(&t);
}

static void test_persons_are_read_on_channel_and_items(void **state)
{
    (void)state;
    podcast_feed_t *f =
        s_parse(S_FEED_HEAD "<podcast:person href=\"x\">Ada Host</podcast:person>"
                            "<podcast:person role=\"Producer\">Pat</podcast:person>"
                            "<podcast:person role=\"guest\"></podcast:person><podcast:person/>"
                            "<item><title>One</title><podcast:person role=\"Guest\">Bob &amp;\n Co"
                            "</podcast:person><podcast:person role=\"\">Cy</podcast:person></item>"
                            "<item><title>Two</title></item></channel></rss>");
    assert_int_equal(f->n_persons, 2); /* empty and unnamed tags are dropped */
    assert_string_equal(f->persons[0].name, "Ada Host");
    assert_string_equal(f->persons[0].role, "host"); /* the namespace's default */
    assert_string_equal(f->persons[1].role, "producer");
    assert_int_equal(f->n_items, 2);
    assert_int_equal(f->items[0].n_persons, 2);
    assert_string_equal(f->items[0].persons[0].name, "Bob & Co");
    assert_string_equal(f->items[0].persons[0].role, "guest");
    assert_string_equal(f->items[0].persons[1].role, "host");
    assert_int_equal(f->items[1].n_persons, 0);
    podcast_feed_destroy(&f);
}

static void test_persons_are_bounded(void **state)
{
    (void)state;
    char *xml = mem_strdup(S_FEED_HEAD);
    for (int i = 0; i < PODCAST_MAX_PERSONS + 10; i++) {
        char *next = mem_printf("%s<podcast:person>P%d</podcast:person>", xml, i);
        free(xml);
        xml = next;
    }
    char *all = mem_printf("%s</channel></rss>", xml);
    podcast_feed_t *f = s_parse(all);
    assert_int_equal(f->n_persons, PODCAST_MAX_PERSONS);
    assert_string_equal(f->persons[PODCAST_MAX_PERSONS - 1].name, "P31");
    podcast_feed_destroy(&f);
    free(all);
    free(xml);
}

static void test_speakers_merge_transcript_and_feed(void **state)
{
    (void)state;
    podcast_feed_t *f =
        s_parse(S_FEED_HEAD "<podcast:person>Chan Host</podcast:person>"
                            "<item><title>One</title>"
                            "<podcast:person role=\"guest\">Bob Guest</podcast:person>"
                            "<podcast:person role=\"Co-Host\">Ada Host</podcast:person>"
                            "<podcast:person role=\"editor\">Eve</podcast:person>"
                            "<podcast:person role=\"guest\">Cy Third</podcast:person></item>"
                            "<item><title>Two</title></item></channel></rss>");
    const char *json = "{\"segments\":[{\"speaker\":\"Ada\",\"startTime\":0,\"body\":\"Hi.\"},"
                       "{\"speaker\":\"Bob Guest\",\"startTime\":1,\"body\":\"Hello.\"}]}";
    err_t err = {0};
    transcript_t *t = podcast_json_transcript(json, strlen(json), &err);
    assert_non_null(t);
    char *names[12];
    /* item people replace the channel's; "Ada" is "Ada Host"; no editor */
    size_t n = podcast_speakers(f, &f->items[0], t, names, 12);
    assert_int_equal(n, 3);
    assert_string_equal(names[0], "Ada");
    assert_string_equal(names[1], "Bob Guest");
    assert_string_equal(names[2], "Cy Third");
    s_free_names(names, n);
    /* no transcript speakers: the item's hosts, then its guests */
    n = podcast_speakers(f, &f->items[0], NULL, names, 12);
    assert_int_equal(n, 3);
    assert_string_equal(names[0], "Ada Host");
    assert_string_equal(names[1], "Bob Guest");
    assert_string_equal(names[2], "Cy Third");
    s_free_names(names, n);
    /* an item without people: the channel's */
    n = podcast_speakers(f, &f->items[1], NULL, names, 12);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "Chan Host");
    s_free_names(names, n);
    /* bounded by max */
    n = podcast_speakers(f, &f->items[0], t, names, 2);
    assert_int_equal(n, 2);
    s_free_names(names, n);
    transcript_destroy(&t);
    podcast_feed_destroy(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_speakers_name_their_segments),
        cmocka_unit_test(test_one_json_speaker_names_segments_without_labels),
        cmocka_unit_test(test_persons_are_read_on_channel_and_items),
        cmocka_unit_test(test_persons_are_bounded),
        cmocka_unit_test(test_speakers_merge_transcript_and_feed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
