/*  article_dom.c - DOM helpers for the extractor: tag classes, attribute
 *  lookup and the class/id/role hints that mark boilerplate or content.
 *  Does not walk the tree or score anything.
 *  SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE /* strcasestr */
#include <ctype.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "article_impl.h"

/* ---- tags --------------------------------------------------------------- */

typedef struct {
    const char *name;
    article_tag_t tag;
} s_tagname_t;

/* Sorted by name for bsearch. */
static const s_tagname_t s_tags[] = {
    {"a", T_A},
    {"address", T_ADDRESS},
    {"applet", T_SKIP},
    {"article", T_ARTICLE},
    {"aside", T_ASIDE},
    {"audio", T_SKIP},
    {"blockquote", T_BLOCKQUOTE},
    {"body", T_BODY},
    {"br", T_BR},
    {"button", T_SKIP},
    {"canvas", T_SKIP},
    {"center", T_BLOCKISH},
    {"datalist", T_SKIP},
    {"dd", T_DD},
    {"details", T_BLOCKISH},
    {"dialog", T_SKIP},
    {"div", T_DIV},
    {"dl", T_DL},
    {"dt", T_DT},
    {"embed", T_SKIP},
    {"fieldset", T_BLOCKISH},
    {"figcaption", T_FIGCAPTION},
    {"figure", T_FIGURE},
    {"footer", T_FOOTER},
    {"form", T_FORM},
    {"frameset", T_SKIP},
    {"h1", T_H1},
    {"h2", T_H2},
    {"h3", T_H3},
    {"h4", T_H4},
    {"h5", T_H5},
    {"h6", T_H6},
    {"head", T_SKIP},
    {"header", T_HEADER},
    {"hr", T_HR},
    {"iframe", T_SKIP},
    {"input", T_SKIP},
    {"label", T_OTHER},
    {"legend", T_BLOCKISH},
    {"li", T_LI},
    {"main", T_MAIN},
    {"map", T_SKIP},
    {"math", T_SKIP},
    {"menu", T_UL},
    {"nav", T_NAV},
    {"noscript", T_BLOCKISH}, /* junk but in the last attempt: see F_NOSCRIPT */
    {"object", T_SKIP},
    {"ol", T_OL},
    {"option", T_SKIP},
    {"p", T_P},
    {"picture", T_SKIP},
    {"pre", T_PRE},
    {"rp", T_SKIP}, /* ruby fallback parentheses */
    {"rt", T_SKIP}, /* ruby readings over CJK text, not the text itself */
    {"script", T_SKIP},
    {"section", T_SECTION},
    {"select", T_SKIP},
    {"style", T_SKIP},
    {"summary", T_BLOCKISH},
    {"svg", T_SKIP},
    {"table", T_TABLE},
    {"tbody", T_BLOCKISH},
    {"td", T_TD},
    {"template", T_SKIP},
    {"textarea", T_SKIP},
    {"th", T_TH},
    {"thead", T_BLOCKISH},
    {"title", T_SKIP},
    {"tr", T_TR},
    {"ul", T_UL},
    {"video", T_SKIP},
};

static int s_cmp_tagname(const void *key, const void *item)
{
    return strcmp(key, ((const s_tagname_t *)item)->name);
}

article_tag_t article_tag_of(const xmlNode *n)
{
    const char *name = (const char *)n->name;
    if (!name || strlen(name) > 10)
        return T_OTHER;
    char low[12];
    size_t i = 0;
    for (; name[i]; i++)
        low[i] = (char)tolower((unsigned char)name[i]);
    low[i] = '\0';
    const s_tagname_t *t =
        bsearch(low, s_tags, sizeof s_tags / sizeof s_tags[0], sizeof s_tags[0], s_cmp_tagname);
    return t ? t->tag : T_OTHER;
}

bool article_is_block(article_tag_t t)
{
    return t != T_OTHER && t != T_A && t != T_BR && t != T_SKIP;
}

const char *article_attr(const xmlNode *n, const char *name)
{
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        /* name is lower case; a first-letter check spares most calls */
        if (a->name && (a->name[0] | 0x20) == name[0] &&
            strcasecmp((const char *)a->name, name) == 0)
            return a->children && a->children->type == XML_TEXT_NODE
                       ? (const char *)a->children->content
                       : "";
    }
    return NULL;
}

/* ---- class and id hints ----------------------------------------------- */

/* Class and id values are split into lower-case words at punctuation and
 * camelCase boundaries ("theiaStickySidebar" -> theia sticky sidebar), and
 * hints match the start of a word, so "pageRow" is not "pager". */

/* Boilerplate even next to a content word ("article-comments"). */
static const char *const s_neg_strong[] = {
    "comment",      "cookie",     "consent",  "gdpr",    "newsletter", "related",  "share",
    "sharing",      "social",     "outbrain", "taboola", "disqus",     "sponsor",  "recommend",
    "subscri",      "signup",     "popup",    "promo",   "advert",     "trending", "mostpopular",
    "most-popular", "kommentare", "dsgvo",    NULL};

/* Strong words that mark a comment thread, which stays out whatever its
 * size (the other strong words yield to a large block of text). */
static const char *const s_neg_thread[] = {"comment", "disqus", "kommentare", NULL};

/* Boilerplate unless the same attribute also has a content word. */
static const char *const s_neg_weak[] = {
    "header",  "footer",   "menu",      "nav",          "sidebar",    "widget",
    "banner",  "combx",    "extra",     "rss",          "meta",       "legend",
    "remark",  "replies",  "community", "supplemental", "skyscraper", "agegate",
    "aside",   "rail",     "toolbar",   "breadcrumb",   "byline",     "author",
    "caption", "credit",   "masthead",  "pagination",   "pager",      "tags",
    "keyword", "footnote", "modal",     "print",        "skip",       "contact",
    NULL};

/* Whole words only. */
static const char *const s_neg_exact[] = {"ad",  "ads",  "hid", "hidden", "hide", "invisible",
                                          "tag", "more", "bio", "sr",     "none", NULL};

static const char *const s_pos[] = {"article", "body",  "content", "entry", "hentry", "main",
                                    "post",    "story", "text",    "blog",  "column", NULL};

/* The words of s_pos, s_neg_weak and s_neg_exact in one list, and for
 * each byte which of them (bit i for word i) and of s_neg_strong start
 * with it: a word or position is tried only against the few hints that
 * can match there, most often none. Built once. */
enum { S_POS = 1, S_WEAK = 2, S_EXACT = 4 };

typedef struct {
    const char *w;
    size_t len;
    unsigned kind; /* S_POS, S_WEAK (a prefix) or S_WEAK | S_EXACT */
} s_hint_t;

static s_hint_t s_hints[64];
static uint64_t s_hint_first[256];
static uint32_t s_strong_first[256];
static pthread_once_t s_tables_once = PTHREAD_ONCE_INIT;

static void s_add_hints(const char *const *list, unsigned kind, size_t *n)
{
    for (; *list && *n < 64; list++, (*n)++) {
        s_hints[*n] = (s_hint_t){*list, strlen(*list), kind};
        s_hint_first[(unsigned char)(*list)[0]] |= (uint64_t)1 << *n;
    }
}

static void s_tables_init(void)
{
    size_t n = 0;
    s_add_hints(s_pos, S_POS, &n);
    s_add_hints(s_neg_weak, S_WEAK, &n);
    s_add_hints(s_neg_exact, S_WEAK | S_EXACT, &n);
    for (uint32_t i = 0; s_neg_strong[i] && i < 32; i++)
        s_strong_first[(unsigned char)s_neg_strong[i][0]] |= 1u << i;
}

_Static_assert(sizeof s_pos / sizeof *s_pos + sizeof s_neg_weak / sizeof *s_neg_weak +
                       sizeof s_neg_exact / sizeof *s_neg_exact - 3 <=
                   64,
               "the word hints fit the 64-bit first-letter masks");
_Static_assert(sizeof s_neg_strong / sizeof *s_neg_strong - 1 <= 32,
               "the strong hints fit the 32-bit first-letter masks");

/* S_POS and S_WEAK for the lower-case word w[0..n): a hint it starts
 * with (exact ones: that it is). */
static unsigned s_word_kinds(const char *w, size_t n)
{
    unsigned kinds = 0;
    for (uint64_t m = s_hint_first[(unsigned char)w[0]]; m; m &= m - 1) {
        const s_hint_t *h = &s_hints[__builtin_ctzll(m)];
        if (h->len <= n && memcmp(w, h->w, h->len) == 0 && (!(h->kind & S_EXACT) || h->len == n))
            kinds |= h->kind & (S_POS | S_WEAK);
    }
    return kinds;
}

/* Does s contain one of s_neg_strong's words? */
static bool s_has_strong(const char *s)
{
    for (; *s; s++) {
        for (uint32_t m = s_strong_first[(unsigned char)*s]; m; m &= m - 1) {
            const char *w = s_neg_strong[__builtin_ctz(m)];
            if (strncmp(s, w, strlen(w)) == 0)
                return true;
        }
    }
    return false;
}

/* Does s contain one of words? */
static bool s_has_any(const char *s, const char *const *words)
{
    for (const char *const *w = words; *w; w++) {
        if (strstr(s, *w))
            return true;
    }
    return false;
}

/* "commentary", German "Kommentar" spelled "commentar": an opinion piece,
 * which is an article, not a comment box ("commentaire" still is one). */
static bool s_opinion(const char *low)
{
    const char *p = strstr(low, "commentar");
    return p && p[9] != 'i';
}

/* The hints of one class or id token t[0..len). */
static void s_token(const char *t, size_t len, bool *pos, int *strong, bool *weak)
{
    pthread_once(&s_tables_once, s_tables_init);
    char w[64];
    size_t n = 0;
    for (size_t i = 0; i <= len; i++) {
        unsigned char ch = i < len ? (unsigned char)t[i] : '\0';
        bool camel = n > 0 && isupper(ch) && islower((unsigned char)t[i - 1]);
        if (!isalnum(ch) || camel || n == sizeof w - 1) {
            if (n > 0) {
                unsigned kinds = s_word_kinds(w, n);
                *pos = *pos || (kinds & S_POS);
                *weak = *weak || (kinds & S_WEAK);
            }
            n = 0;
        }
        if (isalnum(ch))
            w[n++] = (char)tolower(ch);
    }
    char low[256];
    size_t k = 0;
    for (; k < len && k < sizeof low - 1; k++)
        low[k] = (char)tolower((unsigned char)t[k]);
    low[k] = '\0';
    if (!s_opinion(low) && s_has_strong(low))
        *strong |= s_has_any(low, s_neg_thread) ? 3 : 1;
}

/* Split s at white space into tokens and gather their hints. Taxonomy
 * tokens ("category-no-newsletter", "tag-comments": the terms a CMS
 * lists on a post's own element) name topics, not the element's role. */
static void s_words(const char *s, bool *pos, int *strong, bool *weak)
{
    while (*s) {
        while (isspace((unsigned char)*s))
            s++;
        size_t len = 0;
        while (s[len] && !isspace((unsigned char)s[len]))
            len++;
        bool taxonomy = strncasecmp(s, "category-", 9) == 0 || strncasecmp(s, "tag-", 4) == 0;
        if (len > 0 && !taxonomy)
            s_token(s, len, pos, strong, weak);
        s += len;
    }
}

/* The hints of one class or id value as bits: 1 pos, 2 weak, 4 and 8
 * strong (1 and 2 of s_token's *strong), 16 names a recipe's ingredients
 * (most recipe plugins and sites), which only a class is asked for. */
static unsigned s_value_bits(const char *s)
{
    bool pos = false, weak = false;
    int strong = 0;
    s_words(s, &pos, &strong, &weak);
    return (pos ? 1u : 0u) | (weak ? 2u : 0u) | (unsigned)strong << 2 |
           (strcasestr(s, "ingredient") ? 16u : 0u);
}

/* A memo of s_value_bits by value: a page repeats one class on hundreds of
 * elements, and the word scans cost far more than a hash and a compare.
 * Keyed on the bytes themselves, so it never goes stale across pages;
 * per thread, so no locks. Direct-mapped: a collision just recomputes. */
enum { S_MEMO_SLOTS = 512, S_MEMO_MAX = 54 };

typedef struct {
    uint32_t hash;
    uint8_t len; /* 0: empty slot */
    uint8_t bits;
    char s[S_MEMO_MAX + 1];
} s_memo_t;

static __thread s_memo_t t_memo[S_MEMO_SLOTS];

static unsigned s_value_bits_memo(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    size_t n = 0;
    for (; s[n] && n <= S_MEMO_MAX; n++)
        h = (h ^ (unsigned char)s[n]) * 16777619u;
    if (n == 0 || n > S_MEMO_MAX)
        return s_value_bits(s);
    s_memo_t *m = &t_memo[h % S_MEMO_SLOTS];
    if (m->len == n && m->hash == h && memcmp(m->s, s, n) == 0)
        return m->bits;
    m->bits = (uint8_t)s_value_bits(s);
    m->hash = h;
    m->len = (uint8_t)n;
    memcpy(m->s, s, n + 1);
    return m->bits;
}

static uint32_t s_hint_flags(unsigned bits)
{
    bool pos = bits & 1, weak = bits & 2;
    int strong = (int)(bits >> 2 & 3);
    uint32_t f = 0;
    if (strong)
        f |= F_NEG | F_STRONG;
    if (strong & 2)
        f |= F_THREAD;
    if (weak && !pos)
        f |= F_NEG;
    if (pos)
        f |= F_POS;
    return f;
}

/* F_RECIPE for a recipe's ingredients and steps: schema.org's itemprops
 * or a class naming ingredients (class_bits & 16). */
static uint32_t s_recipe_flags(const char *itemprop, unsigned class_bits)
{
    if (itemprop && (strstr(itemprop, "recipeIngredient") || strstr(itemprop, "ingredients") ||
                     strstr(itemprop, "recipeInstructions")))
        return F_RECIPE;
    return class_bits & 16 ? F_RECIPE : 0;
}

/* F_NEG for the ARIA roles of page furniture, F_MAIN for role=main. */
static uint32_t s_role_flags(const char *role)
{
    static const char *const furniture[] = {"navigation",    "banner", "contentinfo",
                                            "complementary", "dialog", "alertdialog",
                                            "menu",          NULL};
    if (!role)
        return 0;
    if (strcmp(role, "main") == 0)
        return F_MAIN;
    for (const char *const *r = furniture; *r; r++) {
        if (strcmp(role, *r) == 0)
            return F_NEG;
    }
    return 0;
}

/* Where a gathered attribute goes: its name and its field. */
typedef struct {
    const char *name;
    size_t off;
} s_field_t;

#define S_FIELD(n, f)                                                                              \
    {                                                                                              \
        n, offsetof(article_attrs_t, f)                                                            \
    }

static const s_field_t s_fields[] = {
    S_FIELD("class", cls),         S_FIELD("id", id),       S_FIELD("role", role),
    S_FIELD("itemprop", itemprop), S_FIELD("style", style), S_FIELD("aria-hidden", aria_hidden),
    S_FIELD("hidden", hidden),     S_FIELD("rel", rel),     S_FIELD("datetime", datetime),
    S_FIELD("content", content),
};

void article_attrs(const xmlNode *n, article_attrs_t *out)
{
    memset(out, 0, sizeof *out);
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (!a->name)
            continue;
        int first = a->name[0] | 0x20;
        for (size_t i = 0; i < sizeof s_fields / sizeof s_fields[0]; i++) {
            const s_field_t *f = &s_fields[i];
            const char **slot = (const char **)((char *)out + f->off);
            /* first-letter check first: most pairs fail there, no call */
            if (first != f->name[0] || *slot || strcasecmp((const char *)a->name, f->name) != 0)
                continue;
            *slot = a->children && a->children->type == XML_TEXT_NODE
                        ? (const char *)a->children->content
                        : "";
            break;
        }
    }
}

uint32_t article_attr_flags(const article_attrs_t *a)
{
    unsigned cb = a->cls ? s_value_bits_memo(a->cls) : 0;
    unsigned ib = a->id ? s_value_bits_memo(a->id) : 0;
    uint32_t f = s_hint_flags(cb | (ib & 15));
    f |= s_role_flags(a->role);
    if (a->itemprop && strstr(a->itemprop, "articleBody")) {
        f |= F_POS | F_MAIN | F_BODY;
        f &= ~(uint32_t)F_NEG;
    }
    f |= s_recipe_flags(a->itemprop, cb);
    const char *style = a->style;
    if (a->hidden || (a->aria_hidden && strcmp(a->aria_hidden, "true") == 0) ||
        (style && (strstr(style, "display:none") || strstr(style, "display: none") ||
                   strstr(style, "visibility:hidden") || strstr(style, "visibility: hidden"))))
        f |= F_HIDDEN;
    return f;
}
