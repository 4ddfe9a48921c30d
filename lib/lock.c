/* What mlock, munlock, mlockall and munlockall share: locking the pages
 * of fragments, and the record of which are locked. */
#include "internal.h"

int mman__lock_future;

#ifdef MMAN_CE
/* POSIX lets mlock lock pages in memory; CE never pages anonymous or
 * mapped memory out and has no call to lock pages (VirtualLock is
 * missing, LockPages is kernel-mode), so locking records the pages as
 * locked and does nothing else: <sys/mman.h> says so with
 * _POSIX_MEMLOCK -1. */
static int lock_fragment(struct mman_fragment *f)
{
    (void)f;
    return 0;
}

static void unlock_fragment(struct mman_fragment *f)
{
    f->locked = 0;
}
#else
/* The part of fragment f whose pages can be locked: NULL when none.
 * POSIX lets mlock lock PROT_NONE memory, which Linux does without
 * bringing it in; Windows locks only accessible pages, so there is
 * nothing to do for them now. Pages past end of file do not exist. */
static char *lockable_end(const struct mman_fragment *f)
{
    char *end = mman__fragment_pages_end(f);

    return f->prot != PROT_NONE && end > f->node.start ? end : NULL;
}

/* Windows says a process may lock only what fits in its working set
 * (ERROR_WORKING_SET_QUOTA; Wine says ERROR_ACCESS_DENIED), so grow the
 * working set by the size asked and try again. */
static int lock_pages(char *start, size_t len)
{
    if (mman__lock_pages(start, len))
        return 0;
    if (GetLastError() != ERROR_WORKING_SET_QUOTA &&
        GetLastError() != ERROR_ACCESS_DENIED)
        return mman__errno_from_win32(GetLastError());
    if (!mman__grow_working_set(len))
        return ENOMEM; /* over the limit the system sets */
    if (mman__lock_pages(start, len))
        return 0;
    /* still over the quota: EAGAIN; anything else says what it is */
    return mman__errno_from_win32(GetLastError() == ERROR_ACCESS_DENIED
                                      ? ERROR_WORKING_SET_QUOTA
                                      : GetLastError());
}

/* Locks fragment f. Pages of MAP_NORESERVE memory are brought in first,
 * as Linux does. */
static int lock_fragment(struct mman_fragment *f)
{
    char *end = lockable_end(f);
    size_t len;

    if (!end)
        return 0;
    len = (size_t)(end - f->node.start);
    if (f->view->kind == MMAN_VIEW_ANONYMOUS && f->view->noreserve &&
        !mman__commit(f->node.start, len,
                      mman__page_protection(f->prot, 0)))
        return mman__errno_from_win32(GetLastError());
    return lock_pages(f->node.start, len);
}

static void unlock_fragment(struct mman_fragment *f)
{
    char *end = lockable_end(f);

    /* Nothing can fail here that leaves pages locked: ERROR_NOT_LOCKED
     * means there was nothing to undo. */
    if (end)
        mman__unlock_pages(f->node.start, (size_t)(end - f->node.start));
    f->locked = 0;
}
#endif

int mman__lock_range(char *start, char *end)
{
    struct mman_fragment *f;
    int err = mman__split_around(start, end);

    for (f = mman__first_ending_after(start); !err && f && f->node.start < end;
         f = mman__next(f)) {
        if (f->locked)
            continue;
        err = lock_fragment(f);
        if (!err)
            f->locked = 2; /* by this call */
    }
    /* On failure, undo what this call locked; the rest keep theirs. */
    for (f = mman__first_ending_after(start); f && f->node.start < end;
         f = mman__next(f)) {
        if (f->locked == 2 && err)
            unlock_fragment(f);
        else if (f->locked == 2)
            f->locked = 1;
    }
    mman__merge_around(start, end);
    return err;
}

int mman__unlock_range(char *start, char *end)
{
    struct mman_fragment *f;
    int err = mman__split_around(start, end);

    for (f = mman__first_ending_after(start); !err && f && f->node.start < end;
         f = mman__next(f))
        if (f->locked)
            unlock_fragment(f);
    mman__merge_around(start, end);
    return err;
}

int mman__range_locked(char *start, char *end)
{
    struct mman_fragment *f = mman__first_ending_after(start);

    for (; f && f->node.start < end; f = mman__next(f))
        if (f->locked)
            return 1;
    return 0;
}

int mman__lock_call(const void *addr, size_t len,
                    int (*act)(char *start, char *end))
{
    char *start, *end;
    int err;

    mman__init();
    err = mman__range_rounded(addr, len, &start, &end);
    if (err)
        return mman__fail(err);
    if (start == end)
        return 0;
    mman__lock();
    err = mman__range_mapped(start, end) ? act(start, end) : ENOMEM;
    mman__unlock();
    return err ? mman__fail(err) : 0;
}
