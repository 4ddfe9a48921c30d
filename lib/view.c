/* What happens to the pages of one view: protect, kill, give back. */
#include "internal.h"

char *mman__view_mapped_end(const struct mman_view *view)
{
    return view->node.start + MMAN_ROUND_UP(view->mapped, mman__page_size);
}

char *mman__fragment_pages_end(const struct mman_fragment *f)
{
    char *mapped_end;

    if (f->view->kind == MMAN_VIEW_ANONYMOUS)
        return f->node.end;
    mapped_end = mman__view_mapped_end(f->view);
    if (mapped_end > f->node.end)
        return f->node.end;
    return mapped_end > f->node.start ? mapped_end : f->node.start;
}

/* Clips [*start, *end) to the part of a file view backed by the file;
 * returns 0 when nothing of it is. */
static int clip_to_mapped(const struct mman_view *view, char **start,
                          char **end)
{
    char *mapped_end = mman__view_mapped_end(view);

    if (*end > mapped_end)
        *end = mapped_end;
    return *start < *end;
}

/* Anonymous pages may be only reserved (MAP_NORESERVE until touched,
 * PROT_NONE until opened), and VirtualProtect refuses reserved pages:
 * protect the committed runs, and commit reserved ones that prot opens
 * unless they wait for their first touch. */
static int protect_runs(char *start, char *end, DWORD protect,
                        int commit_reserved)
{
    MEMORY_BASIC_INFORMATION info;
    char *p = start, *run_end;
    size_t len;

    while (p < end) {
        if (!mman__query(p, &info))
            return mman__errno_from_win32(GetLastError());
        run_end = (char *)info.BaseAddress + info.RegionSize;
        if (run_end > end)
            run_end = end;
        len = (size_t)(run_end - p);
        if (info.State == MEM_COMMIT && !mman__protect(p, len, protect))
            return mman__errno_from_win32(GetLastError());
        if (info.State == MEM_RESERVE && commit_reserved &&
            !mman__commit(p, len, protect))
            return mman__errno_from_win32(GetLastError());
        p = run_end;
    }
    return 0;
}

int mman__view_protect(struct mman_view *view, char *start, char *end,
                       int prot)
{
    DWORD protect;

    if (view->kind == MMAN_VIEW_ANONYMOUS) {
        protect = mman__page_protection(prot, 0);
        /* the usual case, all committed, takes one call */
        if (mman__protect(start, (size_t)(end - start), protect))
            return 0;
        if (GetLastError() != ERROR_INVALID_ADDRESS)
            return mman__errno_from_win32(GetLastError());
        return protect_runs(start, end, protect,
                            !view->noreserve && prot != PROT_NONE);
    }
    if (!clip_to_mapped(view, &start, &end))
        return 0;
#ifdef MMAN_CE
    /* CE documents VirtualProtect only within one VirtualAlloc region
     * (WINCE.md 4.5), so a view keeps the protection it was mapped
     * with: mprotect refuses to change it (ENOTSUP) before this. */
    if (view->kind == MMAN_VIEW_FILE)
        return 0;
#endif
    protect = mman__page_protection(prot, !view->shared);
    if (!mman__protect(start, (size_t)(end - start), protect))
        return mman__errno_from_win32(GetLastError());
    return 0;
}

/* POSIX says unmapped pages are gone; Windows frees a reservation or a
 * view only whole, so dead pages of a live view are decommitted
 * (anonymous) or made inaccessible (file) until the view goes. */
int mman__view_kill_pages(struct mman_view *view, char *start, char *end)
{
    /* Pages that cannot be decommitted are dead all the same when no
     * access is left to them; their memory comes back with the view. */
    if (view->kind != MMAN_VIEW_FILE) {
        if (mman__decommit(start, (size_t)(end - start)) ||
            mman__protect(start, (size_t)(end - start), PAGE_NOACCESS))
            return 0;
        return mman__errno_from_win32(GetLastError());
    }
    if (!clip_to_mapped(view, &start, &end))
        return 0;
#ifdef MMAN_CE
    /* POSIX says unmapped pages are gone; CE can neither unmap part of a
     * view nor protect its pages (WINCE.md 4.5), so they stay readable
     * until the view goes, though no longer a mapping (README). */
    return 0;
#endif
    if (!mman__protect(start, (size_t)(end - start), PAGE_NOACCESS))
        return mman__errno_from_win32(GetLastError());
    return 0;
}

void mman__view_give_back(struct mman_view *view)
{
    /* Each of these gives back something this view made and still
     * holds; none can fail for a valid argument, so there is nothing to
     * undo if one did. */
    if (view->kind != MMAN_VIEW_FILE) {
        mman__release(view->node.start);
        if (view->section)
            mman__close(view->section);
        return;
    }
    if (view->mapped)
        mman__unmap_view(view->node.start);
    if (view->tail)
        mman__release(view->tail);
    if (view->section)
        mman__close(view->section);
    if (view->file)
        mman__close(view->file);
}

void mman__view_destroy(struct mman_view *view)
{
    mman__view_give_back(view);
    mman__view_forget(view);
}
