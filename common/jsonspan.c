/*  jsonspan.c - balanced JSON brackets (see jsonspan.h).
 *  SPDX-License-Identifier: MIT
 */
#include "jsonspan.h"

#include <stdbool.h>
#include <stdint.h>

/* One bit a level: set for '{', clear for '['. */
typedef struct {
    uint8_t bits[JSONSPAN_DEPTH_MAX / 8];
    size_t depth;
} s_stack_t;

static bool s_push(s_stack_t *st, char open)
{
    if (st->depth == JSONSPAN_DEPTH_MAX)
        return false;
    uint8_t mask = (uint8_t)(1u << (st->depth % 8));
    if (open == '{')
        st->bits[st->depth / 8] |= mask;
    else
        st->bits[st->depth / 8] &= (uint8_t)~mask;
    st->depth++;
    return true;
}

/* Pop the level that close ends; false if there is none or it is the
 * other kind. */
static bool s_pop(s_stack_t *st, char close)
{
    if (st->depth == 0)
        return false;
    st->depth--;
    bool object = st->bits[st->depth / 8] & (1u << (st->depth % 8));
    return object == (close == '}');
}

size_t jsonspan_len(const char *s, size_t n)
{
    if (n == 0 || (s[0] != '{' && s[0] != '['))
        return 0;
    s_stack_t st = {.depth = 0};
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            if (!s_push(&st, c))
                return 0;
        } else if (c == '}' || c == ']') {
            if (!s_pop(&st, c))
                return 0;
            if (st.depth == 0)
                return i + 1;
        }
    }
    return 0;
}
