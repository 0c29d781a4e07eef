/*  podcast_people.c - who speaks in an episode: the transcript's named
 *  speakers and the hosts and guests a feed lists with <podcast:person>,
 *  merged into one list for the source facts ("A conversation between Ada
 *  Host and Bob Guest"). The feed's people never name a segment's speaker:
 *  a feed says who is on the show, not who says which line.
 *  SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "podcast_impl.h"

/* Roles of people heard in the episode (the Podcast Taxonomy's "cast"
 * roles that speak); producers, editors and the like are not. */
static bool s_speaking_role(const char *role)
{
    static const char *const roles[] = {"host", "co-host", "cohost", "guest", "guest host"};
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (role && strcasecmp(role, roles[i]) == 0)
            return true;
    return false;
}

/* True when word w[0..n) is one of name's space-separated words. */
static bool s_has_word(const char *name, const char *w, size_t n)
{
    for (const char *p = name; *p;) {
        size_t k = strcspn(p, " ");
        if (k == n && strncasecmp(p, w, n) == 0)
            return true;
        p += k;
        p += *p == ' ';
    }
    return false;
}

/* A transcript's speaker and a feed's person are one: the same name, or a
 * one-word speaker label that is one of the person's names ("Ada" is "Ada
 * Host"). */
static bool s_same(const char *speaker, const char *person)
{
    if (strcasecmp(speaker, person) == 0)
        return true;
    size_t n = strlen(speaker);
    return n > 1 && !strchr(speaker, ' ') && s_has_word(person, speaker, n);
}

static bool s_known(char *const *out, size_t n, const char *person)
{
    for (size_t i = 0; i < n; i++)
        if (s_same(out[i], person))
            return true;
    return false;
}

size_t podcast_speakers(const podcast_feed_t *feed,
                        const podcast_item_t *item,
                        const transcript_t *t,
                        char **out,
                        size_t max)
{
    size_t n = 0;
    for (size_t i = 0; t && i < t->n_speakers && n < max; i++)
        out[n++] = mem_strdup(t->speakers[i]);
    const podcast_person_t *people = NULL;
    size_t n_people = 0;
    if (item && item->n_persons) { /* an item's people replace the channel's */
        people = item->persons;
        n_people = item->n_persons;
    } else if (feed) {
        people = feed->persons;
        n_people = feed->n_persons;
    }
    /* hosts first, then guests: "A conversation between the host and ..." */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n_people && n < max; i++) {
            const podcast_person_t *p = &people[i];
            bool guest = strncasecmp(p->role, "guest", 5) == 0 && strcasecmp(p->role, "guest host");
            if (s_speaking_role(p->role) && guest == (pass == 1) && !s_known(out, n, p->name))
                out[n++] = mem_strdup(p->name);
        }
    return n;
}
