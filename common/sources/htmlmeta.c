/*  htmlmeta.c - page metadata merged from <meta>, JSON-LD and the document.
 *  Does not touch the HTML tree (article.c feeds it strings) and never
 *  guesses beyond what the page states.
 *  SPDX-License-Identifier: MIT
 */
#include "htmlmeta.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "date.h"
#include "mem.h"

#define HTMLMETA_MAX_META  256 /* <meta> tags remembered per page */
#define HTMLMETA_LD_DEPTH  12  /* JSON-LD nesting searched for an article */
#define HTMLMETA_MAX_VALUE 4096

typedef struct {
    char *key;   /* owned; lower-cased */
    char *value; /* owned */
} s_pair_t;

struct htmlmeta {
    s_pair_t meta[HTMLMETA_MAX_META]; /* first value of each key */
    size_t n_meta;
    char *ld[HTMLMETA_N_FIELDS];  /* owned; from the best JSON-LD object */
    int ld_rank;                  /* how article-like that object was */
    char *ld_body;                /* owned; JSON-LD articleBody */
    char *doc[HTMLMETA_N_FIELDS]; /* owned; from the document */
};

/* Meta keys per field, most trusted first (OpenGraph, Twitter, Dublin
 * Core, then common plain names). */
static const char *const s_title_keys[] = {"og:title",      "twitter:title", "dc.title",
                                           "dcterms.title", "headline",      "sailthru.title",
                                           "parsely-title", "title",         NULL};
static const char *const s_author_keys[] = {"author",
                                            "article:author",
                                            "og:article:author",
                                            "dc.creator",
                                            "dcterms.creator",
                                            "sailthru.author",
                                            "parsely-author",
                                            "byl",
                                            "byline",
                                            NULL};
static const char *const s_date_keys[] = {"article:published_time",
                                          "og:article:published_time",
                                          "datepublished",
                                          "dc.date.issued",
                                          "dcterms.issued",
                                          "dc.date",
                                          "dcterms.date",
                                          "dcterms.created",
                                          "date",
                                          "pubdate",
                                          "publishdate",
                                          "publish-date",
                                          "publish_date",
                                          "sailthru.date",
                                          "parsely-pub-date",
                                          "article.published",
                                          "article_date_original",
                                          "originalpublicationdate",
                                          "datecreated",
                                          NULL};
static const char *const s_site_keys[] = {"og:site_name",      "application-name", "dc.publisher",
                                          "dcterms.publisher", "publisher",        NULL};
static const char *const s_lang_keys[] = {"content-language", "dc.language", "dcterms.language",
                                          "language",         "og:locale",   NULL};
static const char *const s_canon_keys[] = {"link:canonical", "og:url", "twitter:url", NULL};

static const char *const s_desc_keys[] = {"og:description", "description", "twitter:description",
                                          "dc.description", NULL};

static const char *const *const s_keys[HTMLMETA_N_FIELDS] = {
    s_title_keys, s_author_keys, s_date_keys, s_site_keys, s_lang_keys, s_canon_keys, s_desc_keys};

htmlmeta_t *htmlmeta_new(void)
{
    return mem_calloc(1, sizeof(htmlmeta_t));
}

void htmlmeta_destroy(htmlmeta_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    htmlmeta_t *self = *self_p;
    for (size_t i = 0; i < self->n_meta; i++) {
        free(self->meta[i].key);
        free(self->meta[i].value);
    }
    for (int f = 0; f < HTMLMETA_N_FIELDS; f++) {
        free(self->ld[f]);
        free(self->doc[f]);
    }
    free(self->ld_body);
    free(self);
    *self_p = NULL;
}

/* A copy of s with runs of whitespace collapsed to one space and trimmed,
 * cut at HTMLMETA_MAX_VALUE bytes on a character boundary; NULL if blank. */
static char *s_clean_dup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    if (n > HTMLMETA_MAX_VALUE) {
        n = HTMLMETA_MAX_VALUE;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    char *out = mem_alloc(n + 1);
    size_t o = 0;
    bool space = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            space = o > 0;
            continue;
        }
        if (space)
            out[o++] = ' ';
        space = false;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    if (o == 0) {
        free(out);
        return NULL;
    }
    return out;
}

void htmlmeta_add_meta(htmlmeta_t *self, const char *key, const char *content)
{
    if (!self || !key || !content || self->n_meta >= HTMLMETA_MAX_META)
        return;
    char *value = s_clean_dup(content);
    if (!value)
        return;
    for (size_t i = 0; i < self->n_meta; i++) {
        if (strcasecmp(self->meta[i].key, key) == 0) {
            free(value);
            return;
        }
    }
    char *k = mem_strdup(key);
    for (char *p = k; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    self->meta[self->n_meta].key = k;
    self->meta[self->n_meta].value = value;
    self->n_meta++;
}

void htmlmeta_add_doc(htmlmeta_t *self, htmlmeta_field_t field, const char *value)
{
    if (!self || field >= HTMLMETA_N_FIELDS || self->doc[field])
        return;
    self->doc[field] = s_clean_dup(value);
}

const char *htmlmeta_article_body(const htmlmeta_t *self)
{
    return self ? self->ld_body : NULL;
}

/* ---- JSON-LD ---------------------------------------------------------- */

/* How article-like a JSON-LD @type is: 3 for articles and posts, 1 for
 * other pages, 0 for anything else. */
static int s_type_rank(json_t *type)
{
    if (json_is_array(type)) {
        int best = 0;
        size_t i;
        json_t *t;
        json_array_foreach(type, i, t)
        {
            int r = s_type_rank(t);
            best = r > best ? r : best;
        }
        return best;
    }
    const char *s = json_string_value(type);
    if (!s)
        return 0;
    size_t n = strlen(s);
    if ((n >= 7 && strcmp(s + n - 7, "Article") == 0) || strstr(s, "BlogPosting") ||
        strcmp(s, "Report") == 0 || strcmp(s, "LiveBlogPosting") == 0)
        return 3;
    if (strstr(s, "WebPage") || strcmp(s, "Blog") == 0)
        return 1;
    return 0;
}

/* Names from a JSON-LD author value: a string, an object with "name", or
 * an array of either, joined by ", ". */
static void s_ld_names(json_t *v, char *out, size_t cap)
{
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) s_ld_names(x, out, cap);
        return;
    }
    const char *name =
        json_is_string(v) ? json_string_value(v) : json_string_value(json_object_get(v, "name"));
    if (!name || !*name || strncmp(name, "http", 4) == 0)
        return;
    size_t used = strlen(out);
    if (strstr(out, name))
        return;
    snprintf(out + used, cap - used, "%s%s", used ? ", " : "", name);
}

static const char *s_ld_str(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_array(v))
        v = json_array_get(v, 0);
    if (json_is_object(v))
        v = json_object_get(v, json_object_get(v, "@id") ? "@id" : "name");
    return json_string_value(v);
}

static void s_ld_take(htmlmeta_t *self, json_t *obj, int rank)
{
    for (int f = 0; f < HTMLMETA_N_FIELDS; f++) {
        free(self->ld[f]);
        self->ld[f] = NULL;
    }
    self->ld_rank = rank;
    const char *title = s_ld_str(obj, "headline");
    self->ld[HTMLMETA_TITLE] = s_clean_dup(title ? title : s_ld_str(obj, "name"));
    char names[1024] = "";
    s_ld_names(json_object_get(obj, "author"), names, sizeof names);
    self->ld[HTMLMETA_AUTHOR] = s_clean_dup(names);
    const char *date = s_ld_str(obj, "datePublished");
    self->ld[HTMLMETA_PUBLISHED] = s_clean_dup(date ? date : s_ld_str(obj, "dateCreated"));
    json_t *pub = json_object_get(obj, "publisher");
    if (json_is_array(pub))
        pub = json_array_get(pub, 0);
    self->ld[HTMLMETA_SITE] =
        s_clean_dup(json_is_string(pub) ? json_string_value(pub)
                                        : json_string_value(json_object_get(pub, "name")));
    self->ld[HTMLMETA_LANGUAGE] = s_clean_dup(s_ld_str(obj, "inLanguage"));
    const char *url = s_ld_str(obj, "url");
    self->ld[HTMLMETA_CANONICAL] = s_clean_dup(url ? url : s_ld_str(obj, "mainEntityOfPage"));
    self->ld[HTMLMETA_DESCRIPTION] = s_clean_dup(s_ld_str(obj, "description"));
}

static void s_ld_body(htmlmeta_t *self, json_t *obj)
{
    const char *body = json_string_value(json_object_get(obj, "articleBody"));
    if (body && (!self->ld_body || strlen(body) > strlen(self->ld_body))) {
        free(self->ld_body);
        self->ld_body = mem_strdup(body);
    }
}

static void s_ld_walk(htmlmeta_t *self, json_t *v, int depth)
{
    if (depth > HTMLMETA_LD_DEPTH)
        return;
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) s_ld_walk(self, x, depth + 1);
        return;
    }
    if (!json_is_object(v))
        return;
    int rank = s_type_rank(json_object_get(v, "@type"));
    if (rank == 0 && json_object_get(v, "headline"))
        rank = 2;
    if (rank > self->ld_rank)
        s_ld_take(self, v, rank);
    if (rank == 3)
        s_ld_body(self, v);
    s_ld_walk(self, json_object_get(v, "@graph"), depth + 1);
    s_ld_walk(self, json_object_get(v, "mainEntity"), depth + 1);
}

void htmlmeta_add_jsonld(htmlmeta_t *self, const char *json, size_t len)
{
    if (!self || !json || len == 0)
        return;
    /* Pages often put raw newlines and tabs inside JSON strings; as spaces
     * they are harmless everywhere in JSON. */
    char *copy = mem_strndup(json, len);
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)copy[i] < 0x20)
            copy[i] = ' ';
    }
    json_error_t jerr;
    json_t *root = json_loadb(copy, len, JSON_DISABLE_EOF_CHECK, &jerr);
    free(copy);
    if (!root)
        return;
    s_ld_walk(self, root, 0);
    json_decref(root);
}

/* ---- merging ---------------------------------------------------------- */

static const char *s_meta_value(const htmlmeta_t *self, const char *key)
{
    for (size_t i = 0; i < self->n_meta; i++) {
        if (strcmp(self->meta[i].key, key) == 0)
            return self->meta[i].value;
    }
    return NULL;
}

/* A candidate value made fit for its field, or NULL to try the next one. */
static char *s_accept(htmlmeta_field_t field, const char *v)
{
    if (!v)
        return NULL;
    if (field == HTMLMETA_PUBLISHED) {
        char iso[32];
        return htmlmeta_date_iso(v, iso) ? mem_strdup(iso) : NULL;
    }
    if (field == HTMLMETA_AUTHOR) {
        if (strncmp(v, "http", 4) == 0 || v[0] == '@')
            return NULL;
        if (strncasecmp(v, "by ", 3) == 0)
            v += 3;
    }
    char *out = s_clean_dup(v);
    if (out && field == HTMLMETA_LANGUAGE) {
        for (char *p = out; *p; p++)
            *p = *p == '_' ? '-' : *p;
    }
    return out;
}

char *htmlmeta_get(const htmlmeta_t *self, htmlmeta_field_t field)
{
    if (!self || field >= HTMLMETA_N_FIELDS)
        return NULL;
    for (const char *const *k = s_keys[field]; *k; k++) {
        char *v = s_accept(field, s_meta_value(self, *k));
        if (v)
            return v;
    }
    char *v = s_accept(field, self->ld[field]);
    return v ? v : s_accept(field, self->doc[field]);
}

/* ---- dates ------------------------------------------------------------ */

typedef struct {
    int year, month, day, hour, min, sec;
    int offset_min; /* minutes east of UTC */
    bool has_time;
} s_date_t;

static bool s_date_format(const s_date_t *t, char out[32])
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (t->year < 1900 || t->year > 2200 || t->month < 1 || t->month > 12 || t->day < 1 ||
        t->day > mdays[t->month - 1] || t->hour > 23 || t->min > 59 || t->sec > 60)
        return false;
    if (!t->has_time) {
        snprintf(out, 32, "%04d-%02d-%02d", t->year, t->month, t->day);
        return true;
    }
    int64_t secs = date_days_from_civil(t->year, t->month, t->day) * 86400 + t->hour * 3600 +
                   t->min * 60 + t->sec - (int64_t)t->offset_min * 60;
    int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    int64_t rem = secs - days * 86400;
    int y, m, d;
    date_civil_from_days(days, &y, &m, &d);
    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, (int)(rem / 3600),
             (int)(rem / 60 % 60), (int)(rem % 60));
    return true;
}

/* Read up to max digits at *p into *v; false if there are fewer than min. */
static bool s_digits(const char **p, int min, int max, int *v)
{
    int n = 0, x = 0;
    while (n < max && isdigit((unsigned char)(*p)[n])) {
        x = x * 10 + ((*p)[n] - '0');
        n++;
    }
    if (n < min)
        return false;
    *p += n;
    *v = x;
    return true;
}

/* "Z", "+05:30", "-0500", "+05"; 0 minutes when absent. */
static void s_offset(const char *p, int *offset_min)
{
    while (*p == ' ')
        p++;
    int h = 0, m = 0;
    if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1;
        p++;
        if (!s_digits(&p, 2, 2, &h))
            return;
        if (*p == ':')
            p++;
        (void)s_digits(&p, 2, 2, &m);
        if (h <= 14 && m < 60)
            *offset_min = sign * (h * 60 + m);
    }
}

/* HH:MM[:SS[.fff]] at *p. */
static bool s_clock(const char **p, s_date_t *t)
{
    const char *q = *p;
    if (!s_digits(&q, 1, 2, &t->hour) || *q != ':')
        return false;
    q++;
    if (!s_digits(&q, 2, 2, &t->min))
        return false;
    if (*q == ':') {
        q++;
        (void)s_digits(&q, 2, 2, &t->sec);
        if (*q == '.' || *q == ',') {
            q++;
            while (isdigit((unsigned char)*q))
                q++;
        }
    }
    t->has_time = true;
    *p = q;
    return true;
}

static bool s_date_numeric(const char *s, s_date_t *t)
{
    const char *p = s;
    if (!s_digits(&p, 4, 4, &t->year))
        return false;
    char sep = *p;
    if (sep != '-' && sep != '/' && sep != '.')
        return false;
    p++;
    if (!s_digits(&p, 1, 2, &t->month) || *p != sep)
        return false;
    p++;
    if (!s_digits(&p, 1, 2, &t->day))
        return false;
    if (*p == 'T' || *p == ' ') {
        const char *q = p + 1;
        if (s_clock(&q, t))
            s_offset(q, &t->offset_min);
    }
    return true;
}

/* Word at w (n letters): month, zone or am/pm. */
static void s_textual_word(const char *w, size_t n, s_date_t *t, bool *pm, bool *am)
{
    int zone;
    if (date_zone(w, n, &zone)) {
        t->offset_min = zone;
    } else if (n <= 4 && (strncasecmp(w, "pm", 2) == 0 || strncasecmp(w, "p.m", 3) == 0)) {
        *pm = true;
    } else if (n <= 4 && (strncasecmp(w, "am", 2) == 0 || strncasecmp(w, "a.m", 3) == 0)) {
        *am = true;
    } else if (!t->month) {
        t->month = date_month(w, n);
    }
}

/* Number at *p: a clock (the first), a 4-digit year or a 1-2 digit day,
 * the first of each; *p past it and an ordinal suffix ("19th"). */
static void s_textual_number(const char **p, s_date_t *t)
{
    if (!t->has_time && s_clock(p, t))
        return;
    int v = 0;
    const char *q = *p;
    (void)s_digits(p, 1, 8, &v);
    if (*p - q == 4 && !t->year)
        t->year = v;
    else if (*p - q <= 2 && !t->day)
        t->day = v;
    while (isalpha((unsigned char)**p))
        (*p)++;
}

/* "Tue, 19 Nov 2019 10:20:30 GMT", "November 19, 2019 5:30 pm EST". */
static bool s_date_textual(const char *s, s_date_t *t)
{
    bool pm = false, am = false;
    const char *p = s;
    while (*p) {
        if (isalpha((unsigned char)*p)) {
            const char *w = p;
            while (isalpha((unsigned char)*p) || *p == '.')
                p++;
            s_textual_word(w, (size_t)(p - w), t, &pm, &am);
        } else if (isdigit((unsigned char)*p)) {
            s_textual_number(&p, t);
        } else if ((*p == '+' || *p == '-') && t->has_time && isdigit((unsigned char)p[1])) {
            s_offset(p, &t->offset_min);
            p++;
        } else {
            p++;
        }
    }
    if (pm && t->hour < 12)
        t->hour += 12;
    if (am && t->hour == 12)
        t->hour = 0;
    return t->year && t->month && t->day;
}

bool htmlmeta_date_iso(const char *in, char out[32])
{
    if (!in)
        return false;
    while (isspace((unsigned char)*in))
        in++;
    if (strlen(in) > 200)
        return false;
    s_date_t t = {0};
    size_t nd = strspn(in, "0123456789");
    if ((nd == 10 || nd == 13) && in[nd] == '\0') {
        int64_t secs = strtoll(in, NULL, 10) / (nd == 13 ? 1000 : 1);
        int64_t days = secs / 86400;
        date_civil_from_days(days, &t.year, &t.month, &t.day);
        t.hour = (int)(secs % 86400 / 3600);
        t.min = (int)(secs % 3600 / 60);
        t.sec = (int)(secs % 60);
        t.has_time = true;
        return s_date_format(&t, out);
    }
    if (!s_date_numeric(in, &t)) {
        memset(&t, 0, sizeof t);
        if (!s_date_textual(in, &t))
            return false;
    }
    return s_date_format(&t, out);
}
