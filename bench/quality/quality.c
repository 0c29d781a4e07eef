/*  quality.c - a quality check of mined documents (issue #14): reads export
 *  JSON (`lode export --format json`, one document, or JSON Lines from
 *  `lode batch export`) or, for any other file, mines it here with the
 *  extractive engine first, and prints per document: the share of verbatim
 *  snippets, spans that cut a sentence, commentary skeleton repetition,
 *  questions that are not complete questions, generic single-word concepts,
 *  and references that are common words or concept acronyms.
 *  Usage: quality [--show] [--json-out DIR] FILE...
 *  A seed page (seeds/NNN_*.txt) is read as its talk: the §02 quotes.
 *  SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "extract.h"
#include "source.h"
#include "utf8.h"

typedef struct {
    size_t snippets, verbatim, cut, skel_max, skel_rep;
    size_t questions, bad_q, concepts, generic, refs, bad_refs;
} q_stats_t;

static char *q_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)(n > 0 ? n : 0) + 1);
    *len = fread(buf, 1, (size_t)(n > 0 ? n : 0), f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/* ---- checks ------------------------------------------------------------ */

static bool q_is_space(char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

/* Quotes and brackets balanced inside q[0..len): a single quote opens
 * after a space and closes before one (an apostrophe sits between letters). */
static bool q_balanced(const char *q, size_t len)
{
    int paren = 0, dq = 0, sq = 0;
    for (size_t i = 0; i < len; i++) {
        paren += q[i] == '(' ? 1 : q[i] == ')' ? -1 : 0;
        dq += q[i] == '"';
        if (q[i] != '\'')
            continue;
        bool before = i == 0 || q_is_space(q[i - 1]) || q[i - 1] == '(';
        bool after = i + 1 == len || q_is_space(q[i + 1]) || strchr(",.;:!?)", q[i + 1]);
        if (before && !after)
            sq++;
        else if (after && !before && i > 0 && q[i - 1] != 's')
            sq--;
    }
    return paren == 0 && dq % 2 == 0 && sq == 0;
}

/* A span that starts and ends at sentence bounds, quotes and brackets balanced. */
static bool q_span_whole(const char *text, size_t off, size_t len)
{
    size_t p = off;
    while (p > 0 && q_is_space(text[p - 1]))
        p--;
    bool start_ok = p == 0 || strchr(".!?\"')]:\xbb\x9d", text[p - 1]) || text[off - 1] == '\n';
    const char *q = text + off;
    size_t e = len;
    while (e > 0 && strchr("\"')]", q[e - 1]))
        e--;
    bool end_ok = e > 0 && (strchr(".!?", q[e - 1]) ||
                            (e >= 3 && memcmp(q + e - 3, "\xe2\x80\x9d", 3) == 0) ||
                            (e >= 3 && memcmp(q + e - 3, "\xe2\x80\xa6", 3) == 0));
    return start_ok && end_ok && q_balanced(q, len);
}

/* Lower-case words of s, each as " word ", into out. */
static void q_words(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    out[n++] = ' ';
    for (const char *p = s; *p && n + 3 < cap; p++) {
        if (isalnum((unsigned char)*p) || (unsigned char)*p >= 0x80 || *p == '\'')
            out[n++] = (char)tolower((unsigned char)*p);
        else if (out[n - 1] != ' ')
            out[n++] = ' ';
    }
    if (out[n - 1] != ' ')
        out[n++] = ' ';
    out[n] = '\0';
}

/* The commentary's words that are not in its quote: what a template adds. */
static char *q_skeleton(const char *quote, const char *commentary)
{
    size_t qcap = strlen(quote) + 8, ccap = strlen(commentary) + 8;
    char *qw = malloc(qcap), *cw = malloc(ccap), *sk = calloc(1, ccap);
    q_words(quote, qw, qcap);
    q_words(commentary, cw, ccap);
    for (char *w = strtok(cw, " "); w; w = strtok(NULL, " ")) {
        char probe[256];
        snprintf(probe, sizeof probe, " %s ", w);
        if (!strstr(qw, probe)) {
            strcat(sk, w);
            strcat(sk, " ");
        }
    }
    free(qw);
    free(cw);
    return sk;
}

#define Q_AUX_END 32 /* q_openers before this are question words and auxiliaries */
static const char *const q_openers[] = {
    "what",   "why",     "how",  "who",   "whom", "whose", "which", "where", "when",  "is",
    "are",    "was",     "were", "do",    "does", "did",   "can",   "could", "will",  "would",
    "should", "shall",   "may",  "might", "must", "has",   "have",  "had",   "isn't", "aren't",
    "don't",  "doesn't", "in",   "at",    "to",   "for",   "on",    "under", "by",    "of"};

/* A complete question: a capital first, '?' last, four words or more, no
 * list number, and a question word or auxiliary somewhere in it. */
static bool q_question_ok(const char *s)
{
    size_t len = strlen(s);
    if (len < 12 || s[len - 1] != '?' || !isupper((unsigned char)s[0]))
        return false;
    char *w = malloc(len + 8);
    q_words(s, w, len + 8);
    /* after an "If ...," clause, the main clause is the question */
    char *main_clause = w;
    if (strncmp(w, " if ", 4) == 0 && strchr(s, ',')) {
        main_clause = malloc(len + 8);
        q_words(strchr(s, ',') + 1, main_clause, len + 8);
    }
    bool has = false;
    for (size_t i = 0; i < sizeof q_openers / sizeof *q_openers && !has; i++) {
        char probe[32];
        snprintf(probe, sizeof probe, " %s ", q_openers[i]);
        size_t pl = strlen(probe);
        if (i < Q_AUX_END)
            has = strncmp(main_clause, probe, pl) == 0;
        else if (strncmp(w, probe, pl) == 0) /* "In what ...", "To whom ..." */
            has = strncmp(w + pl, "what ", 5) == 0 || strncmp(w + pl, "which ", 6) == 0 ||
                  strncmp(w + pl, "whom ", 5) == 0;
    }
    if (main_clause != w)
        free(main_clause);
    size_t words = 0;
    for (const char *p = w; *p; p++)
        words += *p == ' ';
    free(w);
    return has && words >= 5;
}

static const char *const q_concept_acronyms[] = {
    "AI",  "RL",  "LLM",  "LLMs", "API", "APIs", "ML", "NLP", "GPU", "GPUs", "CPU",
    "AGI", "ASI", "RLHF", "SFT",  "UI",  "UX",   "IT", "CEO", "TV",  "OK",   "PR"};

/* A single word whose lower-case form the text uses as an ordinary word. */
static bool q_common_word(const char *word, const char *text_words)
{
    if (strchr(word, ' ') || strchr(word, '-'))
        return false;
    char probe[256];
    size_t n = strlen(word);
    if (n + 3 > sizeof probe)
        return false;
    probe[0] = ' ';
    for (size_t i = 0; i < n; i++)
        probe[i + 1] = word[i];
    probe[n + 1] = ' ';
    probe[n + 2] = '\0';
    /* text_words keeps case: a lower-case occurrence means a common word */
    for (size_t i = 1; i <= n; i++)
        probe[i] = (char)tolower((unsigned char)probe[i]);
    return strstr(text_words, probe) != NULL;
}

static bool q_concept_acronym(const char *s)
{
    for (size_t i = 0; i < sizeof q_concept_acronyms / sizeof *q_concept_acronyms; i++)
        if (strcmp(s, q_concept_acronyms[i]) == 0)
            return true;
    return false;
}

/* The text's words with their case, " word " separated. */
static char *q_case_words(const char *text)
{
    size_t cap = strlen(text) + 8, n = 0;
    char *out = malloc(cap);
    out[n++] = ' ';
    for (const char *p = text; *p && n + 3 < cap; p++) {
        if (isalnum((unsigned char)*p) || (unsigned char)*p >= 0x80 || *p == '\'')
            out[n++] = *p;
        else if (out[n - 1] != ' ')
            out[n++] = ' ';
    }
    out[n++] = ' ';
    out[n] = '\0';
    return out;
}

/* A fan-out item's text: a string, or an object's "text"/"name"/"term". */
static const char *q_item(json_t *v)
{
    if (json_is_string(v))
        return json_string_value(v);
    const char *keys[] = {"text", "name", "term"};
    for (size_t i = 0; i < 3; i++)
        if (json_is_string(json_object_get(v, keys[i])))
            return json_string_value(json_object_get(v, keys[i]));
    return "";
}

static void q_check_snippets(json_t *doc, const char *text, q_stats_t *st)
{
    json_t *sn = json_object_get(doc, "snippets");
    size_t n = json_array_size(sn), tlen = strlen(text);
    char **sk = calloc(n + 1, sizeof *sk);
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(sn, i);
        const char *quote = json_string_value(json_object_get(o, "quote"));
        json_int_t off = json_integer_value(json_object_get(o, "offset"));
        json_int_t len = json_integer_value(json_object_get(o, "length"));
        size_t b0 = utf8_byte_offset(text, tlen, (size_t)off);
        size_t b1 = utf8_byte_offset(text, tlen, (size_t)(off + len));
        st->snippets++;
        bool exact = quote && b1 - b0 == strlen(quote) && memcmp(text + b0, quote, b1 - b0) == 0;
        st->verbatim += exact;
        if (exact && !q_span_whole(text, b0, b1 - b0))
            st->cut++;
        const char *c = json_string_value(json_object_get(o, "commentary"));
        sk[i] = q_skeleton(quote ? quote : "", c ? c : "");
    }
    for (size_t i = 0; i < n; i++) {
        size_t same = 0;
        for (size_t j = 0; j < n; j++)
            same += sk[i][0] && strcmp(sk[i], sk[j]) == 0;
        if (same > st->skel_max)
            st->skel_max = same;
        st->skel_rep += same > 3;
    }
    for (size_t i = 0; i < n; i++)
        free(sk[i]);
    free(sk);
}

static void q_check_fanout(json_t *doc, const char *text, q_stats_t *st)
{
    json_t *f = json_object_get(doc, "fanout");
    char *words = q_case_words(text);
    json_t *v;
    size_t i;
    json_array_foreach(json_object_get(f, "questions"), i, v)
    {
        st->questions++;
        st->bad_q += !q_question_ok(q_item(v));
    }
    json_array_foreach(json_object_get(f, "concepts"), i, v)
    {
        const char *c = q_item(v);
        st->concepts++;
        st->generic += !strchr(c, ' ') && !strchr(c, '-') &&
                       (q_common_word(c, words) || q_concept_acronym(c) || strlen(c) <= 2);
    }
    json_array_foreach(json_object_get(f, "references"), i, v)
    {
        const char *r = q_item(v);
        st->refs++;
        st->bad_refs += q_concept_acronym(r) || q_common_word(r, words);
    }
    free(words);
}

static void q_show(json_t *doc)
{
    json_t *sn = json_object_get(doc, "snippets"), *f = json_object_get(doc, "fanout"), *v;
    size_t n = json_array_size(sn), i;
    for (size_t k = 0; k < 5 && k < n; k++) {
        json_t *o = json_array_get(sn, k * n / 5);
        printf("  > %s\n    -- %s\n", json_string_value(json_object_get(o, "quote")),
               json_string_value(json_object_get(o, "commentary")));
    }
    const char *parts[] = {"concepts", "references", "questions"};
    for (size_t p = 0; p < 3; p++) {
        printf("  %s:\n", parts[p]);
        json_array_foreach(json_object_get(f, parts[p]), i, v) printf("    - %s\n", q_item(v));
    }
}

static void q_report(const char *name, json_t *doc, bool show)
{
    q_stats_t st = {0};
    json_t *tr = json_object_get(doc, "transcript");
    const char *text = json_string_value(json_object_get(tr, "text"));
    if (!text) {
        printf("%-28s no transcript\n", name);
        return;
    }
    q_check_snippets(doc, text, &st);
    q_check_fanout(doc, text, &st);
    size_t words = 0;
    for (const char *p = text; *p; p++)
        words += q_is_space(*p) && !q_is_space(p[1]);
    printf("%-28s %6zu %4zu %5.0f%% %4zu %5zu %5zu %4zu/%-3zu %4zu/%-3zu %4zu/%-3zu\n", name,
           words + 1, st.snippets, st.snippets ? 100.0 * st.verbatim / st.snippets : 100.0, st.cut,
           st.skel_max, st.skel_rep, st.bad_q, st.questions, st.generic, st.concepts, st.bad_refs,
           st.refs);
    if (show)
        q_show(doc);
}

/* ---- mining a text here ------------------------------------------------ */

/* A seed page's talk: the quote lines of §02, one paragraph each. */
static char *q_seed_talk(const char *page)
{
    const char *s2 = strstr(page, "\xc2\xa7"
                                  "02"),
               *s3 = strstr(page, "\xc2\xa7"
                                  "03");
    if (!s2 || !s3 || strncmp(page, "- Source", 8) != 0)
        return NULL;
    char *out = calloc(1, (size_t)(s3 - s2) + 1);
    bool next = false;
    for (const char *p = s2; p < s3;) {
        const char *e = memchr(p, '\n', (size_t)(s3 - p));
        e = e ? e : s3;
        if (next && e - p > 1) {
            if (out[0])
                strcat(out, "\n\n");
            strncat(out, p, (size_t)(e - p));
        }
        next = e - p == 1 && *p == '-' && !next;
        p = e + 1;
    }
    return out;
}

static json_t *q_mine(const char *path, const char *body, size_t len)
{
    char *talk = q_seed_talk(body);
    const char *src = talk ? talk : body;
    size_t n = talk ? strlen(talk) : len;
    source_meta_t meta = {0};
    err_t err = {0};
    transcript_t *t = source_parse(path, src, n, source_format_guess(path, src, n), &meta, &err);
    source_meta_clear(&meta);
    free(talk);
    extract_snippets_t s = {0};
    extract_synthesis_t syn = {0};
    extract_fanout_t f = {0};
    if (!t || extract_snippets(t, NULL, &s, &err) != 0 ||
        extract_synthesis(t, &s, NULL, &syn, &err) != 0 ||
        extract_fanout(t, &s, &syn, &f, &err) != 0) {
        fprintf(stderr, "quality: %s: %s\n", path, err.msg);
        extract_snippets_clear(&s);
        extract_synthesis_clear(&syn);
        transcript_destroy(&t);
        return NULL;
    }
    char *parts[4] = {transcript_to_json(t), extract_snippets_to_json(t, &s),
                      extract_synthesis_to_json(&syn), extract_fanout_to_json(&f)};
    json_t *doc = json_pack("{s:o,s:o,s:o,s:o}", "transcript", json_loads(parts[0], 0, NULL),
                            "snippets", json_loads(parts[1], 0, NULL), "synthesis",
                            json_loads(parts[2], 0, NULL), "fanout", json_loads(parts[3], 0, NULL));
    for (int i = 0; i < 4; i++)
        free(parts[i]);
    extract_fanout_clear(&f);
    extract_synthesis_clear(&syn);
    extract_snippets_clear(&s);
    transcript_destroy(&t);
    return doc;
}

static void q_save(const char *dir, const char *name, json_t *doc)
{
    char path[4096];
    const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
    snprintf(path, sizeof path, "%s/%s.json", dir, base);
    if (json_dump_file(doc, path, JSON_INDENT(1) | JSON_PRESERVE_ORDER) != 0)
        fprintf(stderr, "quality: cannot write %s\n", path);
}

static void q_file(const char *path, bool show, const char *out_dir)
{
    size_t len;
    char *body = q_read(path, &len);
    if (!body) {
        fprintf(stderr, "quality: cannot read %s\n", path);
        return;
    }
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    size_t pl = strlen(path);
    json_t *whole = json_loads(body, 0, NULL);
    if (whole) { /* one document, indented or not */
        q_report(base, whole, show);
        json_decref(whole);
    } else if (pl > 6 && strcmp(path + pl - 6, ".jsonl") == 0) {
        for (char *p = body, *e; *p; p = e ? e + 1 : p + strlen(p)) {
            e = strchr(p, '\n');
            json_t *doc = json_loadb(p, e ? (size_t)(e - p) : strlen(p), 0, NULL);
            if (doc)
                q_report(base, doc, show);
            json_decref(doc);
        }
    } else {
        json_t *doc = q_mine(path, body, len);
        if (doc) {
            q_report(base, doc, show);
            if (out_dir)
                q_save(out_dir, base, doc);
            json_decref(doc);
        }
    }
    free(body);
}

int main(int argc, char **argv)
{
    bool show = false;
    const char *out_dir = NULL;
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (strcmp(argv[first], "--show") == 0)
            show = true;
        else if (strcmp(argv[first], "--json-out") == 0 && first + 1 < argc)
            out_dir = argv[++first];
        else {
            fprintf(stderr, "usage: quality [--show] [--json-out DIR] FILE...\n");
            return 2;
        }
    }
    printf("%-28s %6s %4s %6s %4s %5s %5s %8s %8s %8s\n", "document", "words", "snip", "verb",
           "cut", "skel", "skel>3", "badQ/Q", "gen/C", "badR/R");
    for (int i = first; i < argc; i++)
        q_file(argv[i], show, out_dir);
    return 0;
}
