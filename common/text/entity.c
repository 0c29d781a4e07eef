/*  entity.c - named references by surface patterns over the text model.
 *  Candidates live in a string-keyed table (lower-cased name); shorter
 *  names fold into the longer ones that contain them at the end.
 *  SPDX-License-Identifier: MIT
 */
#include "entity.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "stopword.h"

#define S_MAX_CANDS 8192
#define S_MAX_RUN   6

typedef struct {
    char *name; /* owned display form */
    char *key;  /* owned lower-case form */
    entity_kind_t kind;
    uint32_t count;
    uint32_t mid;   /* mentions away from a sentence start */
    uint32_t words; /* words in the name */
    uint32_t first_sent;
    uint32_t term; /* term of a one-word name */
    bool dead;     /* folded into a longer name */
} s_cand_t;

typedef struct {
    const textmodel_t *m;
    uint8_t *noun; /* owned, German only: per term, met as a common noun */
    s_cand_t *c;
    size_t n, cap;
    uint32_t *table; /* index + 1 */
    size_t table_cap;
} s_set_t;

static const char *const s_titles[] = {"dr",  "mr",   "mrs",       "ms",      "prof",  "professor",
                                       "sir", "dame", "president", "senator", "judge", "saint"};
static const char *const s_work_nouns[] = {
    "paper",     "book",    "report",    "study",    "article", "essay",   "blog",
    "podcast",   "post",    "video",     "film",     "show",    "series",  "survey",
    "novel",     "lecture", "interview", "talk",     "law",     "theorem", "equation",
    "benchmark", "dataset", "model",     "algorithm"};
static const char *const s_speech[] = {"said", "say",   "argue",    "argued",    "wrote",
                                       "told", "think", "recalled", "explained", "note"};
static const char *const s_joiners[] = {"of", "de", "von", "van", "der", "la", "du", "del", "&"};
static const char *const s_not_names[] = {
    "january",   "february",  "march",   "april",    "may",      "june",    "july",
    "august",    "september", "october", "november", "december", "monday",  "tuesday",
    "wednesday", "thursday",  "friday",  "saturday", "sunday",   "english", "god"};

#define S_N(a) (sizeof(a) / sizeof((a)[0]))

static bool s_key_in(const textmodel_t *m, uint32_t word, const char *const *list, size_t n)
{
    size_t len;
    const char *k = textmodel_key(m, m->words[word].term, &len);
    for (size_t i = 0; i < n; i++)
        if (strlen(list[i]) == len && memcmp(list[i], k, len) == 0)
            return true;
    return false;
}

static uint32_t s_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

static void s_insert(s_set_t *set, size_t idx)
{
    size_t mask = set->table_cap - 1;
    size_t h = s_hash(set->c[idx].key) & mask;
    while (set->table[h])
        h = (h + 1) & mask;
    set->table[h] = (uint32_t)idx + 1;
}

static s_cand_t *s_find(const s_set_t *set, const char *key)
{
    if (!set->table_cap)
        return NULL;
    size_t mask = set->table_cap - 1;
    for (size_t h = s_hash(key) & mask; set->table[h]; h = (h + 1) & mask)
        if (strcmp(set->c[set->table[h] - 1].key, key) == 0)
            return &set->c[set->table[h] - 1];
    return NULL;
}

/* Display form of words [a, b]: the source span, white space squeezed. */
static char *s_span(const textmodel_t *m, uint32_t a, uint32_t b, const char *suffix)
{
    const textmodel_word_t *wa = &m->words[a], *wb = &m->words[b];
    size_t len = wb->offset + wb->length - wa->offset;
    char *out = mem_alloc(len + strlen(suffix) + 1), *o = out;
    for (size_t i = 0; i < len; i++) {
        char ch = m->text[wa->offset + i];
        bool space = ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r';
        if (!(space && o > out && o[-1] == ' '))
            *o++ = space ? ' ' : ch;
    }
    strcpy(o, suffix);
    return out;
}

static char *s_lower(const char *s)
{
    char *k = mem_strdup(s);
    for (char *p = k; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p + 32);
        else if (*p == '\n' || *p == '\t')
            *p = ' ';
    return k;
}

/* Count one mention of name (owned, taken). */
static bool s_joined(const textmodel_t *m, uint32_t prev, uint32_t w);

/* Is the word after b a verb of saying or reporting? */
static bool s_reports(const textmodel_t *m, uint32_t b)
{
    static const char *const verbs[] = {"found",  "report",    "reported", "estimate", "estimated",
                                        "showed", "published", "argue",    "argued",   "said",
                                        "say",    "wrote",     "told",     "note",     "predicted"};
    return b + 1 < m->n_words && s_joined(m, b, b + 1) && s_key_in(m, b + 1, verbs, S_N(verbs));
}

static void s_mention(s_set_t *set, char *name, entity_kind_t kind, uint32_t a, uint32_t b)
{
    const textmodel_t *m = set->m;
    char *key = s_lower(name);
    s_cand_t *c = s_find(set, key);
    /* a name that opens a sentence but reports or says something ("Epoch
     * found that ...") is as good as one met mid-sentence */
    bool mid = !(m->words[a].flags & TEXTMODEL_W_FIRST) || s_reports(m, b);
    if (!c && set->n >= S_MAX_CANDS) {
        free(key);
        free(name);
        return;
    }
    if (c) {
        free(key);
        free(name);
        c->count++;
        c->mid += mid;
        if (kind == ENTITY_PERSON || kind == ENTITY_WORK)
            c->kind = kind;
        return;
    }
    if ((set->n + 1) * 2 > set->table_cap) {
        free(set->table);
        set->table_cap = set->table_cap ? set->table_cap * 2 : 256;
        set->table = mem_calloc(set->table_cap, sizeof *set->table);
        for (size_t i = 0; i < set->n; i++)
            s_insert(set, i);
    }
    if (set->n == set->cap) {
        set->cap = set->cap ? set->cap * 2 : 64;
        set->c = mem_realloc(set->c, set->cap * sizeof *set->c);
    }
    set->c[set->n] =
        (s_cand_t){name, key, kind, 1, mid, b - a + 1, m->words[a].sent, m->words[a].term, false};
    s_insert(set, set->n++);
}

static bool s_capword(const textmodel_t *m, uint32_t w)
{
    uint32_t f = m->words[w].flags;
    return (f & TEXTMODEL_W_CAP) && !(f & TEXTMODEL_W_STOP) && m->words[w].length > 0;
}

static bool s_joined(const textmodel_t *m, uint32_t prev, uint32_t w)
{
    return w < m->n_words && m->words[w].sent == m->words[prev].sent &&
           !(m->words[w].flags & TEXTMODEL_W_BREAK);
}

/* A name of two words or more right before a speech verb. */
static bool s_before_speech(const textmodel_t *m, uint32_t a, uint32_t b)
{
    return a < b && b + 1 < m->n_words && s_joined(m, b, b + 1) &&
           s_key_in(m, b + 1, s_speech, S_N(s_speech));
}

/* German plurals and abstract nouns go bare ("Befunde", "Diagnosen",
 * "Gesundheitseinrichtungen", "Nutzer"): a capitalised word with a noun
 * ending, or an abbreviation ("Nr."), is marked 3 in noun[], which rules it
 * out as a one-word name (names of two words and more end as they please:
 * "Helios Kliniken"). */
static void s_german_suffix_nouns(const textmodel_t *m, uint8_t *noun)
{
    static const char *const ends[] = {"e",   "en",    "er",   "ung", "ungen", "heit", "keit",
                                       "ion", "ionen", "ität", "nis", "nisse", "enz",  "anz"};
    for (uint32_t w = 0; w < m->n_words; w++) {
        const textmodel_word_t *cur = &m->words[w];
        if (!(cur->flags & TEXTMODEL_W_CAP) || (cur->flags & TEXTMODEL_W_ACRONYM) ||
            noun[cur->term])
            continue;
        size_t len;
        const char *k = textmodel_key(m, cur->term, &len);
        size_t after = cur->offset + cur->length;
        if (after < m->len && m->text[after] == '.' && w + 1 < m->n_words &&
            m->words[w + 1].sent == cur->sent)
            noun[cur->term] = 3; /* "Nr.", "Mio.", "Abs.": an abbreviation */
        for (size_t i = 0; i < S_N(ends); i++) {
            size_t n = strlen(ends[i]);
            if (len > n + 2 && memcmp(k + len - n, ends[i], n) == 0)
                noun[cur->term] = 3;
        }
    }
}

/* A German run that is a noun phrase, not a name: it ends in a common noun,
 * or in a word with a noun ending after one (or alone), or opens a sentence
 * on an inflected adjective ("Relevante Dokumente", "Analoge Prozesse"). */
static bool s_german_phrase(const textmodel_t *m, const uint8_t *noun, uint32_t a, uint32_t b)
{
    uint8_t first = noun[m->words[a].term], last = noun[m->words[b].term];
    if (last == 1 || (last == 3 && (a == b || first)))
        return true; /* "Festlegung von Fallpauschalen"; "Helios Kliniken" stays */
    size_t len;
    const char *k = textmodel_key(m, m->words[a].term, &len);
    return a < b && (m->words[a].flags & TEXTMODEL_W_FIRST) && len > 4 &&
           (k[len - 1] == 'e' || k[len - 2] == 'e');
}

/* German capitalises every noun, so a capital says nothing there: a word is
 * a common noun, not a name, once the text puts it after an article or a
 * determiner ("die Patienten"), or after an inflected adjective that
 * follows one or a preposition ("in internen Systemen"). Names rarely take
 * either ("in Deutschland", "IBM"). NULL for other languages. */
static uint8_t *s_german_nouns(const textmodel_t *m)
{
    static const char *const det[] = {
        "der",    "die",    "das",    "den",    "dem",   "des",    "ein",    "eine",   "einen",
        "einem",  "einer",  "eines",  "kein",   "keine", "keinen", "keinem", "keiner", "dieser",
        "diese",  "dieses", "diesem", "diesen", "jede",  "jeder",  "jedes",  "jedem",  "jeden",
        "im",     "am",     "zum",    "zur",    "vom",   "beim",   "ins",    "seine",  "seinen",
        "seinem", "seiner", "ihre",   "ihren",  "ihrem", "ihrer",  "unsere", "alle",   "allen"};
    static const char *const prep[] = {"in",   "an",    "auf",   "aus",  "bei",     "mit",
                                       "nach", "von",   "zu",    "für",  "über",    "unter",
                                       "vor",  "durch", "gegen", "ohne", "zwischen"};
    if (m->lang != STOPWORD_DE)
        return NULL;
    uint8_t *noun = mem_calloc(m->n_terms + 1, 1);
    for (uint32_t w = 1; w < m->n_words; w++) {
        const textmodel_word_t *cur = &m->words[w], *prev = &m->words[w - 1];
        if (!(cur->flags & TEXTMODEL_W_CAP) || (cur->flags & TEXTMODEL_W_ACRONYM) ||
            prev->sent != cur->sent || (cur->flags & TEXTMODEL_W_BREAK))
            continue;
        bool after_det = s_key_in(m, w - 1, det, S_N(det));
        size_t len;
        const char *k = textmodel_key(m, prev->term, &len);
        bool adjective = !(prev->flags & (TEXTMODEL_W_CAP | TEXTMODEL_W_NUM | TEXTMODEL_W_STOP)) &&
                         len > 3 && (k[len - 1] == 'e' || k[len - 2] == 'e') && w >= 2 &&
                         m->words[w - 2].sent == cur->sent &&
                         (s_key_in(m, w - 2, det, S_N(det)) || s_key_in(m, w - 2, prep, S_N(prep)));
        if (after_det || adjective)
            noun[cur->term] = 1;
    }
    s_german_suffix_nouns(m, noun);
    return noun;
}

static void s_add_run(s_set_t *set, uint32_t a, uint32_t b)
{
    const textmodel_t *m = set->m;
    while (a <= b && (m->words[a].flags & TEXTMODEL_W_FIRST) &&
           m->terms[m->words[a].term].low_count > 0)
        a++; /* "Now", "Whereas": capitalised only by the sentence start */
    if (a > b)
        return;
    entity_kind_t kind = ENTITY_NAME;
    if (a < b && s_key_in(m, a, s_titles, S_N(s_titles))) {
        a++;
        kind = ENTITY_PERSON;
    } else if (a > 0 && m->words[a - 1].sent == m->words[a].sent &&
               s_key_in(m, a - 1, s_titles, S_N(s_titles))) {
        kind = ENTITY_PERSON;
    }
    if (s_before_speech(m, a, b))
        kind = ENTITY_PERSON; /* "Andrej Karpathy said", even at a sentence start */
    size_t key_len;
    textmodel_key(m, m->words[a].term, &key_len);
    if (a == b) {
        if (m->words[a].flags & TEXTMODEL_W_ACRONYM)
            kind = ENTITY_ACRONYM;
        if (key_len < 2 || s_key_in(m, a, s_not_names, S_N(s_not_names)) ||
            s_key_in(m, a, s_titles, S_N(s_titles)))
            return;
    }
    char *name = s_span(m, a, b, "");
    if (kind == ENTITY_ACRONYM && strlen(name) > 2 && name[strlen(name) - 1] == 's')
        name[strlen(name) - 1] = '\0';
    s_mention(set, name, kind, a, b);
}

static void s_scan_runs(s_set_t *set)
{
    const textmodel_t *m = set->m;
    uint32_t w = 0;
    while (w < m->n_words) {
        if (!s_capword(m, w)) {
            w++;
            continue;
        }
        uint32_t a = w, b = w;
        while (b - a + 1 < S_MAX_RUN && s_joined(m, b, b + 1)) {
            if (s_capword(m, b + 1)) {
                b++;
            } else if (s_key_in(m, b + 1, s_joiners, S_N(s_joiners)) && s_joined(m, b + 1, b + 2) &&
                       s_capword(m, b + 2)) {
                b += 2;
            } else {
                break;
            }
        }
        if (!set->noun || !s_german_phrase(m, set->noun, a, b))
            s_add_run(set, a, b); /* not German "Daten der Akte", "Befunde" */
        w = b + 1;
    }
}

/* "the Chinchilla scaling-law paper": a capitalised word, up to three
 * more content words, then a noun for a work. */
static void s_scan_works(s_set_t *set)
{
    const textmodel_t *m = set->m;
    for (uint32_t w = 1; w < m->n_words; w++) {
        if (!s_key_in(m, w, s_work_nouns, S_N(s_work_nouns)))
            continue;
        if (s_joined(m, w, w + 1) && !(m->words[w + 1].flags & TEXTMODEL_W_STOP))
            continue; /* "scaling-law paper": the work is named by the last noun */
        uint32_t best = UINT32_MAX;
        for (uint32_t j = w; j > 0 && w - (j - 1) <= 4; j--) {
            uint32_t k = j - 1;
            if (!s_joined(m, k, k + 1) || (m->words[k].flags & TEXTMODEL_W_STOP))
                break;
            if (s_capword(m, k))
                best = k;
        }
        if (best != UINT32_MAX)
            s_mention(set, s_span(m, best, w, ""), ENTITY_WORK, best, w);
    }
}

static void s_scan_et_al(s_set_t *set)
{
    const textmodel_t *m = set->m;
    for (uint32_t w = 1; w + 1 < m->n_words; w++) {
        size_t l1, l2;
        const char *k1 = textmodel_key(m, m->words[w].term, &l1);
        const char *k2 = textmodel_key(m, m->words[w + 1].term, &l2);
        if (l1 == 2 && l2 == 2 && memcmp(k1, "et", 2) == 0 && memcmp(k2, "al", 2) == 0 &&
            s_capword(m, w - 1) && m->words[w - 1].sent == m->words[w].sent)
            s_mention(set, s_span(m, w - 1, w + 1, "."), ENTITY_WORK, w - 1, w + 1);
    }
}

static void s_quoted_title(s_set_t *set, const textmodel_sent_t *s, size_t a, size_t b)
{
    const textmodel_t *m = set->m;
    uint32_t first = UINT32_MAX, last = 0, n = 0, caps = 0, content = 0;
    for (uint32_t w = s->first_word; w < s->first_word + s->n_words; w++) {
        const textmodel_word_t *wd = &m->words[w];
        if (wd->offset < a || wd->offset >= b)
            continue;
        if (first == UINT32_MAX)
            first = w;
        last = w;
        n++;
        content += !(wd->flags & TEXTMODEL_W_STOP);
        caps += !(wd->flags & TEXTMODEL_W_STOP) && (wd->flags & TEXTMODEL_W_CAP);
    }
    if (n == 0 || n > 8 || !(m->words[first].flags & TEXTMODEL_W_CAP) || content == 0 ||
        caps * 10 < content * 7 || (n == 1 && (m->words[first].flags & TEXTMODEL_W_FIRST)))
        return;
    s_mention(set, s_span(m, first, last, ""), ENTITY_WORK, first, last);
}

/* Titles in double quotes, straight or curly. */
static void s_scan_quotes(s_set_t *set)
{
    const textmodel_t *m = set->m;
    for (size_t si = 0; si < m->n_sents; si++) {
        const textmodel_sent_t *s = &m->sents[si];
        const char *t = m->text;
        size_t i = s->offset, e = s->offset + s->length;
        while (i < e) {
            bool straight = t[i] == '"';
            bool curly = e - i >= 3 && memcmp(t + i, "\xE2\x80\x9C", 3) == 0;
            if (!straight && !curly) {
                i++;
                continue;
            }
            size_t a = i + (straight ? 1 : 3), j = a;
            while (j < e && !(straight ? t[j] == '"'
                                       : (e - j >= 3 && memcmp(t + j, "\xE2\x80\x9D", 3) == 0)))
                j++;
            if (j >= e)
                break;
            s_quoted_title(set, s, a, j);
            i = j + (straight ? 1 : 3);
        }
    }
}

/* Does the multi-word key long end with, or start with, the word key? */
static bool s_has_word(const char *lng, const char *word)
{
    size_t ll = strlen(lng), wl = strlen(word);
    if (wl >= ll)
        return false;
    bool tail = lng[ll - wl - 1] == ' ' && strcmp(lng + ll - wl, word) == 0;
    bool head = strncmp(lng, word, wl) == 0 && lng[wl] == ' ';
    return tail || head;
}

/* "Karpathy" after "Andrej Karpathy": the short form counts for the long. */
static void s_fold(s_set_t *set)
{
    for (size_t i = 0; i < set->n; i++) {
        s_cand_t *c = &set->c[i];
        if (c->words != 1 || c->kind == ENTITY_ACRONYM)
            continue;
        s_cand_t *into = NULL;
        for (size_t j = 0; j < set->n; j++) {
            s_cand_t *l = &set->c[j];
            if (l->words > 1 && !l->dead && s_has_word(l->key, c->key) &&
                (!into || l->count > into->count))
                into = l;
        }
        if (into) {
            into->count += c->count;
            into->mid += c->mid;
            c->dead = true;
        }
    }
}

static bool s_accept(const s_set_t *set, const s_cand_t *c)
{
    const textmodel_term_t *t = &set->m->terms[c->term];
    if (c->dead)
        return false;
    switch (c->kind) {
    case ENTITY_WORK:
    case ENTITY_PERSON:
        return true;
    case ENTITY_ACRONYM:
        return !t->stop;
    case ENTITY_NAME:
        if (c->words > 1)
            return c->mid >= 1 || c->count >= 2;
        return c->mid >= 1 && t->low_count <= t->cap_count;
    }
    return false;
}

static double s_weight(const s_cand_t *c)
{
    switch (c->kind) {
    case ENTITY_WORK:
        return 1.6;
    case ENTITY_PERSON:
        return 1.5;
    case ENTITY_ACRONYM:
        return 0.7;
    case ENTITY_NAME:
        break;
    }
    return c->words > 1 ? 1.3 : 1.0;
}

/* Acronyms are often the field itself ("AI"); a few mentions say enough. */
static double s_score(const s_cand_t *c)
{
    double n = c->kind == ENTITY_ACRONYM && c->count > 3 ? 3 : c->count;
    return n * s_weight(c);
}

static int s_by_score(const void *a, const void *b)
{
    const s_cand_t *x = a, *y = b;
    double sx = s_score(x), sy = s_score(y);
    if (sx != sy)
        return sx < sy ? 1 : -1;
    return x->first_sent < y->first_sent ? -1 : x->first_sent > y->first_sent;
}

static void s_free_cand(s_cand_t *c)
{
    free(c->name);
    free(c->key);
}

int entity_extract(const textmodel_t *m, size_t max, entity_list_t *out, err_t *err)
{
    if (!m || !out) {
        err_set(err, LODE_EINVAL, "entity_extract: no model or no output");
        return -1;
    }
    memset(out, 0, sizeof *out);
    s_set_t set = {.m = m, .noun = s_german_nouns(m)};
    s_scan_runs(&set);
    s_scan_works(&set);
    s_scan_et_al(&set);
    s_scan_quotes(&set);
    /* Fold and rank only the most mentioned: folding is quadratic. The
     * table's indices are stale once sorted; nothing looks names up after. */
    if (set.n > 1)
        qsort(set.c, set.n, sizeof *set.c, s_by_score);
    size_t keep = set.n < 512 ? set.n : 512;
    for (size_t i = keep; i < set.n; i++)
        s_free_cand(&set.c[i]);
    set.n = keep;
    s_fold(&set);
    if (set.n > 1)
        qsort(set.c, set.n, sizeof *set.c, s_by_score);
    out->items = mem_calloc(max + 1, sizeof *out->items);
    for (size_t i = 0; i < set.n; i++) {
        s_cand_t *c = &set.c[i];
        if (out->count < max && s_accept(&set, c)) {
            out->items[out->count++] =
                (entity_t){c->name, c->kind, c->count, c->first_sent, s_score(c)};
            c->name = NULL;
        }
        s_free_cand(c);
    }
    free(set.c);
    free(set.table);
    free(set.noun);
    return 0;
}

void entity_list_clear(entity_list_t *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i].name);
    free(list->items);
    memset(list, 0, sizeof *list);
}
