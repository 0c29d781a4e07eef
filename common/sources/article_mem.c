/*  article_mem.c - a per-parse arena for libxml2. A page's tree is tens
 *  of thousands of small blocks that all die together, and malloc/free of
 *  them was a fifth of the extractor's time; here they are bumped out of
 *  an arena that is reset whole after the page.
 *
 *  libxml2's allocator (xmlMemSetup) is one set of functions for the
 *  whole process, so the functions installed here must serve every other
 *  user of libxml2 as malloc would:
 *  - only a thread that has opened a window (article_mem_begin) bumps,
 *    and only blocks up to S_BIG bytes; everything else is malloc;
 *  - the arenas are slots of one reserved address range, so "is this an
 *    arena block" is a range check: free() of an arena block is a no-op,
 *    anything else goes to free() (blocks from before the install too);
 *  - realloc of an arena block copies out (or grows in place when it is
 *    the slot's last block); realloc of a heap block is realloc;
 *  - the window's end clears libxml2's per-thread last error, the one
 *    thing a parse leaves behind that outlives the document.
 *  Does not parse; the caller frees the document before the window ends.
 *  SPDX-License-Identifier: MIT
 */
#include <libxml/globals.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlmemory.h>
#include <libxml/xmlstring.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "article_impl.h"

/* Under AddressSanitizer the arena tells it which bytes are live, so that
 * a use of the tree after its page, an overrun or a double free is still
 * caught as it would be with malloc. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define S_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define S_ASAN 1
#endif
#ifdef S_ASAN
#include <sanitizer/asan_interface.h>
#define S_POISON(p, n)   ASAN_POISON_MEMORY_REGION(p, n)
#define S_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define S_POISON(p, n)   ((void)(p), (void)(n))
#define S_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define S_SLOTS       16                  /* windows open at once (threads) */
#define S_SLOT_BYTES  ((size_t)256 << 20) /* address space per slot */
#define S_COMMIT_STEP ((size_t)1 << 20)   /* made writable this much at a time */
#define S_KEEP_BYTES  ((size_t)2 << 20)   /* resident memory a slot keeps */
#define S_BIG         ((size_t)4 << 10)   /* larger blocks go to malloc */
#define S_HDR         8                   /* block header: its size; 8-byte alignment */
#define S_REUSE       4096                /* freed blocks up to this size are reused */

typedef struct {
    char *base;
    size_t used;                      /* bytes handed out since the window opened */
    size_t committed;                 /* bytes made writable (PROT_READ|PROT_WRITE) */
    size_t last;                      /* offset of the last block's header, for growing in place */
    void *reuse[S_REUSE / S_HDR + 1]; /* freed blocks by size class (8-byte steps) */
} s_slot_t;

static char *s_base; /* S_SLOTS * S_SLOT_BYTES reserved; NULL: no arena */
static s_slot_t s_slots[S_SLOTS];
static unsigned s_busy; /* bit i: slot i has an open window */
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t s_once = PTHREAD_ONCE_INIT;
static __thread s_slot_t *t_slot; /* this thread's open window */
static __thread int t_depth;      /* nested begin/end pairs */

bool article_mem_owns(const void *p)
{
    const char *c = p;
    return s_base && c >= s_base && c < s_base + (size_t)S_SLOTS * S_SLOT_BYTES;
}

/* Bytes an arena block of size takes, header included. */
static size_t s_need(size_t size)
{
    return (S_HDR + size + S_HDR - 1) & ~(size_t)(S_HDR - 1);
}

/* size bytes from slot a, NULL when the slot is full (the caller falls
 * back to malloc). A freed block of the same class comes first: a page
 * frees as it goes (parser buffers, replaced strings), and reusing those
 * keeps the resident size near malloc's. */
static void *s_bump(s_slot_t *a, size_t size)
{
    size_t need = s_need(size);
    if (need <= S_REUSE && a->reuse[need / S_HDR]) {
        char *p = a->reuse[need / S_HDR];
        S_UNPOISON(p - S_HDR, S_HDR + (size > sizeof(void *) ? size : sizeof(void *)));
        a->reuse[need / S_HDR] = *(void **)p;
        *(size_t *)(p - S_HDR) = size;
        S_POISON(p + size, need - S_HDR - size);
        return p;
    }
    if (a->used + need > a->committed) {
        size_t grow = (a->used + need - a->committed + S_COMMIT_STEP - 1) & ~(S_COMMIT_STEP - 1);
        if (a->committed + grow > S_SLOT_BYTES ||
            mprotect(a->base + a->committed, grow, PROT_READ | PROT_WRITE) != 0)
            return NULL;
        S_POISON(a->base + a->committed, grow);
        a->committed += grow;
    }
    char *h = a->base + a->used;
    S_UNPOISON(h, S_HDR + size);
    *(size_t *)h = size;
    a->last = a->used;
    a->used += need;
    return h + S_HDR;
}

static void *s_malloc(size_t size)
{
    s_slot_t *a = t_slot;
    void *p = a && size <= S_BIG ? s_bump(a, size) : NULL;
    return p ? p : malloc(size);
}

static void s_free(void *p)
{
    if (!article_mem_owns(p)) {
        free(p);
        return;
    }
    /* Only this thread's open slot takes a block back; a block of any
     * other is simply dropped (its window resets it). */
    s_slot_t *a = t_slot;
    if (!a || (char *)p <= a->base || (char *)p >= a->base + a->used)
        return;
    size_t need = s_need(*(size_t *)((char *)p - S_HDR));
    if (need <= S_REUSE) {
        S_UNPOISON(p, sizeof(void *)); /* a block of 0 bytes still has room for the link */
        *(void **)p = a->reuse[need / S_HDR];
        a->reuse[need / S_HDR] = p;
        S_POISON((char *)p - S_HDR, need);
    }
}

/* Grow or shrink the arena block p in place when it is the last one of
 * this thread's slot; false otherwise. */
static bool s_resize_last(void *p, size_t size)
{
    s_slot_t *a = t_slot;
    char *h = (char *)p - S_HDR;
    if (!a || size > S_BIG || h != a->base + a->last)
        return false;
    size_t need = s_need(size);
    if (a->last + need > a->committed)
        return false;
    S_POISON(h, a->used - a->last);
    S_UNPOISON(h, S_HDR + size);
    *(size_t *)h = size;
    a->used = a->last + need;
    return true;
}

static void *s_realloc(void *p, size_t size)
{
    if (!p)
        return s_malloc(size);
    if (!article_mem_owns(p))
        return realloc(p, size);
    if (s_resize_last(p, size))
        return p;
    size_t old = *(size_t *)((char *)p - S_HDR);
    void *q = s_malloc(size);
    if (q) {
        memcpy(q, p, old < size ? old : size);
        s_free(p);
    }
    return q;
}

static char *s_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = s_malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

static void s_install(void)
{
    xmlFreeFunc f;
    xmlMallocFunc m;
    xmlReallocFunc r;
    xmlStrdupFunc d;
    /* Someone else's allocator (a debugging one) stays in place. */
    if (xmlMemGet(&f, &m, &r, &d) != 0 || f != free || m != malloc || r != realloc)
        return;
    /* Address space only: pages become memory when a slot commits them. */
    void *base = mmap(NULL, (size_t)S_SLOTS * S_SLOT_BYTES, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
        return;
    for (size_t i = 0; i < S_SLOTS; i++)
        s_slots[i].base = (char *)base + i * S_SLOT_BYTES;
    s_base = base;
    if (xmlMemSetup(s_free, s_malloc, s_realloc, s_strdup) != 0)
        s_base = NULL; /* nothing was bumped yet: malloc it stays */
}

void article_mem_install(void)
{
    pthread_once(&s_once, s_install);
}

bool article_mem_begin(void)
{
    if (t_depth++ > 0)
        return t_slot != NULL;
    if (!s_base)
        return false;
    /* libxml2 makes its per-thread state on first use, with malloc; make
     * it now so that nothing of it is asked for inside the window. */
    (void)xmlGetLastError();
    pthread_mutex_lock(&s_lock);
    unsigned free_bits = ~s_busy & ((1u << S_SLOTS) - 1);
    int i = free_bits ? __builtin_ctz(free_bits) : -1;
    if (i >= 0)
        s_busy |= 1u << i;
    pthread_mutex_unlock(&s_lock);
    if (i < 0)
        return false; /* more windows than slots: this one uses malloc */
    t_slot = &s_slots[i];
    t_slot->used = t_slot->last = 0;
    memset(t_slot->reuse, 0, sizeof t_slot->reuse);
    return true;
}

void article_mem_end(void)
{
    if (t_depth == 0 || --t_depth > 0)
        return;
    s_slot_t *a = t_slot;
    if (!a)
        return;
    /* The last error's strings may be arena blocks: drop them (free is a
     * no-op for them) before the slot is reused. */
    xmlResetLastError();
    t_slot = NULL;
    S_POISON(a->base, a->used);
    /* A huge page leaves no more than S_KEEP_BYTES resident behind it. */
    if (a->committed > S_KEEP_BYTES) {
        (void)madvise(a->base + S_KEEP_BYTES, a->committed - S_KEEP_BYTES, MADV_DONTNEED);
        (void)mprotect(a->base + S_KEEP_BYTES, a->committed - S_KEEP_BYTES, PROT_NONE);
        a->committed = S_KEEP_BYTES;
    }
    pthread_mutex_lock(&s_lock);
    s_busy &= ~(1u << (a - s_slots));
    pthread_mutex_unlock(&s_lock);
}
