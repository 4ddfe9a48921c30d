/* Anonymous mappings: one VirtualAlloc reservation each. */
#include "internal.h"

/* A new reservation, committed unless MAP_NORESERVE. */
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
    return mman__allocate(at, len, mman__page_protection(req->prot, 0));
}

/* POSIX says MAP_FIXED replaces what was there. Inside one of our
 * anonymous reservations that is possible at page granularity: unmap,
 * then commit fresh zero pages in place. */
static void *fixed_in_view(struct mman_view *view,
                           const struct mman_request *req)
{
    char *start = req->fixed, *end = req->fixed + req->len;
    int err;

    view->fragments++; /* keep the view alive through the unmap */
    err = mman__unmap_locked(start, end);
    view->fragments--;
    if (!err && commit_now(req) &&
        !mman__commit(start, req->len, mman__page_protection(req->prot, 0)))
        err = mman__errno_from_win32(GetLastError());
    if (!err && !mman__insert(start, end, req->prot, view))
        err = ENOMEM;
    if (err) {
        if (view->fragments == 0)
            mman__view_destroy(view);
        return mman__fail_ptr(err);
    }
    view->noreserve |= req->noreserve;
    return start;
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
    if (view && view->kind == MMAN_VIEW_ANONYMOUS && end <= view->node.end) {
        result = fixed_in_view(view, req);
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
