/*  textmodel.c - tokenise sentences into words and build the vocabulary.
 *  Words split at hyphens (flagged, so phrases can rejoin them) and keep
 *  inner apostrophes and digit groups ("don't", "3.14", "2,000").
 *  SPDX-License-Identifier: MIT
 */
#include "textmodel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "sentence.h"
#include "stopword.h"
#include "uchar.h"
#include "utf8.h"

#define S_KEY_MAX 64

static uint32_t s_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

static bool s_is_apostrophe(uint32_t cp)
{
    return cp == '\'' || cp == 0x2019;
}

static bool s_is_hyphen(uint32_t cp)
{
    return cp == '-' || cp == 0x2010 || cp == 0x2011;
}

/* Drop a plural s from an ASCII word: "models" -> "model", "ties" -> "ty"
 * would be wrong, so "ies" -> "y" only past four letters. */
static size_t s_stem(char *w, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)w[i] >= 0x80)
            return len;
    if (len > 4 && memcmp(w + len - 3, "ies", 3) == 0) {
        w[len - 3] = 'y';
        return len - 2;
    }
    if (len > 4 && memcmp(w + len - 4, "sses", 4) == 0)
        return len - 2;
    if (len > 3 && w[len - 1] == 's' && !strchr("su'i", w[len - 2]))
        return len - 1;
    return len;
}

size_t textmodel_fold(const char *word, size_t len, char *out, size_t cap, bool stem)
{
    size_t o = 0, i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(word + i, len - i, &cp);
        i += n;
        cp = s_is_apostrophe(cp) ? '\'' : uchar_to_lower(cp);
        char enc[4];
        size_t k = utf8_encode(cp, enc);
        if (o + k > cap)
            break;
        memcpy(out + o, enc, k);
        o += k;
    }
    return stem ? s_stem(out, o) : o;
}

static void s_table_put(textmodel_t *m, uint32_t term);

static void s_table_grow(textmodel_t *m)
{
    free(m->table);
    m->table_cap = m->table_cap ? m->table_cap * 2 : 1024;
    m->table = mem_calloc(m->table_cap, sizeof *m->table);
    for (uint32_t t = 0; t < m->n_terms; t++)
        s_table_put(m, t);
}

static void s_table_put(textmodel_t *m, uint32_t term)
{
    const textmodel_term_t *tm = &m->terms[term];
    size_t mask = m->table_cap - 1;
    size_t h = s_hash(m->arena + tm->key_off, tm->key_len) & mask;
    while (m->table[h])
        h = (h + 1) & mask;
    m->table[h] = term + 1;
}

int64_t textmodel_find(const textmodel_t *m, const char *key, size_t len)
{
    if (!m->table_cap)
        return -1;
    size_t mask = m->table_cap - 1;
    for (size_t h = s_hash(key, len) & mask; m->table[h]; h = (h + 1) & mask) {
        const textmodel_term_t *tm = &m->terms[m->table[h] - 1];
        if (tm->key_len == len && memcmp(m->arena + tm->key_off, key, len) == 0)
            return m->table[h] - 1;
    }
    return -1;
}

/* The term for word[0..len), added to the vocabulary if new. */
static uint32_t s_intern(textmodel_t *m, const char *word, size_t len)
{
    char key[S_KEY_MAX], plain[S_KEY_MAX];
    size_t plain_len = textmodel_fold(word, len, plain, sizeof plain, false);
    memcpy(key, plain, plain_len);
    size_t key_len = s_stem(key, plain_len);
    int64_t found = textmodel_find(m, key, key_len);
    /* A term is a stopword when any of its forms is: the plural rule keys
     * German "eines" as "eine" (s_finish_words flags the words). Only a
     * form the rule changed can differ from its key, so only those ask. */
    bool stemmed = key_len != plain_len;
    if (found >= 0) {
        if (stemmed && !m->terms[found].stop)
            m->terms[found].stop = stopword_is_lang((stopword_lang_t)m->lang, plain, plain_len);
        return (uint32_t)found;
    }
    if ((m->n_terms + 1) * 2 > m->table_cap)
        s_table_grow(m);
    if (m->n_terms == m->terms_cap) {
        m->terms_cap = m->terms_cap ? m->terms_cap * 2 : 512;
        m->terms = mem_realloc(m->terms, m->terms_cap * sizeof *m->terms);
    }
    if (m->arena_len + key_len > m->arena_cap) {
        m->arena_cap = (m->arena_cap + key_len) * 2;
        m->arena = mem_realloc(m->arena, m->arena_cap);
    }
    memcpy(m->arena + m->arena_len, key, key_len);
    m->terms[m->n_terms] = (textmodel_term_t){
        .key_off = (uint32_t)m->arena_len,
        .key_len = (uint32_t)key_len,
        .last_sent = UINT32_MAX,
        .stop = stopword_is_lang((stopword_lang_t)m->lang, plain, plain_len) ||
                (stemmed && stopword_is_lang((stopword_lang_t)m->lang, key, key_len)),
    };
    m->arena_len += key_len;
    s_table_put(m, (uint32_t)m->n_terms);
    return (uint32_t)m->n_terms++;
}

/* Case flags of word[0..len): CAP, ACRONYM, NUM. */
static uint32_t s_case_flags(const char *word, size_t len)
{
    size_t upper = 0, lower = 0, letters = 0, i = 0;
    uint32_t first = 0, last_lower = 0;
    while (i < len) {
        uint32_t cp;
        i += utf8_decode(word + i, len - i, &cp);
        if (!first)
            first = cp;
        if (uchar_is_upper(cp))
            upper++;
        if (uchar_is_lower(cp)) {
            lower++;
            last_lower = cp;
        }
        letters += uchar_is_upper(cp) || uchar_is_lower(cp);
    }
    uint32_t f = 0;
    if (uchar_is_upper(first))
        f |= TEXTMODEL_W_CAP;
    if (first >= '0' && first <= '9')
        f |= TEXTMODEL_W_NUM;
    if (upper >= 2 && (lower == 0 || (lower == 1 && last_lower == 's' && word[len - 1] == 's')))
        f |= TEXTMODEL_W_ACRONYM;
    (void)letters;
    return f;
}

typedef struct {
    textmodel_t *m;
    uint32_t sent;
    uint32_t pending; /* flags for the next word: FIRST, BREAK, HYPHEN */
} s_tok_t;

static void s_push_word(s_tok_t *tk, size_t start, size_t end)
{
    textmodel_t *m = tk->m;
    const char *w = m->text + start;
    size_t len = end - start;
    uint32_t flags = tk->pending;
    if (len > 2 && (memcmp(w + len - 2, "'s", 2) == 0)) {
        len -= 2;
        flags |= TEXTMODEL_W_POSS;
    } else if (len > 4 && memcmp(w + len - 4, "\xE2\x80\x99s", 4) == 0) {
        len -= 4;
        flags |= TEXTMODEL_W_POSS;
    }
    if (m->n_words == m->words_cap) {
        m->words_cap = m->words_cap ? m->words_cap * 2 : 1024;
        m->words = mem_realloc(m->words, m->words_cap * sizeof *m->words);
    }
    flags |= s_case_flags(w, len);
    /* "LLMs" is the plural of "LLM"; the stemmer leaves short words alone. */
    bool plural_acronym = (flags & TEXTMODEL_W_ACRONYM) && w[len - 1] == 's';
    uint32_t term = s_intern(m, w, plural_acronym ? len - 1 : len);
    if (m->terms[term].stop)
        flags |= TEXTMODEL_W_STOP;
    m->words[m->n_words++] = (textmodel_word_t){start, (uint32_t)len, term, tk->sent, flags};
    tk->pending = 0;
}

/* End of the word that starts at i: word characters, with apostrophes
 * inside words and dots or commas inside numbers. */
static size_t s_word_end(const char *t, size_t i, size_t end)
{
    uint32_t prev = 0;
    while (i < end) {
        uint32_t cp, next = 0;
        size_t n = utf8_decode(t + i, end - i, &cp);
        if (uchar_is_word(cp)) {
            prev = cp;
            i += n;
            continue;
        }
        if (i + n < end)
            utf8_decode(t + i + n, end - i - n, &next);
        bool digits = prev >= '0' && prev <= '9' && next >= '0' && next <= '9';
        if ((s_is_apostrophe(cp) && uchar_is_word(next)) || ((cp == '.' || cp == ',') && digits)) {
            i += n;
            continue;
        }
        break;
    }
    return i;
}

static void s_tokenise(s_tok_t *tk, size_t start, size_t end)
{
    const char *t = tk->m->text;
    size_t i = start;
    bool after_word = false;
    tk->pending = TEXTMODEL_W_FIRST;
    while (i < end) {
        uint32_t cp;
        size_t n = utf8_decode(t + i, end - i, &cp);
        if (uchar_is_word(cp)) {
            size_t e = s_word_end(t, i, end);
            s_push_word(tk, i, e);
            i = e;
            after_word = true;
            continue;
        }
        uint32_t next = 0;
        if (i + n < end)
            utf8_decode(t + i + n, end - i - n, &next);
        if (after_word && s_is_hyphen(cp) && uchar_is_word(next))
            tk->pending |= TEXTMODEL_W_HYPHEN;
        else if (!uchar_is_space(cp))
            tk->pending |= TEXTMODEL_W_BREAK;
        if (uchar_is_opener(cp) || cp == ':')
            tk->pending |= TEXTMODEL_W_FIRST;
        after_word = false;
        i += n;
    }
}

/* A stopword inside a hyphenated compound ("state-of-the-art") is part
 * of the compound, and the term statistics need every word in place. */
static void s_finish_words(textmodel_t *m)
{
    for (size_t w = 0; w < m->n_words; w++) {
        textmodel_word_t *wd = &m->words[w];
        if (m->terms[wd->term].stop)
            wd->flags |= TEXTMODEL_W_STOP;
        if (wd->flags & TEXTMODEL_W_HYPHEN) {
            wd->flags &= ~(uint32_t)TEXTMODEL_W_STOP;
            if (w > 0)
                m->words[w - 1].flags &= ~(uint32_t)TEXTMODEL_W_STOP;
        }
        textmodel_term_t *tm = &m->terms[wd->term];
        tm->count++;
        if (tm->last_sent != wd->sent) {
            tm->last_sent = wd->sent;
            tm->df++;
        }
        if ((wd->flags & TEXTMODEL_W_CAP) && !(wd->flags & TEXTMODEL_W_FIRST))
            tm->cap_count++;
        if (!(wd->flags & (TEXTMODEL_W_CAP | TEXTMODEL_W_NUM)))
            tm->low_count++;
    }
    for (size_t t = 0; t < m->n_terms; t++)
        m->terms[t].idf = (float)log(((double)m->n_sents + 1.0) / (m->terms[t].df + 0.5));
}

void textmodel_finish(textmodel_t *m)
{
    for (size_t t = 0; t < m->n_terms; t++)
        m->terms[t] = (textmodel_term_t){.key_off = m->terms[t].key_off,
                                         .key_len = m->terms[t].key_len,
                                         .last_sent = UINT32_MAX,
                                         .stop = m->terms[t].stop};
    s_finish_words(m);
    free(m->table);
    m->table = NULL;
    m->table_cap = 0;
    while (m->table_cap < 1024 || m->n_terms * 2 > m->table_cap)
        m->table_cap = m->table_cap ? m->table_cap * 2 : 1024;
    m->table = mem_calloc(m->table_cap, sizeof *m->table);
    for (uint32_t t = 0; t < m->n_terms; t++)
        s_table_put(m, t);
}

/* Bytes of text to analyse: at most the limit, cut at a code point. */
static size_t s_bounded_len(const char *text, size_t len)
{
    if (len <= TEXTMODEL_MAX_BYTES)
        return len;
    size_t n = TEXTMODEL_MAX_BYTES;
    while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
        n--;
    return n;
}

int textmodel_build(textmodel_t *m, const char *text, size_t len, err_t *err)
{
    if (!m || (!text && len)) {
        err_set(err, LODE_EINVAL, "textmodel_build: no text");
        return -1;
    }
    memset(m, 0, sizeof *m);
    m->text = text;
    m->len = s_bounded_len(text, len);
    m->lang = (int)stopword_detect(text, m->len < 65536 ? m->len : 65536);
    sentence_opts_t opts = {.max_sentences = TEXTMODEL_MAX_SENTENCES};
    sentence_list_t sl;
    if (sentence_split(text, m->len, &opts, &sl, err) != 0)
        return -1;
    if (sl.count == 0) {
        sentence_list_clear(&sl);
        err_set(err, LODE_EEMPTY, "empty transcript");
        return -1;
    }
    m->sents = mem_calloc(sl.count, sizeof *m->sents);
    m->n_sents = sl.count;
    s_tok_t tk = {.m = m};
    for (size_t i = 0; i < sl.count; i++) {
        const sentence_t *s = &sl.items[i];
        textmodel_sent_t *ms = &m->sents[i];
        *ms = (textmodel_sent_t){s->offset,   s->length, (uint32_t)m->n_words, 0, s->para_start,
                                 s->question, s->cut};
        tk.sent = (uint32_t)i;
        s_tokenise(&tk, s->offset, s->offset + s->length);
        ms->n_words = (uint32_t)m->n_words - ms->first_word;
    }
    sentence_list_clear(&sl);
    s_finish_words(m);
    return 0;
}

void textmodel_clear(textmodel_t *m)
{
    if (!m)
        return;
    free(m->sents);
    free(m->words);
    free(m->terms);
    free(m->arena);
    free(m->table);
    memset(m, 0, sizeof *m);
}

const char *textmodel_key(const textmodel_t *m, uint32_t term, size_t *len)
{
    *len = m->terms[term].key_len;
    return m->arena + m->terms[term].key_off;
}

bool textmodel_is_content(const textmodel_t *m, size_t word)
{
    const textmodel_word_t *w = &m->words[word];
    if (w->flags & (TEXTMODEL_W_STOP | TEXTMODEL_W_NUM))
        return false;
    return m->terms[w->term].key_len >= 2 || (w->flags & TEXTMODEL_W_ACRONYM);
}
