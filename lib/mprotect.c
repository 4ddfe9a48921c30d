#include "internal.h"

#include <stdlib.h>

/* POSIX says mprotect changes any page range of a mapping; Windows
 * changes protection only within one view per call, so each fragment
 * gets its own call. Views are made with the most access the
 * descriptor allows, so raising protection later works as on Linux. */
/* The protections to put back on failure: room for this many
 * fragments without malloc, which the usual call (one page, one
 * fragment) would otherwise pay for. */
#define OLD_ON_STACK 8

int mman__mprotect(void *addr, size_t len, int prot)
{
    struct mman_fragment *f;
    char *start, *end;
    int on_stack[OLD_ON_STACK], *old = NULL, n = 0, i, err;

    mman__init();
    err = mman__range_from(addr, len, &start, &end);
    if (err)
        return mman__fail(err);
    if (start == end) /* Linux: before it looks at prot */
        return 0;
    if (prot & ~MMAN_PROT_ALL)
        return mman__fail(EINVAL);
    mman__lock();
    if (!mman__range_mapped(start, end)) {
        err = ENOMEM;
        goto out;
    }
    for (f = mman__find(start); f && f->node.start < end;
         f = mman__next_before(f, end))
        if ((prot & ~f->view->max_prot) &&
            f->view->kind == MMAN_VIEW_FILE) {
            err = EACCES;
            goto out;
        }
#ifdef MMAN_CE
    /* POSIX allows ENOTSUP for protections the system cannot give; CE
     * protects only pages of VirtualAlloc (WINCE.md 4.5), so a shared
     * file mapping keeps what mmap gave it. */
    for (f = mman__find(start); f && f->node.start < end;
         f = mman__next_before(f, end))
        if (f->view->kind == MMAN_VIEW_FILE && prot != f->prot) {
            err = ENOTSUP;
            goto out;
        }
#endif
    err = mman__split_around(start, end);
    for (f = mman__find(start); !err && f && f->node.start < end;
         f = mman__next_before(f, end))
        n++;
    old = err || n <= OLD_ON_STACK ? on_stack
                                   : malloc(sizeof *old * (size_t)n);
    if (!err && !old)
        err = ENOMEM;
    i = 0;
    for (f = mman__find(start); !err && f && f->node.start < end;
         f = mman__next_before(f, end)) {
        err = mman__view_protect(f->view, f->node.start, f->node.end, prot);
        if (!err) {
            old[i++] = f->prot;
            f->prot = prot;
        }
    }
    if (err && old) {
        /* Put back what was changed. */
        n = i;
        for (f = mman__find(start), i = 0; i < n; f = mman__next(f), i++) {
            mman__view_protect(f->view, f->node.start, f->node.end, old[i]);
            f->prot = old[i];
        }
    }
    mman__merge_around(start, end);
out:
    mman__unlock();
    if (old != on_stack)
        free(old);
    return err ? mman__fail(err) : 0;
}
