#include "internal.h"

/* Takes [s, e) out of fragment f, which holds it. 0 or an errno value;
 * on failure f and its pages are as they were. */
static int cut(struct mman_fragment *f, char *s, char *e)
{
    struct mman_view *view = f->view;
    struct mman_fragment *high = NULL;
    char *old_end = f->node.end;
    int err;

    if (s == f->node.start && e == f->node.end && view->fragments == 1) {
        mman__remove(f);
        mman__view_destroy(view);
        return 0;
    }
    if (s > f->node.start && e < f->node.end) {
        high = mman__split(f, e);
        if (!high)
            return ENOMEM;
    }
#ifndef MMAN_CE
    /* Windows may refuse to make locked pages inaccessible. */
    if (f->locked)
        mman__unlock_pages(s, (size_t)(e - s));
#endif
    err = mman__view_kill_pages(view, s, e);
    if (err) {
        if (high) {
            mman__remove(high);
            f->node.end = old_end;
        }
        return err;
    }
    if (s == f->node.start && e == f->node.end)
        mman__remove(f);
    else if (s == f->node.start)
        f->node.start = e; /* no fragment starts in between: order kept */
    else
        f->node.end = s;
    return 0;
}

int mman__unmap_locked(char *start, char *end)
{
    struct mman_fragment *f = mman__first_ending_after(start);
    char *s, *e;
    int err;

    while (f && f->node.start < end) {
        s = f->node.start > start ? f->node.start : start;
        e = f->node.end < end ? f->node.end : end;
        err = cut(f, s, e);
        if (err)
            return err;
        f = mman__first_ending_after(e);
    }
    return 0;
}

/* POSIX says munmap removes whole pages, that a range with nothing
 * mapped is no error, and that one outside the process's address space
 * is EINVAL; Linux adds EINVAL for length 0. */
int munmap(void *addr, size_t len)
{
    uintptr_t start = (uintptr_t)addr, top, rounded;
    int err;

    mman__init();
    top = mman__highest_address + 1;
    rounded = MMAN_ROUND_UP(len, mman__page_size);
    if (start % mman__page_size || len == 0 || rounded < len ||
        start > top || rounded > top - start)
        return mman__fail(EINVAL);
    mman__lock();
    err = mman__unmap_locked((char *)start, (char *)(start + rounded));
    mman__unlock();
    return err ? mman__fail(err) : 0;
}
