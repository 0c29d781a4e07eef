/*  sentence.c - sentence segmentation by a single forward scan with rules
 *  for what may follow a terminator. Does not tokenise words for meaning;
 *  it only counts white-space separated tokens to bound run-on text.
 *  SPDX-License-Identifier: MIT
 */
#include "sentence.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "stopword.h"
#include "uchar.h"
#include "utf8.h"

#define S_MAX_WORDS     40
#define S_MAX_BYTES     600
#define S_MAX_SENTENCES 1000000

typedef struct {
    const char *text;
    size_t len;
    size_t max_words;
    size_t max_bytes;
} s_scan_t;

/* The sentence found by one scan: [start, end) before trimming. */
typedef struct {
    size_t end;
    size_t n_words;
    bool has_word;
    bool cut;
} s_piece_t;

/* What follows a terminator: the next word's first letter. */
typedef struct {
    bool upper;
    bool lower;
    bool digit;
    bool stop; /* the next word is a stopword ("The", "It") */
} s_next_t;

/* Abbreviations (lower case, without the final dot) that never end a
 * sentence: titles and Latin shorthands are always followed by more. */
static const char *const s_never_end[] = {
    "adm", "al",   "approx", "brig", "ca",   "capt",   "cf",   "ch",   "cit", "cmdr", "col",
    "cpl", "dept", "det",    "dr",   "e.g",  "eq",     "fig",  "figs", "ft",  "gen",  "gov",
    "hon", "i.e",  "ibid",   "lt",   "maj",  "messrs", "mlle", "mme",  "mr",  "mrs",  "ms",
    "mt",  "nos",  "op",     "pp",   "pres", "prof",   "pvt",  "ref",  "rep", "rev",  "sec",
    "sen", "sgt",  "st",     "supt", "univ", "v",      "viz",  "vol",  "vs",
};

/* Abbreviations that may end a sentence ("... and so on, etc. The next"). */
static const char *const s_may_end[] = {
    "a.d", "a.m", "b.c", "bros", "co",   "corp", "d.c", "e.u", "esq", "etc", "inc",
    "jr",  "llc", "ltd", "p.m",  "ph.d", "plc",  "sr",  "u.k", "u.n", "u.s", "u.s.a",
};

/* Words before which unpunctuated speech is cut when it runs too long. */
static const char *const s_discourse[] = {
    "actually", "and", "anyway", "basically", "because", "but",  "now",
    "okay",     "so",  "then",   "uh",        "um",      "well", "yeah",
};

static bool s_in(const char *const *list, size_t n, const char *w, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(list[i]) == len && memcmp(list[i], w, len) == 0)
            return true;
    return false;
}

static uint32_t s_cp_at(const s_scan_t *sc, size_t i, size_t *n)
{
    uint32_t cp = 0;
    size_t k = i < sc->len ? utf8_decode(sc->text + i, sc->len - i, &cp) : 0;
    if (n)
        *n = k;
    return cp;
}

static size_t s_skip_closers(const s_scan_t *sc, size_t j)
{
    size_t n;
    while (j < sc->len && uchar_is_closer(s_cp_at(sc, j, &n)))
        j += n;
    return j;
}

/* Skip white space from i; *para is set if it holds a blank line. */
static size_t s_skip_space(const s_scan_t *sc, size_t i, bool *para)
{
    size_t n, newlines = 0;
    while (i < sc->len) {
        uint32_t cp = s_cp_at(sc, i, &n);
        if (!uchar_is_space(cp))
            break;
        newlines += cp == '\n';
        i += n;
    }
    if (newlines >= 2)
        *para = true;
    return i;
}

static bool s_is_para_break(const s_scan_t *sc, size_t i)
{
    for (size_t j = i + 1; j < sc->len; j++) {
        char c = sc->text[j];
        if (c == '\n')
            return true;
        if (c != ' ' && c != '\t' && c != '\r')
            return false;
    }
    return false;
}

static s_next_t s_next_word(const s_scan_t *sc, size_t k)
{
    s_next_t nx = {0};
    size_t n;
    uint32_t cp = s_cp_at(sc, k, &n);
    while (n && uchar_is_opener(cp)) {
        k += n;
        cp = s_cp_at(sc, k, &n);
    }
    nx.upper = uchar_is_upper(cp);
    nx.lower = uchar_is_lower(cp);
    nx.digit = cp >= '0' && cp <= '9';
    size_t e = k;
    while (e < sc->len && e - k < 12 &&
           ((sc->text[e] | 0x20) >= 'a' && (sc->text[e] | 0x20) <= 'z'))
        e++;
    nx.stop = e > k && stopword_is_ci(sc->text + k, e - k);
    return nx;
}

/* The token before the dot at i, lower-cased into tok (ASCII), without
 * leading brackets or quotes. Returns its length, 0 if too long. */
static size_t s_prev_token(const s_scan_t *sc, size_t start, size_t i, char *tok, char *first)
{
    size_t b = i;
    while (b > start && sc->text[b - 1] != ' ' && sc->text[b - 1] != '\n' &&
           sc->text[b - 1] != '\t')
        b--;
    while (b < i && strchr("([\"'", sc->text[b]) != NULL)
        b++;
    if (i - b == 0 || i - b > 15)
        return 0;
    *first = sc->text[b];
    for (size_t k = b; k < i; k++) {
        char c = sc->text[k];
        tok[k - b] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    return i - b;
}

/* "u.s", "ph.d": letters in groups of one or two, split by dots. */
static bool s_is_dotted(const char *tok, size_t len)
{
    size_t run = 0, dots = 0;
    for (size_t k = 0; k < len; k++) {
        if (tok[k] == '.') {
            if (run == 0)
                return false;
            dots++;
            run = 0;
        } else if (tok[k] >= 'a' && tok[k] <= 'z' && run < 2) {
            run++;
        } else {
            return false;
        }
    }
    return dots > 0 && run > 0;
}

#define S_N(a) (sizeof(a) / sizeof((a)[0]))

static bool s_period_ends(const s_scan_t *sc, size_t start, size_t i, const s_next_t *nx)
{
    char tok[16], first = 0;
    size_t tl = s_prev_token(sc, start, i, tok, &first);
    if (tl == 0)
        return true;
    if (s_in(s_never_end, S_N(s_never_end), tok, tl))
        return false;
    if (tl == 2 && memcmp(tok, "no", 2) == 0)
        return !nx->digit;
    if (s_in(s_may_end, S_N(s_may_end), tok, tl) || s_is_dotted(tok, tl))
        return nx->upper && nx->stop;
    if (tl == 1 && first >= 'A' && first <= 'Z' && first != 'I')
        return false; /* an initial: "J. R. R. Tolkien" */
    if (nx->lower && tl <= 3)
        return false;
    return true;
}

static bool s_is_cjk_stop(uint32_t cp)
{
    return cp == 0x3002 || cp == 0xFF01 || cp == 0xFF1F || cp == 0xFF61;
}

/* Does the terminator cp at i (n bytes) end the sentence begun at start?
 * *after gets the end of the sentence, past any closing quotes. */
static bool
s_ends_here(const s_scan_t *sc, size_t start, size_t i, size_t n, uint32_t cp, size_t *after)
{
    const char *t = sc->text;
    size_t j = i + n;
    bool ellipsis = cp == 0x2026;
    if (cp == '.' && j < sc->len && t[j] == '.') {
        while (j < sc->len && t[j] == '.')
            j++;
        ellipsis = true;
    } else if (cp == '?' || cp == '!') {
        while (j < sc->len && (t[j] == '?' || t[j] == '!'))
            j++;
    }
    size_t closers = j;
    j = s_skip_closers(sc, j);
    bool quoted = j > closers;
    *after = j;
    if (s_is_cjk_stop(cp))
        return true;
    size_t k = j;
    bool para = false;
    if (j < sc->len && !uchar_is_space(s_cp_at(sc, j, NULL)))
        return false; /* 3.14, v1.2, example.com */
    k = s_skip_space(sc, j, &para);
    if (k >= sc->len || para)
        return true;
    s_next_t nx = s_next_word(sc, k);
    if (ellipsis)
        return nx.upper;
    if (cp == '.')
        return s_period_ends(sc, start, i, &nx);
    return !(quoted && nx.lower); /* 'x?' she asked */
}

static bool s_is_soft_punct(uint32_t cp)
{
    return cp == ',' || cp == ';' || cp == ':' || cp == 0x2014 || cp == 0x2013 || cp == 0x3001 ||
           cp == 0xFF0C;
}

static bool s_is_discourse(const s_scan_t *sc, size_t i)
{
    char w[12];
    size_t k = 0;
    while (i + k < sc->len && k < sizeof w) {
        char c = sc->text[i + k];
        if (!((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
            break;
        w[k++] = (char)(c | 0x20);
    }
    return k > 0 && k < sizeof w && s_in(s_discourse, S_N(s_discourse), w, k);
}

/* Cut points remembered while scanning an over-long sentence. */
typedef struct {
    size_t punct;       /* just after the last comma, colon, dash; 0 = none */
    size_t punct_words; /* words before punct */
    size_t word;        /* at the last discourse word ("so", "and"); 0 = none */
    size_t word_words;  /* words before word */
} s_soft_t;

/* Cut the piece at the best soft break, or at here (n_words so far). */
static void s_cut_at(const s_soft_t *soft, size_t here, s_piece_t *p)
{
    p->cut = true;
    p->end = here;
    if (soft->punct) {
        p->end = soft->punct;
        p->n_words = soft->punct_words;
    } else if (soft->word) {
        p->end = soft->word;
        p->n_words = soft->word_words;
    }
}

static s_piece_t s_scan_sentence(const s_scan_t *sc, size_t start)
{
    s_piece_t p = {.end = sc->len};
    s_soft_t soft = {0};
    bool in_word = false;
    size_t i = start, n;
    while (i < sc->len) {
        uint32_t cp = s_cp_at(sc, i, &n);
        if (cp == '\n' && s_is_para_break(sc, i)) {
            p.end = i;
            return p;
        }
        if (i - start >= sc->max_bytes) {
            s_cut_at(&soft, i, &p);
            return p;
        }
        if (uchar_is_space(cp)) {
            in_word = false;
            i += n;
            continue;
        }
        if (!in_word) {
            in_word = true;
            if (p.n_words >= sc->max_words) {
                s_cut_at(&soft, i, &p);
                return p;
            }
            if (p.n_words >= sc->max_words / 2 && p.n_words > 0 && s_is_discourse(sc, i)) {
                soft.word = i;
                soft.word_words = p.n_words;
            }
            p.n_words++;
        }
        p.has_word = p.has_word || uchar_is_word(cp);
        size_t after;
        if ((cp == '.' || cp == '?' || cp == '!' || cp == 0x2026 || s_is_cjk_stop(cp)) &&
            s_ends_here(sc, start, i, n, cp, &after)) {
            p.end = after;
            return p;
        }
        while (cp == '.' && i + n < sc->len && sc->text[i + n] == '.')
            i++; /* the rest of an ellipsis that did not end the sentence */
        if (s_is_soft_punct(cp) && p.n_words >= sc->max_words / 2) {
            soft.punct = i + n;
            soft.punct_words = p.n_words;
        }
        i += n;
    }
    return p;
}

/* End of the last code point before end that is not white space. */
static size_t s_trim_end(const char *text, size_t start, size_t end)
{
    while (end > start) {
        size_t b = end - 1;
        while (b > start && ((unsigned char)text[b] & 0xC0) == 0x80)
            b--;
        uint32_t cp = 0;
        utf8_decode(text + b, end - b, &cp);
        if (!uchar_is_space(cp))
            break;
        end = b;
    }
    return end;
}

static bool s_is_question(const char *text, size_t start, size_t end)
{
    while (end > start) {
        size_t b = end - 1;
        while (b > start && ((unsigned char)text[b] & 0xC0) == 0x80)
            b--;
        uint32_t cp = 0;
        utf8_decode(text + b, end - b, &cp);
        if (cp == '?' || cp == 0xFF1F)
            return true;
        if (!uchar_is_closer(cp))
            return false;
        end = b;
    }
    return false;
}

static void
s_push(sentence_list_t *out, const char *text, size_t start, const s_piece_t *p, bool para)
{
    if (out->count == out->cap) {
        out->cap = out->cap ? out->cap * 2 : 64;
        out->items = mem_realloc(out->items, out->cap * sizeof *out->items);
    }
    size_t end = s_trim_end(text, start, p->end);
    out->items[out->count++] = (sentence_t){
        .offset = start,
        .length = end - start,
        .n_words = p->n_words,
        .para_start = para,
        .cut = p->cut,
        .question = s_is_question(text, start, end),
    };
}

int sentence_split(
    const char *text, size_t len, const sentence_opts_t *opts, sentence_list_t *out, err_t *err)
{
    if (!out || (!text && len > 0)) {
        err_set(err, LODE_EINVAL, "sentence_split: no text or no output");
        return -1;
    }
    memset(out, 0, sizeof *out);
    s_scan_t sc = {text, len, S_MAX_WORDS, S_MAX_BYTES};
    size_t max_sentences = S_MAX_SENTENCES;
    if (opts) {
        sc.max_words = opts->max_words ? opts->max_words : S_MAX_WORDS;
        sc.max_bytes = opts->max_bytes ? opts->max_bytes : S_MAX_BYTES;
        max_sentences = opts->max_sentences ? opts->max_sentences : S_MAX_SENTENCES;
    }
    bool para = true;
    size_t i = 0;
    while (i < len) {
        i = s_skip_space(&sc, i, &para);
        if (i >= len)
            break;
        if (out->count >= max_sentences) {
            out->truncated = true;
            break;
        }
        s_piece_t p = s_scan_sentence(&sc, i);
        if (p.has_word) {
            s_push(out, text, i, &p, para);
            para = false;
        }
        i = p.end > i ? p.end : i + 1;
    }
    return 0;
}

void sentence_list_clear(sentence_list_t *list)
{
    if (!list)
        return;
    free(list->items);
    memset(list, 0, sizeof *list);
}
