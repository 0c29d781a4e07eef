/*  article_furniture.c - the phrase lexicon of page furniture: short
 *  lines that are never an article's text in any page (share, subscribe,
 *  related-links headings, credits, licence and affiliate notes), in
 *  English and the other languages the extractor meets most (German,
 *  Spanish, French, Polish, Italian). Matching is case-insensitive,
 *  Latin-1 capitals included ("Über" is "über").
 *  SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE /* strcasestr */
#include <ctype.h>
#include <string.h>

#include "article_impl.h"

/* Furniture when a line of up to 100 bytes opens with one of these. */
static const char *const s_openers[] = {
    "advertisement", "advertisment", "sponsored", "share this", "share on", "read more",
    "read next", "related:", "sign up", "subscribe", "follow us", "click here", "continue reading",
    "all rights reserved", "copyright", "\xc2\xa9", "we use cookies", "recommended", "loading",
    "you might also like", "related posts", "related articles", "about the author",
    "table of contents", "if you enjoyed", "support us", "release date:",
    /* German */
    "mehr zum thema", "auch interessant", "das könnte", "ähnliche beiträge", "weitere beiträge",
    "weitere artikel", "lesen sie auch", "lesen sie mehr", "weiterlesen", "zum weiterlesen",
    "anzeige", "- anzeige", "werbung", "keine kommentare", "kommentar verfassen", "kommentare",
    "kommentieren", "artikel teilen", "beitrag teilen", "teilen auf", "jetzt teilen",
    "möchten sie den artikel", "über den autor", "fragen an den autor", "inhaltsverzeichnis",
    "beitragsbild", "titelbild", "war der artikel", "wie bewerten sie", "hier können sie",
    "foto:", "fotos:", "bild:", "quelle:", "quellen:", "quellenangaben",
    "abbildung:", "originalartikel", "erschienen in", "unterstütze", "unterstützen sie",
    "jetzt abonnieren", "rezept drucken", "entdecke weitere", "(noch keine bewertung",
    "(alle angaben ohne",
    /* Spanish, French, Polish, Italian */
    "lea también", "lea más", "leer más", "te puede interesar", "notas relacionadas",
    "hazte miembro", "suscríbete", "fuente:", "lire aussi", "à lire aussi", "pour lire la suite",
    "abonnez-vous", "czytaj także", "czytaj też", "zobacz także", "zobacz też", "zapraszamy",
    "źródło:", "leggi anche", NULL};

/* Furniture when a line of up to 200 bytes holds one of these. */
static const char *const s_inside[] = {"newsletter",
                                       "sign up for",
                                       "subscribe to",
                                       "follow us on",
                                       "\xc2\xa9 ",
                                       "getty images",
                                       "creative commons",
                                       "cc-by",
                                       "affiliate link",
                                       "partnerlinks",
                                       "provisionslink",
                                       "would you consider supporting",
                                       "meinung des autors",
                                       "angaben ohne gewähr",
                                       NULL};

/* Lower-case one character at s into out (ASCII and the Latin-1
 * capitals U+00C0..U+00DE); returns the bytes it used. */
static size_t s_fold(const unsigned char *s, unsigned char out[2])
{
    if (s[0] == 0xC3 && s[1] >= 0x80 && s[1] <= 0x9E && s[1] != 0x97) {
        out[0] = 0xC3, out[1] = (unsigned char)(s[1] + 0x20);
        return 2;
    }
    out[0] = (unsigned char)tolower(s[0]);
    return 1;
}

static bool s_opens_with(const char *t, const char *prefix)
{
    const unsigned char *s = (const unsigned char *)t;
    const unsigned char *p = (const unsigned char *)prefix;
    while (*p) {
        unsigned char f[2];
        size_t k = s_fold(s, f);
        if (f[0] != p[0] || (k == 2 && f[1] != p[1]))
            return false;
        s += k, p += k;
    }
    return true;
}

bool article_furniture(const char *t, size_t len)
{
    if (len > 200)
        return false;
    for (const char *const *p = s_openers; *p && len <= 100; p++) {
        if (s_opens_with(t, *p))
            return true;
    }
    for (const char *const *p = s_inside; *p; p++) {
        if (strcasestr(t, *p))
            return true;
    }
    return false;
}
