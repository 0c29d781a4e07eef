/*  source_md.c - Markdown into paragraphs: YAML/TOML front matter, block
 *  structure (headings, lists, fences, tables, quotes) and inline markup
 *  (emphasis, code, links, images, HTML tags). Keeps the prose, drops the
 *  markup; every look-ahead is bounded, so any input parses in linear time.
 *  SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "source_impl.h"

#define S_FM_LINES 1000 /* lines a front matter block may span */
#define S_MD_DEPTH 3    /* link text nested in link text */

/* --------------------------------------------------------- Markdown inline */

typedef struct {
    buf_t *out;    /* borrowed: prose without markup */
    size_t budget; /* bytes look-aheads may still scan in this paragraph */
    err_t *err;    /* borrowed */
} s_inl_t;

typedef struct {
    size_t text;     /* offset of the link text */
    size_t text_len; /* bytes */
    size_t end;      /* offset just past the link */
    bool footnote;   /* "[^1]": a footnote reference, dropped */
} s_link_t;

static int s_md_inline(s_inl_t *x, const char *s, size_t n, int depth);

/* Find the bracket closing s[i] == open, honouring nesting and backslash
 * escapes. Every scanned byte is charged to the paragraph's budget, which
 * keeps "[[[[…" from going quadratic: past it, brackets are plain text. */
static bool s_md_match(s_inl_t *x, const char *s, size_t n, size_t i, char close, size_t *at)
{
    char open = s[i];
    int depth = 0;
    for (size_t k = i; k < n && x->budget > 0; k++, x->budget--) {
        if (s[k] == '\\') {
            k++;
            continue;
        }
        if (s[k] == open)
            depth++;
        else if (s[k] == close && --depth == 0) {
            *at = k;
            return true;
        }
    }
    return false;
}

/* "[text](dest)", "[text][ref]" or the footnote reference "[^1]". A lone
 * "[text]" is prose ("[laughter]") and is not matched. */
static bool s_md_link(s_inl_t *x, const char *s, size_t n, size_t i, s_link_t *lk)
{
    size_t j, k;
    if (!s_md_match(x, s, n, i, ']', &j))
        return false;
    lk->text = i + 1;
    lk->text_len = j - i - 1;
    lk->footnote = false;
    if (j + 1 < n && (s[j + 1] == '(' || s[j + 1] == '[')) {
        if (!s_md_match(x, s, n, j + 1, s[j + 1] == '(' ? ')' : ']', &k))
            return false;
        lk->end = k + 1;
        return true;
    }
    if (lk->text_len > 1 && s[i + 1] == '^') {
        lk->footnote = true;
        lk->end = j + 1;
        return true;
    }
    return false;
}

/* `code`: the content is kept, the backticks go; a run with no closing run
 * of the same length is dropped. */
static int s_md_code(s_inl_t *x, const char *s, size_t n, size_t i, size_t *used)
{
    size_t r = 0;
    while (i + r < n && s[i + r] == '`')
        r++;
    *used = r;
    for (size_t k = i + r; k < n && x->budget > 0; x->budget--) {
        if (s[k] != '`') {
            k++;
            continue;
        }
        size_t r2 = 0;
        while (k + r2 < n && s[k + r2] == '`')
            r2++;
        if (r2 == r) {
            *used = k + r - i;
            return buf_append(x->out, s + i + r, k - i - r, x->err);
        }
        k += r2;
    }
    return 0;
}

/* A run of '*', '_' or '~' is dropped when it can open or close emphasis
 * (touches a word on one side); kept between spaces ("2 * 3"), inside words
 * for '_' (snake_case), between digits for '*', and for '~' unless it is
 * the "~~" of strikethrough. */
static int s_md_delim(s_inl_t *x, const char *s, size_t n, size_t i, size_t *used)
{
    char c = s[i];
    size_t r = 1;
    while (i + r < n && s[i + r] == c)
        r++;
    *used = r;
    unsigned char prev = i > 0 ? (unsigned char)s[i - 1] : ' ';
    unsigned char next = i + r < n ? (unsigned char)s[i + r] : ' ';
    bool keep = isspace(prev) && isspace(next);
    if (c == '_' && isalnum(prev) && isalnum(next))
        keep = true;
    if (c == '*' && isdigit(prev) && isdigit(next))
        keep = true;
    if (c == '~' && r != 2)
        keep = true;
    return keep ? buf_append(x->out, s + i, r, x->err) : 0;
}

/* Tags that separate words when removed ("a<br>b" is "a b"). */
static bool s_md_tag_breaks(const char *name, size_t n)
{
    static const char *const tags[] = {"br", "p",  "div", "li", "tr", "td", "th",        "hr",
                                       "h1", "h2", "h3",  "h4", "h5", "h6", "blockquote"};
    for (size_t k = 0; k < sizeof tags / sizeof tags[0]; k++)
        if (strlen(tags[k]) == n && strncasecmp(tags[k], name, n) == 0)
            return true;
    return false;
}

/* '<': an autolink "<https://…>" keeps its address, an HTML tag goes, any
 * other '<' is text. The scan stops at the next '<', so it stays linear. */
static int s_md_angle(s_inl_t *x, const char *s, size_t n, size_t i, size_t *used)
{
    *used = 1;
    size_t k = i + 1;
    for (; k < n && s[k] != '>' && s[k] != '<' && x->budget > 0; k++, x->budget--)
        ;
    if (k >= n || s[k] != '>')
        return buf_append(x->out, "<", 1, x->err);
    const char *in = s + i + 1;
    size_t len = k - i - 1;
    bool spaced = memchr(in, ' ', len) != NULL;
    bool scheme = len > 3 && isalpha((unsigned char)in[0]) && memchr(in, ':', len);
    if (!spaced && (scheme || memchr(in, '@', len))) {
        *used = len + 2;
        return buf_append(x->out, in, len, x->err);
    }
    size_t off = (len > 0 && (in[0] == '/' || in[0] == '!')) ? 1 : 0;
    if (len <= off || !isalpha((unsigned char)in[off]))
        return buf_append(x->out, "<", 1, x->err);
    size_t name = off;
    while (name < len && isalnum((unsigned char)in[name]))
        name++;
    *used = len + 2;
    return s_md_tag_breaks(in + off, name - off) ? buf_append(x->out, " ", 1, x->err) : 0;
}

static int s_md_bracket(s_inl_t *x, const char *s, size_t n, size_t i, int depth, size_t *used)
{
    s_link_t lk;
    bool image = s[i] == '!';
    *used = 1;
    if (image && (i + 1 >= n || s[i + 1] != '['))
        return buf_append(x->out, "!", 1, x->err);
    if (!s_md_link(x, s, n, i + (image ? 1 : 0), &lk))
        return buf_append(x->out, s + i, 1, x->err);
    *used = lk.end - i;
    if (image || lk.footnote)
        return 0;
    if (depth >= S_MD_DEPTH)
        return buf_append(x->out, s + lk.text, lk.text_len, x->err);
    return s_md_inline(x, s + lk.text, lk.text_len, depth + 1);
}

static int s_md_special(s_inl_t *x, const char *s, size_t n, size_t i, int depth, size_t *used)
{
    switch (s[i]) {
    case '\\':
        *used = (i + 1 < n && ispunct((unsigned char)s[i + 1])) ? 2 : 1;
        return buf_append(x->out, s + i + *used - 1, 1, x->err);
    case '`':
        return s_md_code(x, s, n, i, used);
    case '!':
    case '[':
        return s_md_bracket(x, s, n, i, depth, used);
    case '*':
    case '_':
    case '~':
        return s_md_delim(x, s, n, i, used);
    case '<':
        return s_md_angle(x, s, n, i, used);
    default:
        return source_entity(x->out, s + i, n - i, used, x->err);
    }
}

/* Append s[0..n) to x->out without inline markup. */
static int s_md_inline(s_inl_t *x, const char *s, size_t n, int depth)
{
    static const char specials[] = "\\`![*_~<&";
    size_t i = 0;
    while (i < n) {
        size_t run = i + source_span_not(s + i, n - i, specials);
        if (buf_append(x->out, s + i, run - i, x->err) != 0)
            return -1;
        if ((i = run) >= n)
            break;
        size_t used = 1;
        if (s_md_special(x, s, n, i, depth, &used) != 0)
            return -1;
        i += used;
    }
    return 0;
}

/* ---------------------------------------------------------- Markdown blocks */

typedef struct {
    transcript_t *t;     /* borrowed: output */
    source_meta_t *meta; /* borrowed: title lands here */
    buf_t raw;           /* paragraph being collected, lines joined by spaces */
    buf_t inl;           /* raw without inline markup */
    buf_t words;         /* inl with whitespace collapsed */
    int heading;         /* heading level of raw, 0 for body text */
    int item;            /* raw began as a list item: 1 bullet, 2 ordered, else 0 */
    char fence_ch;       /* '`' or '~' inside a fenced code block, else 0 */
    size_t fence_len;    /* length of the opening fence */
} s_md_t;

static int s_md_flush(s_md_t *md, err_t *err)
{
    int level = md->heading;
    md->heading = 0;
    md->item = 0;
    if (md->raw.len == 0)
        return 0;
    s_inl_t x = {&md->inl, 8 * md->raw.len + 4096, err};
    buf_reset(&md->inl);
    buf_reset(&md->words);
    int rc = s_md_inline(&x, md->raw.data, md->raw.len, 0);
    if (rc == 0)
        rc = source_words_append(&md->words, md->inl.data, md->inl.len, err);
    if (rc == 0 && md->words.len > 0) {
        if (level == 1)
            source_meta_set(&md->meta->title, md->words.data, md->words.len);
        rc = transcript_append(md->t, "\n\n", md->words.data, md->words.len, TRANSCRIPT_UNTIMED,
                               err);
    }
    buf_reset(&md->raw);
    return rc;
}

/* Add one line of text to the paragraph; a trailing backslash (a hard line
 * break) goes. */
static int s_md_add(s_md_t *md, const char *s, size_t n, err_t *err)
{
    source_trim(&s, &n);
    if (n > 0 && s[n - 1] == '\\')
        n--;
    if (md->raw.len > 0 && buf_append(&md->raw, " ", 1, err) != 0)
        return -1;
    return buf_append(&md->raw, s, n, err);
}

static size_t s_run_of(const char *s, size_t n, char c)
{
    size_t r = 0;
    while (r < n && s[r] == c)
        r++;
    return r;
}

/* Opening fence "```lang" or "~~~": enter a code block, which is dropped
 * (code is not prose a reader would quote). */
static bool s_md_fence_opens(s_md_t *md, const char *s, size_t n)
{
    if (n < 3 || (s[0] != '`' && s[0] != '~'))
        return false;
    size_t r = s_run_of(s, n, s[0]);
    if (r < 3 || (s[0] == '`' && memchr(s + r, '`', n - r)))
        return false;
    md->fence_ch = s[0];
    md->fence_len = r;
    return true;
}

static bool s_md_fence_closes(const s_md_t *md, const char *s, size_t n)
{
    source_trim(&s, &n);
    size_t r = s_run_of(s, n, md->fence_ch);
    return r >= md->fence_len && r == n;
}

/* "## Heading ##": level 1..6 and the text without the markers, or 0. */
static int s_md_atx(const char *s, size_t n, const char **text, size_t *text_len)
{
    size_t level = s_run_of(s, n, '#');
    if (level == 0 || level > 6 || (level < n && s[level] != ' ' && s[level] != '\t'))
        return 0;
    const char *t = s + level;
    size_t tn = n - level;
    source_trim(&t, &tn);
    size_t closing = 0;
    while (closing < tn && t[tn - 1 - closing] == '#')
        closing++;
    if (closing == tn ||
        (closing > 0 && (t[tn - 1 - closing] == ' ' || t[tn - 1 - closing] == '\t')))
        tn -= closing;
    *text = t;
    *text_len = tn;
    return (int)level;
}

/* A line of only '=' (1) or only '-' (2), the underline of a setext
 * heading when it follows paragraph text. */
static int s_md_setext(const char *s, size_t n)
{
    source_trim(&s, &n);
    if (n == 0 || (s[0] != '=' && s[0] != '-') || s_run_of(s, n, s[0]) != n)
        return 0;
    return s[0] == '=' ? 1 : 2;
}

/* "***", "- - -", "___": three or more of one of them, spaces allowed. */
static bool s_md_thematic(const char *s, size_t n)
{
    if (n == 0 || (s[0] != '*' && s[0] != '-' && s[0] != '_'))
        return false;
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == s[0])
            count++;
        else if (s[i] != ' ' && s[i] != '\t')
            return false;
    }
    return count >= 3;
}

/* Bytes of a list marker ("- ", "* ", "+ ", "1. ", "2) ") and of a task
 * box ("[ ] ", "[x] ") after it, or 0; *ordered tells which kind. As in
 * CommonMark, a number other than 1 starts an item only when any_number
 * (no paragraph open, or an ordered item open), so a wrapped line starting
 * "2024. " stays prose. */
/* Bytes of an ordered marker's number and its '.' or ')', or 0. */
static size_t s_md_number_len(const char *s, size_t n, bool any_number)
{
    size_t i = 0;
    while (i < n && i < 9 && isdigit((unsigned char)s[i]))
        i++;
    if (i == 0 || i >= n || (s[i] != '.' && s[i] != ')'))
        return 0;
    if (!any_number && (i != 1 || s[0] != '1'))
        return 0;
    return i + 1;
}

static size_t s_md_list_marker(const char *s, size_t n, bool any_number, bool *ordered)
{
    *ordered = !(n > 0 && (s[0] == '-' || s[0] == '*' || s[0] == '+'));
    size_t i = *ordered ? s_md_number_len(s, n, any_number) : 1;
    if (i == 0)
        return 0;
    if (i < n && s[i] != ' ' && s[i] != '\t')
        return 0;
    i = source_skip_ws(s, n, i);
    if (n - i >= 3 && s[i] == '[' && s[i + 2] == ']' && memchr(" xX", s[i + 1], 3))
        i = source_skip_ws(s, n, i + 3);
    return i;
}

/* "[label]: https://…" link reference definitions are dropped; footnote
 * definitions "[^1]: text" keep their text. Returns the bytes to skip
 * (n for a whole dropped line), or 0. */
static size_t s_md_definition(const char *s, size_t n)
{
    if (n < 4 || s[0] != '[')
        return 0;
    const char *close = memchr(s, ']', n);
    if (!close || close == s + 1 || (size_t)(close - s) + 1 >= n || close[1] != ':')
        return 0;
    return s[1] == '^' ? (size_t)(close - s) + 2 : n;
}

/* A table's delimiter row "|---|:--:|". */
static bool s_md_table_rule(const char *s, size_t n)
{
    source_trim(&s, &n);
    if (n == 0 || !memchr(s, '|', n) || !memchr(s, '-', n))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!memchr("|-: \t", s[i], 5))
            return false;
    return true;
}

/* Remove "> " blockquote markers, nested ones too. */
static void s_md_unquote(const char **s, size_t *n)
{
    for (;;) {
        size_t i = source_skip_ws(*s, *n, 0);
        if (i >= *n || (*s)[i] != '>' || i > 3)
            return;
        i++;
        if (i < *n && (*s)[i] == ' ')
            i++;
        *s += i;
        *n -= i;
    }
}

/* Lines that are one paragraph of their own: ATX headings, table rows,
 * footnote definitions. Returns 1 if handled, 0 if not, -1 on error. */
static int s_md_own_para(s_md_t *md, const char *s, size_t n, err_t *err)
{
    const char *text;
    size_t text_len, def = s_md_definition(s, n);
    int level = s_md_atx(s, n, &text, &text_len);
    if (level == 0 && def == 0 && (n == 0 || s[0] != '|'))
        return 0;
    if (s_md_flush(md, err) != 0)
        return -1;
    if (def == n)
        return 1;
    if (level == 0) { /* a table row loses its outer pipes, a footnote its label */
        text = s + (def ? def : 1);
        text_len = n - (def ? def : 1);
        source_trim(&text, &text_len);
        if (!def && text_len > 0 && text[text_len - 1] == '|')
            text_len--;
    }
    md->heading = level;
    if (s_md_add(md, text, text_len, err) != 0 || s_md_flush(md, err) != 0)
        return -1;
    return 1;
}

static int s_md_line(s_md_t *md, const char *s, size_t n, err_t *err)
{
    if (md->fence_ch) {
        if (s_md_fence_closes(md, s, n))
            md->fence_ch = 0;
        return 0;
    }
    s_md_unquote(&s, &n);
    if (source_is_blank(s, n))
        return s_md_flush(md, err);
    size_t ind = source_skip_ws(s, n, 0);
    s += ind, n -= ind;
    if (s_md_fence_opens(md, s, n))
        return s_md_flush(md, err);
    if (s_md_table_rule(s, n))
        return 0;
    int own = s_md_own_para(md, s, n, err);
    if (own != 0)
        return own < 0 ? -1 : 0;
    int setext = s_md_setext(s, n);
    if (setext && md->raw.len > 0)
        md->heading = setext;
    if (setext || s_md_thematic(s, n))
        return s_md_flush(md, err);
    bool ordered = false;
    size_t marker = s_md_list_marker(s, n, md->raw.len == 0 || md->item == 2, &ordered);
    if (marker > 0) {
        if (s_md_flush(md, err) != 0)
            return -1;
        md->item = ordered ? 2 : 1;
    }
    return s_md_add(md, s + marker, n - marker, err);
}

/* Remove HTML comments in place, "<!--" to "-->" (or to the end, as
 * CommonMark does for an unclosed one); returns the new length. */
static size_t s_md_strip_comments(char *s, size_t n)
{
    size_t r = 0, w = 0;
    for (;;) {
        const char *open = source_find(s + r, n - r, "<!--");
        size_t stop = open ? (size_t)(open - s) : n;
        memmove(s + w, s + r, stop - r);
        w += stop - r;
        if (!open)
            return w;
        const char *close = source_find(s + stop + 4, n - stop - 4, "-->");
        if (!close)
            return w;
        r = (size_t)(close - s) + 3;
    }
}

/* One "key: value" (YAML) or "key = value" (TOML) front matter line. */
static void s_md_fm_field(source_meta_t *meta, const source_line_t *l, char sep)
{
    const char *at = memchr(l->s, sep, l->n);
    if (!at)
        return;
    const char *key = l->s, *v = at + 1;
    size_t key_len = (size_t)(at - l->s), vn = l->n - key_len - 1;
    source_trim(&key, &key_len);
    source_trim(&v, &vn);
    if (vn >= 2 && (v[0] == '"' || v[0] == '\'' || v[0] == '[') &&
        v[vn - 1] == (v[0] == '[' ? ']' : v[0]))
        v++, vn -= 2;
#define S_KEY(k) (key_len == sizeof(k) - 1 && strncasecmp(key, k, key_len) == 0)
    if (S_KEY("title"))
        source_meta_set(&meta->title, v, vn);
    else if (S_KEY("author") || S_KEY("authors"))
        source_meta_set(&meta->author, v, vn);
    else if (S_KEY("date") || S_KEY("published"))
        source_meta_set(&meta->published, v, vn);
    else if (S_KEY("lang") || S_KEY("language"))
        source_meta_set_language(meta, v, vn);
#undef S_KEY
}

static bool s_line_is(const source_line_t *l, const char *what)
{
    const char *s = l->s;
    size_t n = l->n;
    source_trim(&s, &n);
    return n == strlen(what) && memcmp(s, what, n) == 0;
}

/* Front matter between "---" lines (YAML) or "+++" lines (TOML) at the
 * very top: read title, author, date and language, then skip it. Returns
 * the bytes it spans, 0 if there is none. */
static size_t s_md_front_matter(const char *s, size_t n, source_meta_t *meta)
{
    source_lines_t ls = {s, s + n, 0};
    source_line_t l;
    if (!source_lines_next(&ls, &l) || (!s_line_is(&l, "---") && !s_line_is(&l, "+++")))
        return 0;
    bool toml = s_line_is(&l, "+++");
    source_lines_t body = ls;
    size_t last = 0;
    while (ls.line_no < S_FM_LINES && source_lines_next(&ls, &l)) {
        if (toml ? s_line_is(&l, "+++") : (s_line_is(&l, "---") || s_line_is(&l, "..."))) {
            last = l.no;
            break;
        }
    }
    if (last == 0)
        return 0;
    while (source_lines_next(&body, &l) && l.no < last)
        s_md_fm_field(meta, &l, toml ? '=' : ':');
    return (size_t)(ls.p - s);
}

int source_parse_markdown(char *s, size_t n, transcript_t *t, source_meta_t *meta, err_t *err)
{
    /* Front matter wins over the first H1 for the title: it is explicit. */
    size_t fm = s_md_front_matter(s, n, meta);
    s += fm, n -= fm;
    n = s_md_strip_comments(s, n);
    s_md_t md = {.t = t, .meta = meta};
    buf_init(&md.raw, SOURCE_BUF_MAX);
    buf_init(&md.inl, SOURCE_BUF_MAX);
    buf_init(&md.words, SOURCE_BUF_MAX);
    source_lines_t ls = {s, s + n, 0};
    source_line_t l;
    int rc = 0;
    while (rc == 0 && source_lines_next(&ls, &l))
        rc = s_md_line(&md, l.s, l.n, err);
    if (rc == 0)
        rc = s_md_flush(&md, err);
    buf_free(&md.raw);
    buf_free(&md.inl);
    buf_free(&md.words);
    return rc;
}
