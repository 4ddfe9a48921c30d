#include "internal.h"

/* FlushViewOfFile may meet a lock held by the cache manager and fail
 * with ERROR_LOCK_VIOLATION; that is transient, so try again. */
static int flush_view(char *start, char *end)
{
    int tries;

    for (tries = 0; tries < 100; tries++) {
        if (mman__flush_view(start, (size_t)(end - start)))
            return 0;
        if (GetLastError() != ERROR_LOCK_VIOLATION)
            return mman__errno_from_win32(GetLastError());
        Sleep(tries < 10 ? 0 : 1);
    }
    return EBUSY;
}

/* POSIX says MS_SYNC returns once the data is on disk; Windows'
 * FlushViewOfFile only starts the write-back, so MS_SYNC adds
 * FlushFileBuffers on our own handle to the file (which outlives the
 * descriptor). Private and anonymous memory has nothing to write. */
static int sync_fragment(struct mman_fragment *f, int flags,
                         struct mman_view **last_synced)
{
    struct mman_view *v = f->view;
    char *s = f->node.start, *e = mman__fragment_pages_end(f);
    int err;

    /* Read-only views have nothing to write back (and FlushFileBuffers
     * needs a writable handle). */
    if (v->kind != MMAN_VIEW_FILE || !v->shared ||
        !(v->view_access & FILE_MAP_WRITE))
        return 0;
    if (s == e)
        return 0;
    err = flush_view(s, e);
#ifdef MMAN_CE
    /* CE flushes the view into the file, and keeps no handle of ours
     * on it to flush further (README, "Windows CE"). */
    (void)flags;
    (void)last_synced;
    return err;
#else
    if (err || !(flags & MS_SYNC) || *last_synced == v)
        return err;
    *last_synced = v;
    if (!mman__flush_file(v->file))
        return mman__errno_from_win32(GetLastError());
    return 0;
#endif
}

int msync(void *addr, size_t len, int flags)
{
    struct mman_fragment *f;
    struct mman_view *last_synced = NULL;
    char *start, *end;
    int err;

    mman__init();
    if ((flags & ~(MS_ASYNC | MS_SYNC | MS_INVALIDATE)) ||
        (flags & (MS_ASYNC | MS_SYNC)) == (MS_ASYNC | MS_SYNC))
        return mman__fail(EINVAL);
    err = mman__range_from(addr, len, &start, &end);
    if (err)
        return mman__fail(err);
    if (start == end)
        return 0;
    mman__lock();
    /* POSIX says MS_INVALIDATE fails with EBUSY on locked pages; Linux
     * says so before it looks for unmapped ones. */
    if ((flags & MS_INVALIDATE) && mman__range_locked(start, end))
        err = EBUSY;
    else if (!mman__range_mapped(start, end))
        err = ENOMEM;
    /* MS_INVALIDATE: views of a file are coherent with it on Windows,
     * so the mapping already shows the file's contents. */
    for (f = mman__find(start); !err && f && f->node.start < end;
         f = mman__next(f))
        err = sync_fragment(f, flags, &last_synced);
    mman__unlock();
    return err ? mman__fail(err) : 0;
}
