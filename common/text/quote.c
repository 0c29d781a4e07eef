/*  quote.c - quote verification and snapping (see quote.h).
 *  SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE /* memmem */
#include "quote.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "mem.h"
#include "utf8.h"

#define S_MIN_SCORE    0.8
#define S_COST_WORD    4 /* a changed, missing or extra word */
#define S_COST_FILLER  1 /* a source filler word the quote dropped */
#define S_MAX_ANCHORS  6
#define S_MAX_POSTINGS 256 /* occurrences of one anchor word considered */
#define S_MAX_CANDS    8   /* windows aligned per quote */
#define S_MAX_HITS     1000

/* Normalised text: bytes, and for each byte the source byte offset of the
 * code point it came from. */
typedef struct {
    char *s;       /* owned */
    uint32_t *map; /* owned */
    size_t len;
    size_t cap;
} s_norm_t;

typedef struct {
    uint32_t ns; /* normalised start byte */
    uint32_t ne; /* normalised end byte */
    uint64_t hash;
    bool filler;
} s_word_t;

typedef struct {
    uint64_t hash;
    uint32_t pos; /* word index */
} s_post_t;

struct quote_index {
    const transcript_t *t; /* borrowed */
    s_norm_t norm;
    s_word_t *words; /* owned */
    size_t n_words;
    s_post_t *posts; /* owned; sorted by (hash, pos) */
};

/* --- normalisation ---------------------------------------------------- */

static void s_norm_put(s_norm_t *n, const char *b, size_t k, uint32_t src)
{
    if (n->len + k + 1 > n->cap) {
        n->cap = (n->len + k + 1) * 2 + 64;
        n->s = mem_realloc(n->s, n->cap);
        n->map = mem_realloc(n->map, n->cap * sizeof(uint32_t));
    }
    for (size_t i = 0; i < k; i++) {
        n->s[n->len] = b[i];
        n->map[n->len++] = src;
    }
    n->s[n->len] = '\0';
}

static bool s_is_space(uint32_t cp)
{
    if (cp == ' ' || (cp >= 0x09 && cp <= 0x0d))
        return true;
    if (cp < 0x80)
        return false;
    utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
    return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP ||
           cp == 0x85;
}

/* Quotes, apostrophes and dashes unified: sorted by code point for a
 * binary search; to 0 = drop the code point (the soft hyphen). */
static const struct {
    uint32_t cp, to;
} s_folds[] = {
    {0x0060, '\''}, {0x00ab, '"'},  {0x00ad, 0},    {0x00b4, '\''}, {0x00bb, '"'}, {0x02bc, '\''},
    {0x2010, '-'},  {0x2011, '-'},  {0x2012, '-'},  {0x2013, '-'},  {0x2014, '-'}, {0x2015, '-'},
    {0x2018, '\''}, {0x2019, '\''}, {0x201a, '\''}, {0x201b, '\''}, {0x201c, '"'}, {0x201d, '"'},
    {0x201e, '"'},  {0x201f, '"'},  {0x2032, '\''}, {0x2033, '"'},  {0x2212, '-'}, {0xfe58, '-'},
    {0xfe63, '-'},  {0xff0d, '-'},
};

static uint32_t s_fold_punct(uint32_t cp)
{
    size_t lo = 0, hi = sizeof s_folds / sizeof s_folds[0];
    if (cp < s_folds[0].cp)
        return cp; /* ASCII but the backquote: the common case */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s_folds[mid].cp == cp)
            return s_folds[mid].to;
        if (s_folds[mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return cp;
}

static void s_norm_emit(s_norm_t *n, uint32_t cp, uint32_t src, bool *space)
{
    cp = s_fold_punct(cp);
    if (cp == 0)
        return;
    if (s_is_space(cp)) {
        *space = n->len > 0;
        return;
    }
    if (cp < 0x20 || cp == 0x7f)
        return;
    if (*space) {
        s_norm_put(n, " ", 1, src);
        *space = false;
    }
    char b[4];
    s_norm_put(n, b, utf8_encode(cp, b), src);
}

static void s_norm_cp(s_norm_t *n, uint32_t cp, uint32_t src, bool *space)
{
    if (cp < 0x80) {
        s_norm_emit(n, (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp, src, space);
        return;
    }
    utf8proc_int32_t d[32];
    int bound = 0;
    utf8proc_option_t o = UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
                          UTF8PROC_STRIPMARK | UTF8PROC_IGNORE;
    utf8proc_ssize_t k =
        utf8proc_decompose_char((utf8proc_int32_t)s_fold_punct(cp), d, 32, o, &bound);
    if (k < 0 || k > 32) {
        s_norm_emit(n, cp, src, space);
        return;
    }
    for (utf8proc_ssize_t i = 0; i < k; i++)
        s_norm_emit(n, (uint32_t)d[i], src, space);
}

static void s_norm_build(const char *text, size_t len, s_norm_t *n)
{
    bool space = false;
    size_t off = 0;
    while (off < len) {
        uint32_t cp;
        size_t k = utf8_decode(text + off, len - off, &cp);
        s_norm_cp(n, cp, (uint32_t)off, &space);
        off += k;
    }
    if (!n->s)
        s_norm_put(n, "", 0, 0);
}

static void s_norm_free(s_norm_t *n)
{
    free(n->s);
    free(n->map);
    memset(n, 0, sizeof(*n));
}

/* --- words ------------------------------------------------------------ */

static bool s_is_cjk(uint32_t cp)
{
    return (cp >= 0x3040 && cp <= 0x30ff) || (cp >= 0x3400 && cp <= 0x9fff) ||
           (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x20000 && cp <= 0x3ffff);
}

static bool s_is_word_cp(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z');
    utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
    return c != UTF8PROC_CATEGORY_ZS && !(c >= UTF8PROC_CATEGORY_PC && c <= UTF8PROC_CATEGORY_SO);
}

static uint64_t s_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static bool s_word_is(const s_norm_t *n, const s_word_t *w, const char *lit)
{
    size_t k = strlen(lit);
    return w->ne - w->ns == k && memcmp(n->s + w->ns, lit, k) == 0;
}

static void s_mark_fillers(const s_norm_t *n, s_word_t *w, size_t count)
{
    static const char *const single[] = {"um", "umm", "uh", "uhm", "er",  "erm",
                                         "ah", "hmm", "mm", "mhm", "like"};
    for (size_t i = 0; i < count; i++) {
        for (size_t k = 0; k < sizeof(single) / sizeof(single[0]); k++)
            if (s_word_is(n, &w[i], single[k]))
                w[i].filler = true;
        if (i + 1 < count && ((s_word_is(n, &w[i], "you") && s_word_is(n, &w[i + 1], "know")) ||
                              (s_word_is(n, &w[i], "i") && s_word_is(n, &w[i + 1], "mean"))))
            w[i].filler = w[i + 1].filler = true;
    }
}

/* Split normalised text into words; *count gets how many. Caller frees. */
static s_word_t *s_words(const s_norm_t *n, size_t *count)
{
    size_t cap = 64, k = 0, off = 0;
    s_word_t *w = mem_alloc(cap * sizeof(*w));
    bool in = false;
    while (off < n->len) {
        uint32_t cp;
        size_t step = utf8_decode(n->s + off, n->len - off, &cp);
        bool word = s_is_word_cp(cp), cjk = s_is_cjk(cp);
        if (in && (!word || cjk)) {
            w[k - 1].ne = (uint32_t)off;
            in = false;
        }
        if (word && !in) {
            if (k == cap)
                w = mem_realloc(w, (cap *= 2) * sizeof(*w));
            w[k++] = (s_word_t){.ns = (uint32_t)off, .ne = (uint32_t)(off + step)};
            in = !cjk;
        }
        off += step;
    }
    if (in)
        w[k - 1].ne = (uint32_t)n->len;
    for (size_t i = 0; i < k; i++)
        w[i].hash = s_hash(n->s + w[i].ns, w[i].ne - w[i].ns);
    s_mark_fillers(n, w, k);
    *count = k;
    return w;
}

static int s_post_cmp(const void *a, const void *b)
{
    const s_post_t *x = a, *y = b;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    return x->pos < y->pos ? -1 : (x->pos > y->pos);
}

/* Postings of hash: *n gets how many; NULL if none. */
static const s_post_t *s_lookup(const quote_index_t *idx, uint64_t hash, size_t *n)
{
    size_t lo = 0, hi = idx->n_words;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (idx->posts[mid].hash < hash)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < idx->n_words && idx->posts[end].hash == hash)
        end++;
    *n = end - lo;
    return *n ? &idx->posts[lo] : NULL;
}

/* --- index -------------------------------------------------------------- */

quote_index_t *quote_index_new(const transcript_t *t, err_t *err)
{
    if (!t || (!t->text && t->len > 0)) {
        err_set(err, LODE_EINVAL, "quote_index_new: no transcript");
        return NULL;
    }
    if (t->len > UINT32_MAX / 4) {
        err_set(err, LODE_ETOOBIG, "quote_index_new: transcript of %zu bytes", t->len);
        return NULL;
    }
    quote_index_t *self = mem_calloc(1, sizeof(*self));
    self->t = t;
    s_norm_build(t->text ? t->text : "", t->len, &self->norm);
    self->words = s_words(&self->norm, &self->n_words);
    self->posts = mem_alloc((self->n_words + 1) * sizeof(*self->posts));
    for (size_t i = 0; i < self->n_words; i++)
        self->posts[i] = (s_post_t){self->words[i].hash, (uint32_t)i};
    qsort(self->posts, self->n_words, sizeof(*self->posts), s_post_cmp);
    return self;
}

void quote_index_destroy(quote_index_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    quote_index_t *self = *self_p;
    s_norm_free(&self->norm);
    free(self->words);
    free(self->posts);
    free(self);
    *self_p = NULL;
}

/* --- spans -------------------------------------------------------------- */

/* Source byte just past the code point that normalised byte i came from. */
static size_t s_src_end(const quote_index_t *idx, size_t i)
{
    size_t off = idx->norm.map[i];
    uint32_t cp;
    return off + utf8_decode(idx->t->text + off, idx->t->len - off, &cp);
}

static bool s_is_word_at(const char *s, size_t len, size_t off)
{
    uint32_t cp;
    utf8_decode(s + off, len - off, &cp);
    return s_is_word_cp(cp) && !s_is_cjk(cp);
}

/* The last code point before s+off (0 at the start). */
static uint32_t s_cp_before(const char *s, size_t off)
{
    if (off == 0)
        return 0;
    size_t b = off - 1;
    while (b > 0 && ((unsigned char)s[b] & 0xc0) == 0x80 && off - b < 4)
        b--;
    uint32_t cp;
    utf8_decode(s + b, off - b, &cp);
    return cp;
}

/* True if [off, off+n) of s does not cut a word on either side. */
static bool s_at_bounds(const char *s, size_t len, size_t off, size_t n)
{
    if (n == 0)
        return false;
    uint32_t before = s_cp_before(s, off);
    bool cut_left =
        off > 0 && s_is_word_at(s, len, off) && s_is_word_cp(before) && !s_is_cjk(before);
    bool cut_right = off + n < len && s_is_word_at(s, len, off + n) &&
                     s_is_word_cp(s_cp_before(s, off + n)) && !s_is_cjk(s_cp_before(s, off + n));
    return !cut_left && !cut_right;
}

/* First occurrence of needle in hay at word boundaries, or -1. */
static long s_find_bounded(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
    size_t from = 0;
    for (int hits = 0; hits < S_MAX_HITS && from + nlen <= hlen; hits++) {
        const char *p = memmem(hay + from, hlen - from, needle, nlen);
        if (!p)
            return -1;
        size_t off = (size_t)(p - hay);
        if (s_at_bounds(hay, hlen, off, nlen))
            return (long)off;
        from = off + 1;
    }
    return -1;
}

static void s_fill(const quote_index_t *idx,
                   quote_kind_t kind,
                   size_t off,
                   size_t end,
                   double score,
                   quote_match_t *out)
{
    out->kind = kind;
    out->offset = off;
    out->length = end - off;
    out->start_ms = transcript_time_at(idx->t, off);
    out->score = score;
}

/* Trim white space from both ends of quote (in bytes, ASCII and Unicode). */
static void s_trim(const char **q, size_t *len)
{
    uint32_t cp;
    while (*len > 0) {
        size_t k = utf8_decode(*q, *len, &cp);
        if (!s_is_space(cp))
            break;
        *q += k;
        *len -= k;
    }
    while (*len > 0) {
        uint32_t last = s_cp_before(*q, *len);
        if (!s_is_space(last))
            break;
        char b[4];
        *len -= utf8_encode(last, b);
    }
}

static bool s_find_exact(const quote_index_t *idx, const char *q, size_t len, quote_match_t *out)
{
    long off = s_find_bounded(idx->t->text, idx->t->len, q, len);
    if (off < 0)
        return false;
    s_fill(idx, QUOTE_EXACT, (size_t)off, (size_t)off + len, 1.0, out);
    return true;
}

static bool s_find_normalised(const quote_index_t *idx, const s_norm_t *qn, quote_match_t *out)
{
    if (qn->len == 0)
        return false;
    long off = s_find_bounded(idx->norm.s, idx->norm.len, qn->s, qn->len);
    if (off < 0)
        return false;
    size_t start = idx->norm.map[off];
    size_t end = s_src_end(idx, (size_t)off + qn->len - 1);
    s_fill(idx, QUOTE_NORMALISED, start, end, 1.0, out);
    return true;
}

/* --- snapping ----------------------------------------------------------- */

typedef struct {
    size_t start; /* source word index, first in the span */
    size_t end;   /* source word index past the span */
    int cost;
} s_aln_t;

typedef struct {
    const s_word_t *q; /* quote words */
    size_t m;
} s_quote_t;

/* Two rows of the alignment table: costs and, for each cell, the source
 * word where its span starts; prev is row i - 1, cur row i. */
typedef struct {
    int *prev, *cur;
    size_t *pst, *cst;
} s_rows_t;

static void s_rows_swap(s_rows_t *r)
{
    int *ti = r->prev;
    r->prev = r->cur;
    r->cur = ti;
    size_t *ts = r->pst;
    r->pst = r->cst;
    r->cst = ts;
}

static void s_align_row(const s_quote_t *q, size_t i, const s_word_t *w, size_t n, s_rows_t *r)
{
    const int *prev = r->prev;
    const size_t *pst = r->pst;
    int *cur = r->cur;
    size_t *cst = r->cst;
    cur[0] = prev[0] + S_COST_WORD;
    cst[0] = 0;
    for (size_t j = 1; j <= n; j++) {
        int diag = prev[j - 1] + (q->q[i - 1].hash == w[j - 1].hash ? 0 : S_COST_WORD);
        int up = prev[j] + S_COST_WORD;
        int left = cur[j - 1] + (w[j - 1].filler ? S_COST_FILLER : S_COST_WORD);
        cur[j] = diag;
        cst[j] = pst[j - 1];
        if (up < cur[j]) {
            cur[j] = up;
            cst[j] = pst[j];
        }
        if (left < cur[j]) {
            cur[j] = left;
            cst[j] = cst[j - 1];
        }
    }
}

/* Word-level edit distance of the quote against w[0..n), free start and end
 * in w. Fills *best (indices relative to w). */
static void s_align(const s_quote_t *q, const s_word_t *w, size_t n, s_aln_t *best)
{
    s_rows_t r = {mem_alloc((n + 1) * sizeof(int)), mem_alloc((n + 1) * sizeof(int)),
                  mem_alloc((n + 1) * sizeof(size_t)), mem_alloc((n + 1) * sizeof(size_t))};
    for (size_t j = 0; j <= n; j++) {
        r.prev[j] = 0;
        r.pst[j] = j;
    }
    for (size_t i = 1; i <= q->m; i++) {
        s_align_row(q, i, w, n, &r);
        s_rows_swap(&r);
    }
    int *prev = r.prev, *cur = r.cur;
    size_t *pst = r.pst, *cst = r.cst;
    best->cost = prev[0];
    best->start = best->end = 0;
    for (size_t j = 1; j <= n; j++)
        if (prev[j] < best->cost ||
            (prev[j] == best->cost && j - pst[j] < best->end - best->start)) {
            best->cost = prev[j];
            best->start = pst[j];
            best->end = j;
        }
    free(prev);
    free(cur);
    free(pst);
    free(cst);
}

typedef struct {
    size_t qi;    /* index in the quote */
    size_t count; /* postings in the source */
    const s_post_t *posts;
} s_anchor_t;

static int s_anchor_cmp(const void *a, const void *b)
{
    const s_anchor_t *x = a, *y = b;
    return x->count < y->count ? -1 : (x->count > y->count);
}

/* The rarest distinct quote words present in the source; returns how many. */
static size_t s_anchors(const quote_index_t *idx, const s_quote_t *q, s_anchor_t *a, size_t max)
{
    size_t na = 0;
    s_anchor_t *all = mem_alloc((q->m + 1) * sizeof(*all));
    for (size_t i = 0; i < q->m; i++) {
        bool dup = false;
        for (size_t k = 0; k < i && !dup; k++)
            dup = q->q[k].hash == q->q[i].hash;
        size_t cnt = 0;
        const s_post_t *p = dup ? NULL : s_lookup(idx, q->q[i].hash, &cnt);
        if (p)
            all[na++] = (s_anchor_t){i, cnt, p};
    }
    qsort(all, na, sizeof(*all), s_anchor_cmp);
    size_t n = na < max ? na : max;
    memcpy(a, all, n * sizeof(*a));
    free(all);
    return n;
}

static int s_long_cmp(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return x < y ? -1 : (x > y);
}

/* Candidate start positions voted by anchors, best first; returns count. */
static size_t s_candidates(const s_anchor_t *a, size_t na, size_t slack, long *cand, size_t max)
{
    size_t n = 0;
    for (size_t k = 0; k < na; k++)
        n += a[k].count < S_MAX_POSTINGS ? a[k].count : S_MAX_POSTINGS;
    long *starts = mem_alloc((n + 1) * sizeof(long));
    size_t ns = 0;
    for (size_t k = 0; k < na; k++)
        for (size_t p = 0; p < a[k].count && p < S_MAX_POSTINGS; p++)
            starts[ns++] = (long)a[k].posts[p].pos - (long)a[k].qi;
    qsort(starts, ns, sizeof(long), s_long_cmp);
    size_t *votes = mem_calloc(ns + 1, sizeof(size_t)), nc = 0;
    for (size_t i = 0, j = 0; i < ns; i++) { /* votes[i]: starts within slack after i */
        while (j < ns && starts[j] <= starts[i] + (long)slack)
            j++;
        votes[i] = j - i;
    }
    for (size_t c = 0; c < max; c++) { /* pick the best, then skip its cluster */
        size_t bi = ns;
        for (size_t i = 0; i < ns; i++)
            if (votes[i] > 0 && (bi == ns || votes[i] > votes[bi]))
                bi = i;
        if (bi == ns)
            break;
        cand[nc++] = starts[bi];
        for (size_t i = 0; i < ns; i++)
            if (labs(starts[i] - starts[bi]) <= (long)slack)
                votes[i] = 0;
    }
    free(starts);
    free(votes);
    return nc;
}

/* Extend a snapped span over closing punctuation right after it (".", "?",
 * "…", a closing quote or bracket; not a comma) when the quote itself ends
 * with punctuation. */
static size_t s_extend_end(const quote_index_t *idx, size_t end, const s_norm_t *qn)
{
    if (qn->len == 0 || s_is_word_cp(s_cp_before(qn->s, qn->len)))
        return end;
    for (int i = 0; i < 3 && end < idx->t->len; i++) {
        uint32_t cp;
        size_t k = utf8_decode(idx->t->text + end, idx->t->len - end, &cp);
        uint32_t f = s_fold_punct(cp);
        if ((f == 0 || f >= 0x80 || !strchr(".!?'\")]", (int)f)) && cp != 0x2026)
            break;
        end += k;
    }
    return end;
}

static bool
s_snap(const quote_index_t *idx, const s_norm_t *qn, double min_score, quote_match_t *out)
{
    s_quote_t q;
    s_word_t *qw = s_words(qn, &q.m);
    q.q = qw;
    s_anchor_t a[S_MAX_ANCHORS];
    long cand[S_MAX_CANDS];
    size_t slack = q.m / 4 + 4;
    size_t na = q.m ? s_anchors(idx, &q, a, S_MAX_ANCHORS) : 0;
    size_t nc = s_candidates(a, na, slack, cand, S_MAX_CANDS);
    s_aln_t best = {0, 0, -1};
    for (size_t c = 0; c < nc; c++) {
        long lo = cand[c] - (long)slack, hi = cand[c] + (long)(q.m + slack);
        size_t from = lo < 0 ? 0 : (size_t)lo;
        size_t to = hi > (long)idx->n_words ? idx->n_words : (size_t)hi;
        if (from >= to)
            continue;
        s_aln_t aln;
        s_align(&q, idx->words + from, to - from, &aln);
        if (aln.end > aln.start && (best.cost < 0 || aln.cost < best.cost))
            best = (s_aln_t){aln.start + from, aln.end + from, aln.cost};
    }
    double score = q.m ? 1.0 - (double)best.cost / (double)(S_COST_WORD * q.m) : 0.0;
    free(qw);
    if (best.cost < 0 || score < min_score)
        return false;
    size_t start = idx->norm.map[idx->words[best.start].ns];
    size_t end = s_src_end(idx, idx->words[best.end - 1].ne - 1);
    s_fill(idx, QUOTE_SNAPPED, start, s_extend_end(idx, end, qn), score, out);
    return true;
}

/* --- public --------------------------------------------------------------- */

int quote_index_find(const quote_index_t *self,
                     const char *quote,
                     size_t len,
                     const quote_opts_t *opts,
                     quote_match_t *out,
                     err_t *err)
{
    if (!self || !out || (!quote && len > 0)) {
        err_set(err, LODE_EINVAL, "quote_index_find: NULL argument");
        return -1;
    }
    if (len > QUOTE_MAX_BYTES) {
        err_set(err, LODE_ETOOBIG, "quote of %zu bytes (max %d)", len, QUOTE_MAX_BYTES);
        return -1;
    }
    memset(out, 0, sizeof(*out));
    out->start_ms = -1;
    s_trim(&quote, &len);
    if (len == 0 || s_find_exact(self, quote, len, out))
        return 0;
    double min_score = opts && opts->min_score > 0 ? opts->min_score : S_MIN_SCORE;
    s_norm_t qn = {0};
    s_norm_build(quote, len, &qn);
    if (!s_find_normalised(self, &qn, out))
        s_snap(self, &qn, min_score, out);
    s_norm_free(&qn);
    return 0;
}

int quote_find(const transcript_t *t,
               const char *quote,
               size_t len,
               const quote_opts_t *opts,
               quote_match_t *out,
               err_t *err)
{
    quote_index_t *idx = quote_index_new(t, err);
    if (!idx)
        return -1;
    int rc = quote_index_find(idx, quote, len, opts, out, err);
    quote_index_destroy(&idx);
    return rc;
}

const char *quote_kind_name(quote_kind_t kind)
{
    switch (kind) {
    case QUOTE_EXACT:
        return "exact";
    case QUOTE_NORMALISED:
        return "normalised";
    case QUOTE_SNAPPED:
        return "snapped";
    default:
        return "none";
    }
}
