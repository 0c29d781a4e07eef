/*  extract_analysis.c - one analysis of a transcript for all three text
 *  stages, and its stored form. Analysing the text (sentences, language,
 *  words, terms, keyphrases) is most of each stage's work and the same in
 *  all three, so the snippet stage stores it and the later stages read it
 *  back: decoding a few arrays instead of walking every code point again.
 *
 *  The form: "LXA" then a version byte, then LEB128 varints (floats as
 *  their raw bits, so scores come back bit for bit), then an 8-byte
 *  checksum of everything before it. The header names the transcript's
 *  length and a hash of its text, so an analysis of another text (a job
 *  fetched again) is never used. Every count and index is checked before it
 *  is used: a bad part is refused and the stage analyses the text itself.
 *  SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "extract_impl.h"
#include "mem.h"
#include "stopword.h"
#include "utf8.h"

static const char s_magic[4] = {'L', 'X', 'A', (char)EXTRACT_ANALYSIS_VERSION};

extract_analysis_t *extract_analysis_new(const transcript_t *t, err_t *err)
{
    extract_analysis_t *self = mem_calloc(1, sizeof *self);
    if (extract_doc_build(&self->d, t, err) != 0) {
        free(self);
        return NULL;
    }
    return self;
}

void extract_analysis_destroy(extract_analysis_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    extract_doc_clear(&(*self_p)->d);
    free(*self_p);
    *self_p = NULL;
}

/* A 64-bit hash, 8 bytes a step: to tell texts and corruption apart, not
 * against an adversary (a part is only as trusted as the Redis it is in). */
uint64_t extract_analysis_hash(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 0x9E3779B97F4A7C15ull ^ len;
    while (len >= 8) {
        uint64_t k;
        memcpy(&k, p, 8);
        h = (h ^ (k * 0xBF58476D1CE4E5B9ull)) * 0x94D049BB133111EBull;
        h ^= h >> 31;
        p += 8, len -= 8;
    }
    uint64_t k = 0;
    memcpy(&k, p, len);
    h = (h ^ (k * 0xBF58476D1CE4E5B9ull)) * 0x94D049BB133111EBull;
    return h ^ (h >> 29);
}

/* ---- writing ----------------------------------------------------------- */

static void s_put_u(buf_t *b, uint64_t v)
{
    unsigned char tmp[10];
    size_t n = 0;
    do {
        tmp[n] = (unsigned char)(v & 0x7F);
        v >>= 7;
        tmp[n++] |= v ? 0x80 : 0;
    } while (v);
    extract_put(b, (const char *)tmp, n);
}

static void s_put_raw(buf_t *b, const void *p, size_t n)
{
    extract_put(b, p, n);
}

static void s_pack_sents(buf_t *b, const textmodel_t *m)
{
    size_t prev = 0;
    for (size_t s = 0; s < m->n_sents; s++) {
        const textmodel_sent_t *st = &m->sents[s];
        s_put_u(b, st->offset - prev);
        s_put_u(b, st->length);
        s_put_u(b, st->n_words);
        s_put_u(b, (uint64_t)st->para_start | (uint64_t)st->question << 1 | (uint64_t)st->cut << 2);
        prev = st->offset;
    }
}

static void s_pack_words(buf_t *b, const textmodel_t *m)
{
    size_t prev = 0;
    for (size_t w = 0; w < m->n_words; w++) {
        const textmodel_word_t *wd = &m->words[w];
        s_put_u(b, wd->offset - prev);
        s_put_u(b, wd->length);
        s_put_u(b, wd->term);
        s_put_u(b, wd->flags);
        prev = wd->offset;
    }
}

static void s_pack_terms(buf_t *b, const textmodel_t *m)
{
    for (size_t t = 0; t < m->n_terms; t++) {
        const textmodel_term_t *tm = &m->terms[t];
        s_put_u(b, tm->key_len); /* counts and IDF follow from the words */
        s_put_u(b, tm->stop);
    }
    for (size_t t = 0; t < m->n_terms; t++) /* the keys, in term order */
        s_put_raw(b, m->arena + m->terms[t].key_off, m->terms[t].key_len);
}

static void s_pack_kps(buf_t *b, const keyphrase_list_t *l)
{
    for (size_t i = 0; i < l->count; i++) {
        const keyphrase_t *k = &l->items[i];
        size_t len = strlen(k->text);
        s_put_u(b, len);
        s_put_raw(b, k->text, len);
        s_put_u(b, k->n_terms);
        for (uint32_t j = 0; j < k->n_terms; j++)
            s_put_u(b, k->terms[j]);
        s_put_u(b, k->count);
        s_put_u(b, k->first_word);
        s_put_u(b, k->n_sents);
        for (uint32_t j = 0; j < k->n_sents; j++) /* ascending: deltas, the first from -1 */
            s_put_u(b, k->sents[j] - (j ? k->sents[j - 1] : 0) - (j ? 1 : 0));
        s_put_raw(b, &k->score, sizeof k->score);
    }
}

void *extract_analysis_pack(const extract_analysis_t *self, size_t *len)
{
    const extract_doc_t *d = &self->d;
    const textmodel_t *m = &d->m;
    buf_t b;
    buf_init(&b, (size_t)1 << 31);
    s_put_raw(&b, s_magic, sizeof s_magic);
    uint64_t text_hash = extract_analysis_hash(d->t->text, d->t->len);
    s_put_u(&b, d->t->len);
    s_put_raw(&b, &text_hash, sizeof text_hash);
    s_put_u(&b, m->len);
    s_put_u(&b, (uint64_t)m->lang);
    s_put_u(&b, m->n_sents);
    s_put_u(&b, m->n_words);
    s_put_u(&b, m->n_terms);
    s_put_u(&b, d->kp_pool.count);
    s_pack_sents(&b, m);
    s_pack_terms(&b, m);
    s_pack_words(&b, m);
    s_pack_kps(&b, &d->kp_pool);
    uint64_t sum = extract_analysis_hash(b.data, b.len);
    s_put_raw(&b, &sum, sizeof sum);
    *len = b.len;
    return buf_steal(&b);
}

/* ---- reading ----------------------------------------------------------- */

/* A cursor over the stored bytes; bad is set at the first thing wrong,
 * after which every read gives 0, so a caller checks once at the end of a
 * loop instead of after every field. */
typedef struct {
    const unsigned char *p, *end;
    bool bad;
} s_rd_t;

static uint64_t s_get_u(s_rd_t *r)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->bad || r->p == r->end)
            break;
        unsigned char c = *r->p++;
        v |= (uint64_t)(c & 0x7F) << shift;
        if (!(c & 0x80))
            return v;
    }
    r->bad = true;
    return 0;
}

/* A varint that must be at most max. */
static uint64_t s_get_max(s_rd_t *r, uint64_t max)
{
    uint64_t v = s_get_u(r);
    if (v > max)
        r->bad = true;
    return r->bad ? 0 : v;
}

static void s_get_raw(s_rd_t *r, void *out, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = true;
        memset(out, 0, n);
        return;
    }
    memcpy(out, r->p, n);
    r->p += n;
}

/* Room for n items of at least one byte each: refuses counts the bytes
 * left cannot hold before anything that size is allocated. */
static bool s_room(s_rd_t *r, uint64_t n)
{
    if (!r->bad && n > (uint64_t)(r->end - r->p))
        r->bad = true;
    return !r->bad;
}

/* A span of the text that starts and ends at code points: the engine
 * copies spans into its output, which must stay UTF-8. */
static bool s_span_ok(const textmodel_t *m, size_t off, size_t len)
{
    const unsigned char *t = (const unsigned char *)m->text;
    return (off >= m->len || (t[off] & 0xC0) != 0x80) &&
           (off + len >= m->len || (t[off + len] & 0xC0) != 0x80);
}

static bool s_unpack_sents(s_rd_t *r, textmodel_t *m)
{
    m->sents = mem_calloc(m->n_sents + 1, sizeof *m->sents);
    size_t at = 0, words = 0;
    for (size_t s = 0; s < m->n_sents && !r->bad; s++) {
        textmodel_sent_t *st = &m->sents[s];
        at += s_get_max(r, m->len - at);
        st->offset = at;
        st->length = s_get_max(r, m->len - at);
        st->n_words = (uint32_t)s_get_max(r, m->n_words - words);
        st->first_word = (uint32_t)words;
        words += st->n_words;
        uint64_t f = s_get_max(r, 7);
        st->para_start = f & 1, st->question = (f >> 1) & 1, st->cut = (f >> 2) & 1;
        if (!s_span_ok(m, st->offset, st->length))
            r->bad = true;
    }
    return !r->bad && words == m->n_words;
}

static bool s_unpack_words(s_rd_t *r, textmodel_t *m)
{
    m->words = mem_calloc(m->n_words + 1, sizeof *m->words);
    m->words_cap = m->n_words;
    size_t at = 0;
    uint32_t sent = 0;
    for (size_t w = 0; w < m->n_words && !r->bad; w++) {
        textmodel_word_t *wd = &m->words[w];
        at += s_get_max(r, m->len - at);
        wd->offset = at;
        wd->length = (uint32_t)s_get_max(r, m->len - at);
        wd->term = (uint32_t)s_get_max(r, m->n_terms ? m->n_terms - 1 : 0);
        wd->flags = (uint32_t)s_get_max(r, UINT32_MAX);
        while (sent + 1 < m->n_sents &&
               w >= (size_t)m->sents[sent].first_word + m->sents[sent].n_words)
            sent++;
        wd->sent = sent;
        /* The engine measures words against their sentence: each lies in it. */
        const textmodel_sent_t *st = &m->sents[sent];
        if (wd->offset < st->offset || wd->offset + wd->length > st->offset + st->length ||
            !s_span_ok(m, wd->offset, wd->length))
            r->bad = true;
    }
    return !r->bad && (m->n_words == 0 || m->n_terms > 0);
}

static bool s_unpack_terms(s_rd_t *r, textmodel_t *m)
{
    m->terms = mem_calloc(m->n_terms + 1, sizeof *m->terms);
    m->terms_cap = m->n_terms;
    size_t keys = 0;
    for (size_t t = 0; t < m->n_terms && !r->bad; t++) {
        textmodel_term_t *tm = &m->terms[t];
        tm->key_off = (uint32_t)keys;
        tm->key_len = (uint32_t)s_get_max(r, (uint64_t)(r->end - r->p));
        keys += tm->key_len;
        tm->stop = s_get_max(r, 1) != 0;
    }
    if (!s_room(r, keys) || keys > UINT32_MAX)
        return false;
    m->arena = mem_alloc(keys + 1);
    m->arena_len = m->arena_cap = keys;
    s_get_raw(r, m->arena, keys);
    for (size_t t = 0; t < m->n_terms && !r->bad; t++)
        if (!utf8_valid(m->arena + m->terms[t].key_off, m->terms[t].key_len))
            r->bad = true;
    return !r->bad;
}

static bool s_unpack_kp(s_rd_t *r, const textmodel_t *m, keyphrase_t *k)
{
    uint64_t len = s_get_u(r);
    if (!s_room(r, len))
        return false;
    k->text = mem_alloc((size_t)len + 1);
    s_get_raw(r, k->text, (size_t)len);
    k->text[len] = '\0';
    if (!utf8_valid(k->text, (size_t)len))
        r->bad = true;
    k->n_terms = (uint32_t)s_get_max(r, KEYPHRASE_MAX_WORDS);
    if (k->n_terms == 0 || k->n_terms > m->n_words)
        r->bad = true;
    for (uint32_t j = 0; j < k->n_terms; j++)
        k->terms[j] = (uint32_t)s_get_max(r, m->n_terms - 1);
    k->count = (uint32_t)s_get_max(r, UINT32_MAX);
    /* Where the phrase's words are: all of them within the text. */
    k->first_word = (uint32_t)s_get_max(r, r->bad ? 0 : m->n_words - k->n_terms);
    uint64_t n = s_get_max(r, m->n_sents);
    if (!s_room(r, n))
        return false;
    k->sents = mem_alloc((size_t)n * sizeof *k->sents + 1);
    uint64_t at = 0;
    for (uint64_t j = 0; j < n && !r->bad; j++) {
        at += s_get_u(r) + (j ? 1 : 0);
        if (at >= m->n_sents)
            r->bad = true;
        k->sents[k->n_sents++] = (uint32_t)at;
    }
    s_get_raw(r, &k->score, sizeof k->score);
    return !r->bad;
}

static bool s_unpack_kps(s_rd_t *r, const textmodel_t *m, keyphrase_list_t *l, uint64_t n)
{
    l->items = mem_calloc((size_t)n + 1, sizeof *l->items);
    for (; l->count < n; l->count++)
        if (!s_unpack_kp(r, m, &l->items[l->count])) {
            l->count++; /* what it holds is freed with the list */
            return false;
        }
    return true;
}

/* The header against t: 0, or -1 when the bytes are of another text or
 * hold counts they cannot. */
static int s_unpack_head(s_rd_t *r, const transcript_t *t, textmodel_t *m, uint64_t *n_kp)
{
    char magic[sizeof s_magic];
    uint64_t text_hash = 0;
    s_get_raw(r, magic, sizeof magic);
    if (r->bad || memcmp(magic, s_magic, sizeof magic) != 0)
        return -1;
    uint64_t text_len = s_get_u(r);
    s_get_raw(r, &text_hash, sizeof text_hash);
    if (r->bad || text_len != t->len || text_hash != extract_analysis_hash(t->text, t->len))
        return -1;
    m->text = t->text;
    m->len = s_get_max(r, t->len);
    m->lang = (int)s_get_max(r, STOPWORD_N_LANGS - 1);
    m->n_sents = s_get_max(r, TEXTMODEL_MAX_SENTENCES);
    m->n_words = s_get_max(r, UINT32_MAX - 1);
    m->n_terms = s_get_max(r, UINT32_MAX - 1);
    *n_kp = s_get_u(r);
    /* Each sentence, word, term and keyphrase takes at least a byte. */
    if (!s_room(r, m->n_sents + m->n_words + m->n_terms + *n_kp) || m->n_sents == 0 ||
        (*n_kp && (m->n_terms == 0 || m->n_words == 0)))
        return -1;
    return 0;
}

extract_analysis_t *
extract_analysis_unpack(const transcript_t *t, const void *data, size_t len, err_t *err)
{
    uint64_t sum;
    if (!t || !data || len < sizeof s_magic + sizeof sum) {
        err_set(err, LODE_EINVAL, "analysis: %s", t && data ? "truncated" : "missing argument");
        return NULL;
    }
    memcpy(&sum, (const unsigned char *)data + len - sizeof sum, sizeof sum);
    if (sum != extract_analysis_hash(data, len - sizeof sum)) {
        err_set(err, LODE_EINVAL, "analysis: bad checksum (truncated or corrupt)");
        return NULL;
    }
    s_rd_t r = {data, (const unsigned char *)data + len - sizeof sum, false};
    extract_analysis_t *self = mem_calloc(1, sizeof *self);
    extract_doc_t *d = &self->d;
    d->t = t;
    uint64_t n_kp = 0;
    bool ok = s_unpack_head(&r, t, &d->m, &n_kp) == 0 && s_unpack_sents(&r, &d->m) &&
              s_unpack_terms(&r, &d->m) && s_unpack_words(&r, &d->m) &&
              s_unpack_kps(&r, &d->m, &d->kp_pool, n_kp) && r.p == r.end;
    if (!ok) {
        err_set(err, LODE_EINVAL, "analysis: of another text or version, or malformed");
        extract_analysis_destroy(&self);
        return NULL;
    }
    textmodel_finish(&d->m);
    extract_doc_derive(d);
    return self;
}
