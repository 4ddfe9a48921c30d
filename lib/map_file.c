/* File mappings: a view over the part inside the file, a reserved tail
 * for the part past end of file. */
#include "internal.h"

/* How a view of this file may be made: the most access the descriptor
 * allows, so that mprotect can raise protection later. */
static void choose_access(struct mman_view *v, int writable, int exec)
{
    if (!v->shared) {
        v->section_protect = exec ? PAGE_EXECUTE_WRITECOPY : PAGE_WRITECOPY;
        v->view_access = FILE_MAP_COPY;
        v->max_prot = PROT_READ | PROT_WRITE;
    } else if (writable) {
        v->section_protect = exec ? PAGE_EXECUTE_READWRITE : PAGE_READWRITE;
        v->view_access = FILE_MAP_WRITE;
        v->max_prot = PROT_READ | PROT_WRITE;
    } else {
        v->section_protect = exec ? PAGE_EXECUTE_READ : PAGE_READONLY;
        v->view_access = FILE_MAP_READ;
        v->max_prot = PROT_READ;
    }
    if (exec) {
        v->view_access |= FILE_MAP_EXECUTE;
        v->max_prot |= PROT_EXEC;
    }
}

/* Makes the section with the most access the handle allows. Windows
 * tells what a handle may do by refusing, which costs less than asking:
 * a shared section is tried read-write, then read-only. Learns the
 * descriptor's access on the way. 0 or a Win32 error. */
static DWORD make_section(struct mman_view *v, HANDLE h,
                          struct mman_file *file, int exec)
{
    int writable = file->writable < 0 ? v->shared : file->writable;

    for (; writable >= 0; writable--) {
        choose_access(v, writable, exec);
        v->section = mman__create_section(h, v->section_protect, 0, NULL);
        if (v->section) {
            file->readable = 1;
            if (v->shared)
                file->writable = writable;
            return 0;
        }
        if (GetLastError() != ERROR_ACCESS_DENIED || !v->shared)
            break;
    }
    if (GetLastError() == ERROR_ACCESS_DENIED)
        file->readable = 0;
    return GetLastError();
}

/* POSIX: the descriptor must be open for reading, and for writing too
 * when a shared mapping may write. */
static int access_denied(const struct mman_request *req,
                         const struct mman_file *file)
{
    return !file->readable ||
           (req->shared && (req->prot & PROT_WRITE) && !file->writable);
}

/* Why a file that is not a regular one cannot be mapped: Linux checks
 * the access first. */
static int refusal(const struct mman_request *req,
                   const struct mman_file *file)
{
    return access_denied(req, file) ? EACCES : ENODEV;
}

/* The protection a fresh view's pages have. */
static DWORD view_default_protection(const struct mman_view *v)
{
    return mman__page_protection(v->max_prot, !v->shared);
}

/* Places the view and its tail at low, or anywhere when low is NULL.
 * Sets v->node, v->mapped and v->tail. 0 or a Win32 error. */
static DWORD place(struct mman_view *v, char *low, size_t span,
                   size_t mapped)
{
    char *base = low, *tail;
    size_t in_view = MMAN_ROUND_UP(mapped, mman__granularity);
    int tries;

    for (tries = 0; tries < 16; tries++) {
        /* Find room for view and tail together, then give it back and
         * place them there at once: Win32 cannot put a view inside a
         * reservation. Another thread may take the room in between;
         * then try again. A view that may grow (it ends before the
         * mapping does) is placed high, for growing gives its room up
         * for a moment (mman__view_grow). */
        if (!low && mapped < span) {
            base = mman__reserve_high(span);
            if (!base || !mman__release(base))
                return GetLastError();
        }
        if (mapped) {
            base = mman__map_view(v->section, v->view_access, v->offset,
                                  mapped, base);
            if (!base) {
                if (!low && GetLastError() == ERROR_INVALID_ADDRESS)
                    continue;
                return GetLastError();
            }
        }
        tail = NULL;
        if (in_view < span) {
            tail = mman__reserve(base + in_view, span - in_view);
            if (!tail) {
                DWORD error = GetLastError();

                if (mapped)
                    mman__unmap_view(base);
                if (!low && error == ERROR_INVALID_ADDRESS)
                    continue;
                return error;
            }
        }
        v->node.start = base;
        v->node.end = base + span;
        v->mapped = mapped;
        v->tail = tail;
        return 0;
    }
    return ERROR_NOT_ENOUGH_MEMORY;
}

/* Our own handle on the file: the mapping outlives close(fd), msync must
 * reach the file and growth must see its size. PROT_EXEC needs a handle
 * with execute access, which C runtime descriptors have only from
 * shm_open. */
static DWORD keep_file(struct mman_view *v, const struct mman_file *file,
                       int exec)
{
    DWORD access = GENERIC_READ | GENERIC_EXECUTE;

    if (exec && file->executable != 1) {
        if (v->shared && file->writable)
            access |= GENERIC_WRITE;
        return mman__reopen(file->handle, access, &v->file)
                   ? 0
                   : GetLastError();
    }
    return mman__duplicate(file->handle, &v->file) ? 0 : GetLastError();
}

static void *map_locked(const struct mman_request *req,
                        struct mman_file *file, uint64_t off)
{
    struct mman_view v = {0}, *view;
    uint64_t delta = off % mman__granularity;
    size_t span = (size_t)delta + req->len, mapped = 0;
    char *low = NULL, *start;
    int exec = (req->prot & PROT_EXEC) != 0;
    DWORD error = 0;
    int err;

    v.kind = MMAN_VIEW_FILE;
    v.shared = req->shared;
    v.offset = off - delta;
    if (file->size > off)
        mapped = (size_t)((file->size < off + req->len ? file->size
                                                       : off + req->len) -
                          v.offset);
    /* The access is learnt from the section when there is one; without
     * one, or to reopen for PROT_EXEC, it is asked for. */
    if (!mapped && mman__file_not_regular(file))
        return mman__fail_ptr(refusal(req, file));
    if (exec || !mapped) {
        mman__file_access(file);
        if (access_denied(req, file))
            return mman__fail_ptr(EACCES);
        choose_access(&v, file->writable, exec);
    }
    if (exec)
        error = keep_file(&v, file, exec);
    if (!error && mapped)
        error = make_section(&v, v.file ? v.file : file->handle, file, exec);
    if (!error && access_denied(req, file))
        error = ERROR_ACCESS_DENIED;
    if (!error && !exec && (v.shared || mapped < span))
        error = keep_file(&v, file, 0);
    if (error) {
        mman__view_give_back(&v);
        if (mman__file_not_regular(file))
            return mman__fail_ptr(refusal(req, file));
        return mman__fail_win32_ptr(error);
    }
    if (req->fixed) {
        /* POSIX lets MAP_FIXED place a file page at any page; Windows
         * places a view only at a 64 KiB boundary, so the address must
         * sit at the same place in its 64 KiB block as off does in
         * the file. Checked after the access, which Linux checks
         * first. */
        low = req->fixed - delta;
        err = (uintptr_t)req->fixed % mman__granularity != delta
                  ? EINVAL
                  : mman__fixed_check(low, req->fixed,
                                      req->fixed + req->len, 1);
        if (!err)
            err = mman__fixed_carve(
                low,
                (char *)MMAN_ROUND_UP((uintptr_t)(req->fixed + req->len),
                                      mman__granularity),
                req->fixed, req->fixed + req->len);
        if (!err)
            err = mman__unmap_locked(req->fixed, req->fixed + req->len);
        if (err) {
            mman__view_give_back(&v);
            return mman__fail_ptr(err);
        }
    }
    if (!req->fixed && req->hint)
        low = (char *)MMAN_ROUND_DOWN((uintptr_t)req->hint,
                                      mman__granularity);
    error = place(&v, low, span, mapped);
    if (error && low && !req->fixed)
        error = place(&v, NULL, span, mapped);
    if (error) {
        mman__view_give_back(&v);
        return mman__fail_win32_ptr(error);
    }
    start = v.node.start + delta;
    view = mman__view_new(MMAN_VIEW_FILE, v.node.start, span);
    if (view) {
        struct mman_node node = view->node;

        *view = v;
        view->node = node;
        view->fragments = 0;
        if (!mman__insert(start, start + req->len, req->prot, view)) {
            mman__view_forget(view);
            view = NULL;
        }
    }
    if (!view) {
        mman__view_give_back(&v);
        return mman__fail_ptr(ENOMEM);
    }
    /* The head below off is not part of the mapping: no access. */
    err = delta && mapped
              ? mman__view_kill_pages(view, view->node.start, start)
              : 0;
    if (!err && mman__page_protection(req->prot, !v.shared) !=
                    view_default_protection(view))
        err = mman__view_protect(view, start, start + req->len, req->prot);
    if (err) {
        mman__unmap_locked(start, start + req->len);
        return mman__fail_ptr(err);
    }
    return start;
}

void *mman__map_file(const struct mman_request *req, int fd, uint64_t off)
{
    struct mman_file file;
    void *result;
    int err = mman__file_from_fd(fd, &file);

    if (err)
        return mman__fail_ptr(err == ENODEV ? refusal(req, &file) : err);
    mman__lock();
    result = map_locked(req, &file, off);
    mman__unlock();
    return result;
}
