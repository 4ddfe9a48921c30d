/* Anonymous mappings: one VirtualAlloc reservation each. */
#include "internal.h"

/* Whether pages of this request are committed now, or only reserved:
 * MAP_NORESERVE pages on first touch, PROT_NONE pages when mprotect
 * opens them (a PROT_NONE reservation costs no memory, as on Linux). */
static int commit_now(const struct mman_request *req)
{
    return !req->noreserve && req->prot != PROT_NONE;
}

/* A new reservation, committed if the request wants it now. */
static char *allocate(char *at, size_t len, const struct mman_request *req)
{
    if (!commit_now(req))
        return mman__reserve(at, len);
#ifdef MMAN_CE
    /* CE 5 gives a process a 32 MB slot; a reservation of 2 MB or more
     * made without access, then committed, lands outside it, in the
     * shared Large Memory Area (WINCE.md 1, VirtualAlloc). */
    if (len >= MMAN_CE_LARGE) {
        char *base = mman__reserve(at, len);

        if (base && !mman__commit(base, len,
                                  mman__page_protection(req->prot, 0))) {
            DWORD error = GetLastError();

            mman__release(base);
            SetLastError(error);
            base = NULL;
        }
        return base;
    }
#endif
    return mman__allocate(at, len, mman__page_protection(req->prot, 0));
}

/* The next anonymous view after view that begins where it ends, or
 * NULL. */
static struct mman_view *adjacent_anonymous(const struct mman_view *view)
{
    struct mman_view *next = mman__view_at(view->node.end);

    return next && next->kind == MMAN_VIEW_ANONYMOUS ? next : NULL;
}

/* Whether [start, end) lies wholly in anonymous reservations that follow
 * each other without a gap, the first of them first. */
static int inside_reservations(struct mman_view *first, char *end)
{
    struct mman_view *view = first;

    while (view && view->kind == MMAN_VIEW_ANONYMOUS) {
        if (end <= view->node.end)
            return 1;
        view = adjacent_anonymous(view);
    }
    return 0;
}

/* Adds delta to the fragment count of every view of the run from first
 * that [.., end) touches; a view left with none is destroyed. */
static void pin_views(struct mman_view *first, char *end, int delta)
{
    struct mman_view *view = first, *next;

    for (; view && view->node.start < end; view = next) {
        next = adjacent_anonymous(view);
        view->fragments += delta;
        if (view->fragments == 0)
            mman__view_destroy(view);
    }
}

/* Fresh zero pages over the part of [start, end) that view owns. */
static int fill_view(struct mman_view *view, char *start, char *end,
                     const struct mman_request *req)
{
    char *from = start > view->node.start ? start : view->node.start;
    char *to = end < view->node.end ? end : view->node.end;
    struct mman_fragment *f;

    /* Unmapped pages munmap could not decommit still hold their data,
     * which a commit keeps: decommitted here, they come back zero. */
    if (!mman__decommit(from, (size_t)(to - from)) ||
        (commit_now(req) &&
         !mman__commit(from, (size_t)(to - from),
                       mman__page_protection(req->prot, 0))))
        return mman__errno_from_win32(GetLastError());
    f = mman__insert(from, to, req->prot, view);
    if (!f)
        return ENOMEM;
    f->shared = req->shared;
    view->noreserve |= req->noreserve;
    return 0;
}

/* POSIX says MAP_FIXED replaces what was there. Inside our anonymous
 * reservations that is possible at page granularity, also across
 * several adjacent ones: unmap, then commit fresh zero pages in place,
 * one fragment per reservation. POSIX lets a MAP_FIXED that fails leave
 * the range unmapped, which is what a failure part-way does. */
static void *fixed_in_reservations(struct mman_view *first,
                                   const struct mman_request *req)
{
    char *start = req->fixed, *end = req->fixed + req->len;
    struct mman_view *view;
    int err;

    pin_views(first, end, 1); /* keep the views alive through the unmap */
    err = mman__unmap_locked(start, end);
    for (view = first; !err && view && view->node.start < end;
         view = adjacent_anonymous(view))
        err = fill_view(view, start, end, req);
    if (err)
        mman__unmap_locked(start, end);
    pin_views(first, end, -1);
    return err ? mman__fail_ptr(err) : start;
}

/* A new reservation at low (or, without MAP_FIXED, anywhere) whose
 * mapping starts at start (NULL: at the reservation's base). */
static void *place(char *low, size_t span, char *start,
                   const struct mman_request *req)
{
    char *base = NULL;
    int head = start && start > low;
    struct mman_view *view;
    int err = 0;

    /* Without MAP_FIXED, addr is a hint: try it, then anywhere. */
    if (low)
        base = head ? mman__reserve(low, span) : allocate(low, span, req);
    if (!base && !req->fixed)
        base = allocate(NULL, span, req);
    if (!base)
        return mman__fail_win32_ptr(GetLastError());
    if (!start)
        start = base;
    if (head && commit_now(req) &&
        !mman__commit(start, (size_t)(base + span - start),
                      mman__page_protection(req->prot, 0)))
        err = mman__errno_from_win32(GetLastError());
    view = err ? NULL : mman__view_new(MMAN_VIEW_ANONYMOUS, base, span);
    if (view)
        view->shared = req->shared;
    if (view && !mman__insert(start, base + span, req->prot, view)) {
        mman__view_forget(view);
        view = NULL;
    }
    if (!view) {
        mman__release(base);
        return mman__fail_ptr(err ? err : ENOMEM);
    }
    view->noreserve = req->noreserve;
    return start;
}

void *mman__map_anonymous(const struct mman_request *req)
{
    char *low, *end;
    struct mman_view *view;
    void *result;
    int err;

    mman__lock();
    if (!req->fixed) {
        result = place(req->hint ? (char *)MMAN_ROUND_DOWN(
                                       (uintptr_t)req->hint,
                                       mman__granularity)
                                 : NULL,
                       req->len, NULL, req);
        mman__unlock();
        return result;
    }
    end = req->fixed + req->len;
    view = mman__view_at(req->fixed);
    if (inside_reservations(view, end)) {
        result = fixed_in_reservations(view, req);
        mman__unlock();
        return result;
    }
    low = (char *)MMAN_ROUND_DOWN((uintptr_t)req->fixed, mman__granularity);
    err = mman__fixed_check(low, req->fixed, end, 0);
    if (!err)
        err = mman__unmap_locked(req->fixed, end);
    result = err ? mman__fail_ptr(err)
                 : place(low, (size_t)(end - low), req->fixed, req);
    mman__unlock();
    return result;
}
