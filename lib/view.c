/* What happens to the pages of one view: protect, kill, give back. */
#include "internal.h"

char *mman__view_mapped_end(const struct mman_view *view)
{
    return view->node.start + MMAN_ROUND_UP(view->mapped, mman__page_size);
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

/* MAP_NORESERVE memory is committed page by page as it is touched, and
 * VirtualProtect refuses reserved pages: protect the committed runs. */
static int protect_committed(char *start, char *end, DWORD protect)
{
    MEMORY_BASIC_INFORMATION info;
    char *p = start, *run_end;

    while (p < end) {
        if (!mman__query(p, &info))
            return mman__errno_from_win32(GetLastError());
        run_end = (char *)info.BaseAddress + info.RegionSize;
        if (run_end > end)
            run_end = end;
        if (info.State == MEM_COMMIT &&
            !mman__protect(p, (size_t)(run_end - p), protect))
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
        if (view->noreserve)
            return protect_committed(start, end, protect);
    } else {
        if (!clip_to_mapped(view, &start, &end))
            return 0;
        protect = mman__page_protection(prot, !view->shared);
    }
    if (!mman__protect(start, (size_t)(end - start), protect))
        return mman__errno_from_win32(GetLastError());
    return 0;
}

/* POSIX says unmapped pages are gone; Windows frees a reservation or a
 * view only whole, so dead pages of a live view are decommitted
 * (anonymous) or made inaccessible (file) until the view goes. */
int mman__view_kill_pages(struct mman_view *view, char *start, char *end)
{
    if (view->kind == MMAN_VIEW_ANONYMOUS) {
        if (!mman__decommit(start, (size_t)(end - start)))
            return mman__errno_from_win32(GetLastError());
        return 0;
    }
    if (!clip_to_mapped(view, &start, &end))
        return 0;
    if (!mman__protect(start, (size_t)(end - start), PAGE_NOACCESS))
        return mman__errno_from_win32(GetLastError());
    return 0;
}

void mman__view_destroy(struct mman_view *view)
{
    /* Each of these gives back something this view made and still
     * holds; none can fail for a valid argument, so there is nothing to
     * undo if one did. */
    if (view->kind == MMAN_VIEW_ANONYMOUS) {
        mman__release(view->node.start);
    } else {
        if (view->mapped)
            mman__unmap_view(view->node.start);
        if (view->tail)
            mman__release(view->tail);
        if (view->section)
            mman__close(view->section);
        if (view->file)
            mman__close(view->file);
    }
    mman__view_forget(view);
}
