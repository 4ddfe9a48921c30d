/* madvise and posix_madvise: advice checked, then taken where Windows
 * has something to match it. */
#include "internal.h"

#include <string.h>

static int known_advice(int advice)
{
    switch (advice) {
    case MADV_NORMAL:
    case MADV_RANDOM:
    case MADV_SEQUENTIAL:
    case MADV_WILLNEED:
    case MADV_DONTNEED:
    case MADV_FREE:
        return 1;
    default:
        return 0;
    }
}

/* Linux throws pages away only where that is allowed: never locked ones,
 * and MADV_FREE only private anonymous memory. */
static int may_discard(const struct mman_fragment *f, int advice)
{
    if (f->locked)
        return 0;
    return advice != MADV_FREE ||
           (f->view->kind == MMAN_VIEW_ANONYMOUS && !f->shared);
}

#ifdef MMAN_CE
/* Private anonymous pages after MADV_DONTNEED read as zero, as on Linux.
 * CE has no fault handler to commit pages at their first touch, so a
 * commit that failed after the decommit would leave accessible pages
 * without memory: they are zeroed in place instead (made writable for
 * that if they are not). PROT_NONE pages are decommitted; mprotect
 * commits them again. */
static int zero_anonymous(struct mman_fragment *f)
{
    size_t len = (size_t)(f->node.end - f->node.start);
    int writable = (f->prot & PROT_WRITE) != 0;

    if (f->prot == PROT_NONE)
        return mman__decommit(f->node.start, len)
                   ? 0
                   : mman__errno_from_win32(GetLastError());
    if (!writable && !mman__protect(f->node.start, len, PAGE_READWRITE))
        return mman__errno_from_win32(GetLastError());
    memset(f->node.start, 0, len);
    if (!writable &&
        !mman__protect(f->node.start, len,
                       mman__page_protection(f->prot, 0)))
        return mman__errno_from_win32(GetLastError());
    return 0;
}
#else
/* Private anonymous pages after MADV_DONTNEED read as zero, as on Linux:
 * decommit them and commit fresh ones unless they wait for a touch. */
static int zero_anonymous(struct mman_fragment *f)
{
    size_t len = (size_t)(f->node.end - f->node.start);

    if (!mman__decommit(f->node.start, len))
        return mman__errno_from_win32(GetLastError());
    /* If this commit fails, the fault handler commits each page at its
     * first touch: zero either way. */
    if (!f->view->noreserve && f->prot != PROT_NONE)
        mman__commit(f->node.start, len, mman__page_protection(f->prot, 0));
    return 0;
}

#endif

#ifdef MMAN_CE
/* A private copy of a file (CE) after MADV_DONTNEED shows the file
 * again, as on Linux: its pages are copied afresh. */
static int restore_file_pages(struct mman_fragment *f)
{
    return mman__copy_file_pages(f->view, f->node.start,
                                 mman__fragment_pages_end(f), f->prot, 0);
}
#else
/* Private file pages after MADV_DONTNEED show the file again, as on
 * Linux. Windows cannot drop a private copy of a page without dropping
 * the whole view, so the file's bytes are copied over the pages that
 * differ, read through a second, read-only view of the same section. */
static int restore_file_pages(struct mman_fragment *f)
{
    struct mman_view *v = f->view;
    char *start = f->node.start, *end = mman__fragment_pages_end(f);
    char *window, *p;
    uint64_t first = v->offset + (uint64_t)(start - v->node.start);
    uint64_t from = first - first % mman__granularity;
    size_t size, backed, page = mman__page_size;
    int err;

    if (start == end)
        return 0;
    /* The section ends with the file, maybe inside the last page; a view
     * reaching past it fails. The page holding the end is mapped whole
     * all the same. */
    backed = v->mapped - (size_t)(start - v->node.start);
    size = (size_t)(first - from) +
           ((size_t)(end - start) < backed ? (size_t)(end - start) : backed);
    window = mman__map_view(v->section, FILE_MAP_READ, from, size, NULL);
    if (!window)
        return mman__errno_from_win32(GetLastError());
    /* Writable pages take the bytes as they are; others are opened
     * for the copy, then closed again. */
    err = 0;
    if (!(f->prot & PROT_WRITE) &&
        !mman__protect(start, (size_t)(end - start), PAGE_WRITECOPY))
        err = mman__errno_from_win32(GetLastError());
    for (p = start; !err && p < end; p += page) {
        const char *file = window + (first - from) + (size_t)(p - start);

        if (memcmp(p, file, page) != 0)
            memcpy(p, file, page);
    }
    if (!err && !(f->prot & PROT_WRITE))
        err = mman__view_protect(v, start, end, f->prot);
    mman__unmap_view(window);
    return err;
}
#endif

/* MADV_DONTNEED and MADV_FREE: what Linux drops, dropped. Shared memory
 * keeps its contents, as on Linux. */
static int discard(struct mman_fragment *f)
{
    if (f->shared)
        return 0;
    if (f->view->kind == MMAN_VIEW_ANONYMOUS)
        return zero_anonymous(f);
    return restore_file_pages(f);
}

/* MADV_WILLNEED: read ahead what lies in a file; failure is no error,
 * advice being advice. */
static void prefetch(const struct mman_fragment *f)
{
#ifdef MMAN_CE
    (void)f; /* CE cannot read ahead */
#else
    char *end = mman__fragment_pages_end(f);

    if (f->view->kind == MMAN_VIEW_FILE && f->prot != PROT_NONE &&
        f->node.start < end)
        mman__prefetch(f->node.start, (size_t)(end - f->node.start));
#endif
}

/* Takes advice over [start, end), which is mapped; registry locked. */
static int advise_locked(char *start, char *end, int advice)
{
    struct mman_fragment *f;
    int err = 0;

    if (advice == MADV_WILLNEED) {
        for (f = mman__find(start); f && f->node.start < end;
             f = mman__next(f))
            prefetch(f);
        return 0;
    }
    if (advice != MADV_DONTNEED && advice != MADV_FREE)
        return 0; /* access patterns: Windows has nothing to tune */
    for (f = mman__find(start); f && f->node.start < end; f = mman__next(f))
        if (!may_discard(f, advice))
            return EINVAL;
    err = mman__split_around(start, end);
    for (f = mman__find(start); !err && f && f->node.start < end;
         f = mman__next(f))
        err = discard(f);
    mman__merge_around(start, end);
    return err;
}

int mman__advise(void *addr, size_t len, int advice)
{
    char *start, *end;
    int err;

    mman__init();
    if (!known_advice(advice))
        return EINVAL;
    /* Linux says EINVAL for a range that wraps around (range_from's
     * ENOMEM) as for an unaligned one. */
    if (mman__range_from(addr, len, &start, &end))
        return EINVAL;
    if (start == end)
        return 0;
    mman__lock();
    err = mman__range_mapped(start, end) ? advise_locked(start, end, advice)
                                         : ENOMEM;
    mman__unlock();
    return err;
}
