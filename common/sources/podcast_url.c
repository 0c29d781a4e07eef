/*  podcast_url.c - RFC 3986 reference resolution for the URLs a feed
 *  holds (enclosures, transcripts). String work only; no normalisation
 *  beyond dot segments, no percent-decoding.
 *  SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "podcast_impl.h"

/* ---------------------------------------------------------------- URLs */

static bool s_has_scheme(const char *s)
{
    if (!isalpha((unsigned char)*s))
        return false;
    for (const char *p = s; *p; p++) {
        if (*p == ':')
            return true;
        if (!isalnum((unsigned char)*p) && *p != '+' && *p != '-' && *p != '.')
            return false;
    }
    return false;
}

/* Remove "." and ".." segments from path[0..n) (RFC 3986 5.2.4), appending
 * the result to out. */
static void s_put_path(buf_t *out, const char *path, size_t n)
{
    size_t start = out->len;
    size_t i = 0;
    while (i < n) {
        size_t j = i + 1;
        while (j < n && path[j] != '/')
            j++;
        const char *seg = path + i; /* "/name" */
        size_t sl = j - i;
        if ((sl == 2 && seg[1] == '.') || (sl == 3 && seg[1] == '.' && seg[2] == '.')) {
            if (sl == 3)
                while (out->len > start && out->data[--out->len] != '/')
                    ;
            if (j >= n)
                podcast_put(out, "/", 1);
        } else {
            podcast_put(out, seg, sl);
        }
        i = j;
    }
    if (out->data)
        out->data[out->len] = '\0';
}

char *podcast_url_resolve(const char *base, const char *ref)
{
    if (!ref)
        ref = "";
    if (!base || s_has_scheme(ref))
        return mem_strdup(ref);
    const char *colon = strchr(base, ':');
    if (!colon)
        return mem_strdup(ref);
    size_t scheme_len = (size_t)(colon - base);
    const char *auth = colon + 1 + (colon[1] == '/' && colon[2] == '/' ? 2 : 0);
    size_t auth_end = (size_t)(auth - base) + strcspn(auth, "/?#");
    size_t path_end = auth_end + strcspn(base + auth_end, "?#");
    buf_t b;
    buf_init(&b, strlen(base) + strlen(ref) + 8);
    if (ref[0] == '/' && ref[1] == '/') {
        podcast_put(&b, base, scheme_len + 1);
        podcast_put(&b, ref, strlen(ref));
    } else if (ref[0] == '/') {
        podcast_put(&b, base, auth_end);
        size_t pl = strcspn(ref, "?#");
        s_put_path(&b, ref, pl);
        podcast_put(&b, ref + pl, strlen(ref + pl));
    } else if (ref[0] == '?' || ref[0] == '#' || !ref[0]) {
        size_t keep =
            ref[0] == '#' || !ref[0] ? path_end + strcspn(base + path_end, "#") : path_end;
        podcast_put(&b, base, keep);
        podcast_put(&b, ref, strlen(ref));
    } else {
        podcast_put(&b, base, auth_end);
        const char *dir_end = base + path_end;
        while (dir_end > base + auth_end && dir_end[-1] != '/')
            dir_end--;
        size_t pl = strcspn(ref, "?#");
        buf_t path;
        buf_init(&path, b.max);
        podcast_put(&path, base + auth_end, (size_t)(dir_end - base) - auth_end);
        if (path.len == 0)
            podcast_put(&path, "/", 1);
        podcast_put(&path, ref, pl);
        s_put_path(&b, path.data, path.len);
        buf_free(&path);
        podcast_put(&b, ref + pl, strlen(ref + pl));
    }
    return buf_steal(&b);
}
