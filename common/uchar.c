/*  uchar.c - character classes by code point range.
 *  SPDX-License-Identifier: MIT
 */
#include "uchar.h"

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

static bool s_is_punct_or_symbol(uint32_t cp)
{
    if (cp < 0x80)
        return !((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'));
    return (cp >= 0x80 && cp <= 0xBF && cp != 0xAA && cp != 0xB5 && cp != 0xBA) || cp == 0xD7 ||
           cp == 0xF7 || (cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) ||
           (cp >= 0xFE00 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF0F) ||
           (cp >= 0xFF1A && cp <= 0xFF20) || (cp >= 0xFF3B && cp <= 0xFF40) ||
           (cp >= 0xFF5B && cp <= 0xFF65) || cp == 0xFFFD || (cp >= 0x1F000 && cp <= 0x1FAFF);
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
