/*  render.c - the `lode show` page. Reads the exported document, so show
 *  and export can never disagree about what the document says.
 *  SPDX-License-Identifier: MIT
 */
#include "render.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

static const char *const s_lists[] = {"questions", "concepts", "references"};

static const char *const s_list_titles[] = {"Questions raised", "Concepts to learn",
                                            "References invoked"};

static const char *s_get(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s && *s ? s : NULL;
}

static void s_clock(long long ms, char out[32])
{
    long long s = ms / 1000;
    if (s >= 3600)
        snprintf(out, 32, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(out, 32, "%lld:%02lld", s / 60, s % 60);
}

static void s_fact(FILE *f, const char *label, const char *value)
{
    if (value)
        fprintf(f, "  %-11s %s\n", label, value);
}

/* "(not yet: job running at stage snippet)" for a part that is missing. */
static void s_missing(FILE *f, const json_t *d)
{
    const char *state = s_get(d, "state"), *stage = s_get(d, "stage"), *error = s_get(d, "error");
    (void)error;
    if (state && strcmp(state, "failed") == 0)
        fputs("  (none: the job failed, see above)\n\n", f);
    else
        fprintf(f, "  (not yet: the job is %s%s%s)\n\n", state ? state : "in an unknown state",
                stage ? " at stage " : "", stage ? stage : "");
}

static bool s_has(const char *s, const char *needle)
{
    return s && strstr(s, needle);
}

/* What to do about a failure, from its stage and reason. */
static const char *s_advice(const char *stage, const char *error)
{
    if (s_has(error, "too short") || s_has(error, "empty transcript") ||
        s_has(error, "too short to mine"))
        return "the source has too little text to mine: submit a longer one";
    if (s_has(error, "binary content") || s_has(error, "not supported") ||
        s_has(error, "unsupported") || s_has(error, "only http"))
        return "lode cannot read this source: submit text, Markdown, WebVTT, SRT or a web page";
    if (s_has(error, "captions") || s_has(error, "PO token"))
        return "the video's captions cannot be read as is: see the reason above";
    if (stage && strcmp(stage, "fetch") == 0)
        return "fix the cause above (a page that is gone, a private address…), then lode retry "
               "JOB";
    return "fix the cause above (the model server, its key or its limits), then lode retry JOB "
           "to run the stage again";
}

/* A failed job: the failure once, at the top, with what to do. */
static void s_failure(FILE *f, const json_t *d)
{
    const char *state = s_get(d, "state"), *stage = s_get(d, "stage"), *error = s_get(d, "error");
    if (!state || strcmp(state, "failed") != 0)
        return;
    fprintf(f, "FAILED at stage %s: %s\n", stage ? stage : "?",
            error ? error : "(no reason recorded)");
    const char *advice = s_advice(stage, error);
    const char *job = strstr(advice, "JOB");
    if (job)
        fprintf(f, "  what to do: %.*s%s%s\n\n", (int)(job - advice), advice,
                s_get(d, "id") ? s_get(d, "id") : "JOB", job + 3);
    else
        fprintf(f, "  what to do: %s\n\n", advice);
}

static size_t s_words(const char *s)
{
    size_t n = 0;
    bool in = false;
    for (; s && *s; s++) {
        bool space = isspace((unsigned char)*s);
        n += !space && !in;
        in = !space;
    }
    return n;
}

static void s_counts(FILE *f, const json_t *d)
{
    const json_t *tr = json_object_get(d, "transcript");
    if (json_is_object(tr))
        fprintf(f, "  %-11s %zu words · %zu segments\n", "Transcript", s_words(s_get(tr, "text")),
                json_array_size(json_object_get(tr, "segments")));
    const json_t *sn = json_object_get(d, "snippets");
    if (json_is_array(sn)) {
        size_t kept = 0, edited = 0, i;
        const json_t *v;
        json_array_foreach(sn, i, v)
        {
            kept += !json_is_false(json_object_get(v, "kept"));
            edited += json_object_get(json_object_get(v, "proposed"), "commentary") != NULL;
        }
        fprintf(f, "  %-11s %zu", "Snippets", kept);
        if (kept != json_array_size(sn))
            fprintf(f, " kept of %zu", json_array_size(sn));
        fprintf(f, edited ? " · %zu edited\n" : "\n", edited);
    }
    const json_t *fan = json_object_get(d, "fanout");
    if (json_is_object(fan))
        fprintf(f, "  %-11s %zu questions · %zu concepts · %zu references\n", "Fan-out",
                json_array_size(json_object_get(fan, "questions")),
                json_array_size(json_object_get(fan, "concepts")),
                json_array_size(json_object_get(fan, "references")));
}

static void s_headline(FILE *f, const json_t *d, const json_t *src)
{
    const char *title = s_get(src, "title");
    fprintf(f, "%s\n",
            title                ? title
            : s_get(d, "url")    ? s_get(d, "url")
            : s_get(src, "name") ? s_get(src, "name")
                                 : s_get(d, "id"));
    const char *by[3] = {s_get(src, "author"), s_get(src, "published"), NULL};
    char clock[32];
    const json_t *rt = json_object_get(src, "runtime_s");
    if (json_is_integer(rt) && json_integer_value(rt) > 0) {
        s_clock((long long)json_integer_value(rt) * 1000, clock);
        by[2] = clock;
    }
    bool first = true;
    for (int i = 0; i < 3; i++) {
        if (by[i]) {
            fprintf(f, "%s%s", first ? "" : " · ", by[i]);
            first = false;
        }
    }
    fputs(first ? "\n" : "\n\n", f);
}

/* "A conversation between A, B and C" when the source names speakers
 * (WebVTT voices, "Name:" turns), "Speaker  A" for one. */
static void s_speakers(FILE *f, const json_t *sp)
{
    size_t n = json_array_size(sp);
    if (n == 1)
        s_fact(f, "Speaker", json_string_value(json_array_get(sp, 0)));
    if (n < 2)
        return;
    fprintf(f, "  %-11s A conversation between ", "Speakers");
    for (size_t i = 0; i < n; i++) {
        const char *name = json_string_value(json_array_get(sp, i));
        fprintf(f, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ", name ? name : "?");
    }
    fputc('\n', f);
}

static void s_source(FILE *f, const json_t *d)
{
    const json_t *src = json_object_get(d, "source");
    s_headline(f, d, src);
    s_failure(f, d);
    fputs("§01  Source\n", f);
    if (!json_is_object(src))
        s_missing(f, d);
    s_fact(f, "Title", s_get(src, "title"));
    s_fact(f, "Author", s_get(src, "author"));
    s_fact(f, "Published", s_get(src, "published"));
    const json_t *rt = json_object_get(src, "runtime_s");
    if (json_is_integer(rt) && json_integer_value(rt) > 0) {
        char clock[32];
        s_clock((long long)json_integer_value(rt) * 1000, clock);
        s_fact(f, "Runtime", clock);
    }
    if (s_get(src, "kind"))
        fprintf(f, "  %-11s %s%s%s%s\n", "Kind", s_get(src, "kind"),
                s_get(src, "format") ? " (" : "", s_get(src, "format") ? s_get(src, "format") : "",
                s_get(src, "format") ? ")" : "");
    s_fact(f, "Language", s_get(src, "language"));
    s_speakers(f, json_object_get(src, "speakers"));
    s_fact(f, "URL", s_get(d, "url"));
    s_fact(f, "File", s_get(src, "name"));
    s_counts(f, d);
    fprintf(f, "  %-11s %s · %s", "Job", s_get(d, "id") ? s_get(d, "id") : "?",
            s_get(d, "state") ? s_get(d, "state") : "?");
    if (s_get(d, "state") && strcmp(s_get(d, "state"), "done") != 0 && s_get(d, "stage"))
        fprintf(f, " at stage %s", s_get(d, "stage"));
    fputc('\n', f);
    size_t i;
    const json_t *note;
    json_array_foreach(json_object_get(src, "notes"), i, note)
        s_fact(f, i ? "" : "Notes", json_string_value(note));
    fputc('\n', f);
}

/* Lines of text, each indented by pre. */
static void s_lines(FILE *f, const char *pre, const char *text)
{
    while (text && *text) {
        size_t n = strcspn(text, "\n");
        fprintf(f, "%s%.*s\n", pre, (int)n, text);
        text += n + (text[n] == '\n');
    }
}

static void s_snippet(FILE *f, const json_t *sn)
{
    const json_t *prop = json_object_get(sn, "proposed");
    fprintf(f, "  #%lld", (long long)json_integer_value(json_object_get(sn, "id")));
    const json_t *at = json_object_get(sn, "start_ms");
    if (json_is_integer(at)) {
        char clock[32];
        s_clock((long long)json_integer_value(at), clock);
        fprintf(f, "  [%s]", clock);
    }
    if (json_is_false(json_object_get(sn, "kept")))
        fputs("  (dropped)", f);
    if (json_object_get(prop, "commentary"))
        fputs("  (edited)", f);
    if (json_object_get(prop, "position"))
        fputs("  (moved)", f);
    /* The model misquoted and the source's own words are shown: worth a
     * second look before keeping it. */
    const char *match = json_string_value(json_object_get(sn, "match"));
    if (match && strcmp(match, "snapped") == 0)
        fputs("  (snapped to the source)", f);
    fputc('\n', f);
    s_lines(f, "  │ ", s_get(sn, "quote"));
    if (s_get(sn, "speaker"))
        fprintf(f, "  │ \u2014 %s\n", s_get(sn, "speaker"));
    if (s_get(sn, "proposed_quote")) /* what the model wrote, beside the source's words */
        s_lines(f, "  ✎ model proposed: ", s_get(sn, "proposed_quote"));
    s_lines(f, "  → ", s_get(sn, "commentary"));
    fputc('\n', f);
}

static void s_snippets(FILE *f, const json_t *d, const render_opts_t *opts)
{
    const json_t *arr = json_object_get(d, "snippets");
    fputs("§02  Snippets\n\n", f);
    if (!json_is_array(arr)) {
        s_missing(f, d);
        return;
    }
    size_t i, shown = 0;
    const json_t *sn;
    json_array_foreach(arr, i, sn)
    {
        if (!opts->all && json_is_false(json_object_get(sn, "kept")))
            continue;
        s_snippet(f, sn);
        shown++;
    }
    if (!shown)
        fputs(json_array_size(arr) ? "  (every snippet is dropped; lode show --all lists them)\n\n"
                                   : "  (no snippets)\n\n",
              f);
}

static void s_synthesis(FILE *f, const json_t *d)
{
    const json_t *syn = json_object_get(d, "synthesis");
    fputs("§03  Synthesis", f);
    fputs(json_object_get(syn, "proposed") ? "  (edited)\n\n" : "\n\n", f);
    if (!json_is_object(syn)) {
        s_missing(f, d);
        return;
    }
    const char *md = s_get(syn, "markdown");
    if (md && s_get(syn, "title") && md[0] != '#')
        fprintf(f, "# %s\n\n", s_get(syn, "title"));
    s_lines(f, "", md);
    fputc('\n', f);
}

/* The note the extractive engine keeps beside a concept or reference (the
 * sentence that defines or names it, a reference's type), matched by the
 * item's text so curated lists still find theirs; NULL when there is none. */
static const json_t *s_note_for(const json_t *fan, size_t list, const char *item)
{
    static const char *const notes[] = {NULL, "concept_notes", "reference_notes"};
    static const char *const keys[] = {NULL, "concept", "reference"};
    if (!notes[list] || !item)
        return NULL;
    size_t i;
    const json_t *n;
    json_array_foreach(json_object_get(fan, notes[list]), i, n)
    {
        const char *name = s_get(n, keys[list]);
        if (name && strcmp(name, item) == 0)
            return n;
    }
    return NULL;
}

static void s_fanout(FILE *f, const json_t *d)
{
    const json_t *fan = json_object_get(d, "fanout");
    fputs("§04  Fan-out", f);
    fputs(json_object_get(fan, "proposed") ? "  (edited)\n\n" : "\n\n", f);
    if (!json_is_object(fan)) {
        s_missing(f, d);
        return;
    }
    for (size_t l = 0; l < 3; l++) {
        const json_t *arr = json_object_get(fan, s_lists[l]);
        fprintf(f, "%s\n", s_list_titles[l]);
        if (json_array_size(arr) == 0)
            fputs("  (none)\n", f);
        size_t i;
        const json_t *v;
        json_array_foreach(arr, i, v)
        {
            const char *item = json_string_value(v);
            const json_t *note = s_note_for(fan, l, item);
            const char *type = s_get(note, "type"), *sentence = s_get(note, "sentence");
            fprintf(f, "  %02zu  %s%s%s%s\n", i + 1, item, type ? "  (" : "", type ? type : "",
                    type ? ")" : "");
            if (sentence)
                s_lines(f, "      \u2502 ", sentence);
        }
        fputc('\n', f);
    }
}

static void s_curation(FILE *f, const json_t *d)
{
    const json_t *cur = json_object_get(d, "curation");
    const json_t *changed = json_object_get(cur, "changed");
    if (json_array_size(changed) == 0)
        return;
    fprintf(f, "Curation  %zu change%s", json_array_size(changed),
            json_array_size(changed) == 1 ? "" : "s");
    const json_t *upd = json_object_get(cur, "updated_ms");
    if (json_is_integer(upd)) {
        time_t t = (time_t)(json_integer_value(upd) / 1000);
        struct tm tm;
        char stamp[32];
        gmtime_r(&t, &tm);
        strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M UTC", &tm);
        fprintf(f, ", last %s", stamp);
    }
    fputc('\n', f);
    size_t i;
    const json_t *c;
    json_array_foreach(changed, i, c) fprintf(f, "  - %s\n", s_get(c, "summary"));
}

char *render_page(const char *doc_json, const render_opts_t *opts, err_t *err)
{
    json_error_t jerr;
    json_t *d = json_loads(doc_json, 0, &jerr);
    if (!json_is_object(d)) {
        err_set(err, LODE_EINVAL, "document is not a JSON object: %s", d ? "" : jerr.text);
        json_decref(d);
        return NULL;
    }
    char *page = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&page, &size);
    if (!f) {
        err_set(err, LODE_EIO, "open_memstream failed");
        json_decref(d);
        return NULL;
    }
    render_opts_t none = {0};
    s_source(f, d);
    s_snippets(f, d, opts ? opts : &none);
    s_synthesis(f, d);
    s_fanout(f, d);
    s_curation(f, d);
    fclose(f);
    json_decref(d);
    return page;
}
