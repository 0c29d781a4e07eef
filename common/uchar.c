/*  uchar.c - character classes by code point range.
 *  SPDX-License-Identifier: MIT
 */
#include "uchar.h"

#include <stddef.h>

bool uchar_is_space(uint32_t cp)
{
    return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

bool uchar_is_upper(uint32_t cp)
{
    if (cp < 0x80)
        return cp >= 'A' && cp <= 'Z';
    if (cp >= 0xC0 && cp <= 0xDE)
        return cp != 0xD7;
    if (cp >= 0x100 && cp <= 0x17F) {
        bool odd_upper = (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E);
        return cp == 0x178 ||
               ((cp & 1) == (odd_upper ? 1u : 0u) && cp != 0x138 && cp != 0x149 && cp != 0x17F);
    }
    if (cp >= 0x391 && cp <= 0x3AB)
        return cp != 0x3A2;
    return cp >= 0x400 && cp <= 0x42F;
}

bool uchar_is_lower(uint32_t cp)
{
    if (cp < 0x80)
        return cp >= 'a' && cp <= 'z';
    if (cp >= 0xDF && cp <= 0xFF)
        return cp != 0xF7;
    if (cp >= 0x100 && cp <= 0x17F)
        return !uchar_is_upper(cp);
    if (cp >= 0x3AC && cp <= 0x3CE)
        return true;
    return cp >= 0x430 && cp <= 0x45F;
}

uint32_t uchar_to_lower(uint32_t cp)
{
    if (!uchar_is_upper(cp))
        return cp;
    if (cp < 0x80 || (cp >= 0xC0 && cp <= 0xDE) || (cp >= 0x391 && cp <= 0x3AB) ||
        (cp >= 0x410 && cp <= 0x42F))
        return cp + 0x20;
    if (cp >= 0x400 && cp <= 0x40F)
        return cp + 0x50;
    if (cp == 0x178)
        return 0xFF;
    return cp + 1; /* Latin Extended-A pairs */
}

/* Punctuation and symbols outside ASCII, as closed ranges: Latin-1's signs
 * (not the ordinal indicators and micro sign, which are letters), the
 * multiplication and division signs, General Punctuation to Miscellaneous
 * Symbols and Arrows, CJK punctuation, variation selectors to small form
 * variants, fullwidth ASCII punctuation, the replacement character, and
 * the emoji planes. */
static const struct {
    uint32_t lo, hi;
} s_punct[] = {
    {0x80, 0xA9},     {0xAB, 0xB4},     {0xB6, 0xB9},     {0xBB, 0xBF},     {0xD7, 0xD7},
    {0xF7, 0xF7},     {0x2000, 0x2BFF}, {0x3000, 0x303F}, {0xFE00, 0xFE4F}, {0xFF00, 0xFF0F},
    {0xFF1A, 0xFF20}, {0xFF3B, 0xFF40}, {0xFF5B, 0xFF65}, {0xFFFD, 0xFFFD}, {0x1F000, 0x1FAFF},
};

static bool s_is_punct_or_symbol(uint32_t cp)
{
    if (cp < 0x80)
        return !((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'));
    for (size_t i = 0; i < sizeof s_punct / sizeof s_punct[0]; i++)
        if (cp >= s_punct[i].lo && cp <= s_punct[i].hi)
            return true;
    return false;
}

bool uchar_is_word(uint32_t cp)
{
    return !uchar_is_space(cp) && !s_is_punct_or_symbol(cp);
}

bool uchar_is_closer(uint32_t cp)
{
    return cp == '"' || cp == '\'' || cp == ')' || cp == ']' || cp == '}' || cp == 0x2019 ||
           cp == 0x201D || cp == 0xBB || cp == 0x203A || cp == 0x300D || cp == 0x300F ||
           cp == 0xFF09;
}

bool uchar_is_opener(uint32_t cp)
{
    return cp == '"' || cp == '\'' || cp == '(' || cp == '[' || cp == '{' || cp == 0x2018 ||
           cp == 0x201C || cp == 0xAB || cp == 0x2039 || cp == 0x300C || cp == 0x300E ||
           cp == 0xFF08;
}
