/* File mappings on Windows CE (WINCE.md sections 1 and 4.3).
 *
 * CE places every view itself (no MapViewOfFileEx), maps files only for
 * reading or writing (no FILE_MAP_COPY, no execute), and protects pages
 * of VirtualAlloc only. So:
 *   MAP_SHARED   one view, anywhere, of one mapping object that every
 *                mapping of the file shares, then a reserved no-access
 *                tail for the pages past end of file;
 *   MAP_PRIVATE  a copy: anonymous memory holding the file's bytes;
 *   MAP_FIXED    EINVAL (no view can be placed).
 * README, "Windows CE", says what each gives up. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

/* POSIX: the descriptor must be open for reading, and for writing too
 * when a shared mapping may write. */
static int access_denied(const struct mman_request *req,
                         const struct mman_file *file)
{
    return !file->readable ||
           (req->shared && (req->prot & PROT_WRITE) && !file->writable);
}

/* The bytes of the file in [off, off + len). */
static size_t bytes_in_file(const struct mman_file *file, uint64_t off,
                            size_t len)
{
    if (file->size <= off)
        return 0;
    return file->size - off < len ? (size_t)(file->size - off) : len;
}

/* CE warns that two mapping objects of one file need not agree (KB
 * 888610); desktop Windows gives back an existing object for a name.
 * So the object is named after the file (volume, index), its size and
 * its access: every mapping of the file made while it has that size
 * shares one object, in this process and in others. 0 or a Win32
 * error. */
static DWORD shared_section(struct mman_view *v, HANDLE file,
                            uint64_t size)
{
    BY_HANDLE_FILE_INFORMATION id;
    wchar_t name[96];
    int writable = v->section_protect == PAGE_READWRITE;

    if (!mman__file_identity(file, &id))
        return GetLastError();
    swprintf(name, sizeof name / sizeof name[0],
             L"mman-%08lx-%08lx%08lx-%llx-%ls",
             (unsigned long)id.dwVolumeSerialNumber,
             (unsigned long)id.nFileIndexHigh,
             (unsigned long)id.nFileIndexLow, (unsigned long long)size,
             writable ? L"rw" : L"r");
    v->section = mman__create_section(file, v->section_protect, 0, name);
    return v->section ? 0 : GetLastError();
}

/* How many views may be held aside while looking for one whose next
 * pages are free. */
#define HELD_VIEWS 32

/* Places the view anywhere, then its tail right after it. When what
 * follows the view is taken, the view is held while another is made, so
 * that the next one lands elsewhere; the held ones go at the end. (On a
 * device, whether a reservation can follow a view in CE 5's shared
 * region is not known: README, "Windows CE".) 0 or a Win32 error. */
static DWORD place_shared(struct mman_view *v, size_t span, size_t mapped)
{
    size_t in_view = MMAN_ROUND_UP(mapped, mman__granularity);
    char *held[HELD_VIEWS], *base = NULL;
    DWORD error = 0;
    int n = 0;

    if (!mapped) {
        base = v->tail = mman__reserve(NULL, span);
        if (!base)
            return GetLastError();
    }
    while (mapped) {
        base = mman__map_view(v->section, v->view_access, v->offset, mapped,
                              NULL);
        if (!base) {
            error = GetLastError();
            break;
        }
        if (in_view >= span)
            break;
        v->tail = mman__reserve(base + in_view, span - in_view);
        if (v->tail)
            break;
        error = GetLastError();
        if (error != ERROR_INVALID_ADDRESS || n == HELD_VIEWS) {
            mman__unmap_view(base);
            break;
        }
        held[n++] = base;
        error = 0;
    }
    while (n > 0)
        mman__unmap_view(held[--n]);
    if (error)
        return error;
    v->node.start = base;
    v->node.end = base + span;
    v->mapped = mapped;
    return 0;
}

/* Registers the view with one fragment over [start, start + len). */
static void *enter(struct mman_view *v, char *start, size_t len, int prot)
{
    struct mman_view *view =
        mman__view_new(v->kind, v->node.start,
                       (size_t)(v->node.end - v->node.start));

    if (view) {
        struct mman_node node = view->node;

        *view = *v;
        view->node = node;
        view->fragments = 0;
        if (!mman__insert(start, start + len, prot, view)) {
            mman__view_forget(view);
            view = NULL;
        }
    }
    return view ? (void *)start : NULL;
}

static void *map_shared(const struct mman_request *req,
                        const struct mman_file *file, uint64_t off)
{
    struct mman_view v = {0};
    uint64_t delta = off % mman__granularity;
    size_t span = (size_t)delta + req->len;
    size_t mapped = bytes_in_file(file, off - delta, span);
    DWORD error = 0;
    void *start;

    /* POSIX lets a mapping have any protection; a CE view has the one
     * it is made with: read, or read and write (WINCE.md 4.3). */
    if (req->prot == PROT_NONE || (req->prot & PROT_EXEC))
        return mman__fail_ptr(ENOTSUP);
    v.kind = MMAN_VIEW_FILE;
    v.shared = 1;
    v.offset = off - delta;
    v.max_prot = file->writable ? PROT_READ | PROT_WRITE : PROT_READ;
    v.section_protect = file->writable ? PAGE_READWRITE : PAGE_READONLY;
    v.view_access = (req->prot & PROT_WRITE) ? FILE_MAP_WRITE : FILE_MAP_READ;
    if (mapped)
        error = shared_section(&v, file->handle, file->size);
    if (!error)
        error = place_shared(&v, span, mapped);
    if (error) {
        mman__view_give_back(&v);
        return mman__fail_win32_ptr(error);
    }
    /* The pages below off in the first 64 KiB stay readable: CE cannot
     * protect them (README). They belong to no mapping. */
    start = enter(&v, v.node.start + delta, req->len, req->prot);
    if (!start) {
        mman__view_give_back(&v);
        return mman__fail_ptr(ENOMEM);
    }
    return start;
}

int mman__copy_file_pages(struct mman_view *v, char *start, char *end,
                          int prot, int fresh)
{
    uint64_t first = v->offset + (uint64_t)(start - v->node.start);
    uint64_t from = MMAN_ROUND_DOWN(first, mman__granularity);
    size_t backed = v->mapped - (size_t)(start - v->node.start);
    size_t size = (size_t)(end - start);
    size_t len = size < backed ? size : backed;
    int writable = (prot & PROT_WRITE) != 0;
    char *window;
    DWORD error = 0;

    if (start == end)
        return 0;
    /* The file's bytes first, so that a failure changes nothing. Pages
     * in use are then written in place: CE has no fault handler to
     * commit pages that a decommit followed by a failed commit would
     * leave without memory. */
    window = mman__map_view(v->section, FILE_MAP_READ, from,
                            (size_t)(first - from) + len, NULL);
    if (!window)
        return mman__errno_from_win32(GetLastError());
    if (fresh ? !mman__commit(start, size, PAGE_READWRITE)
              : !writable && !mman__protect(start, size, PAGE_READWRITE))
        error = GetLastError();
    if (!error) {
        memcpy(start, window + (first - from), len);
        memset(start + len, 0, size - len);
        if ((fresh || !writable) && prot != (PROT_READ | PROT_WRITE) &&
            !mman__protect(start, size, mman__page_protection(prot, 0)))
            error = GetLastError();
    }
    mman__unmap_view(window);
    return mman__errno_from_win32(error);
}

/* POSIX says a private mapping's writes are its own. CE has no
 * copy-on-write for files, so the mapping is a copy, made now: later
 * writes to the file do not show through it (POSIX leaves that open),
 * and pages past end of file stay reserved, so touching them faults. */
static void *map_private(const struct mman_request *req,
                         const struct mman_file *file, uint64_t off)
{
    struct mman_view v = {0};
    size_t mapped = bytes_in_file(file, off, req->len);
    char *base = NULL;
    int err = 0;
    void *start;

    v.kind = MMAN_VIEW_COPY;
    v.offset = off;
    v.max_prot = MMAN_PROT_ALL;
    v.mapped = mapped;
    if (req->hint)
        base = mman__reserve(
            (char *)MMAN_ROUND_DOWN((uintptr_t)req->hint, mman__granularity),
            req->len);
    if (!base)
        base = mman__reserve(NULL, req->len);
    if (!base)
        return mman__fail_win32_ptr(GetLastError());
    v.node.start = base;
    v.node.end = base + req->len;
    if (mapped) {
        v.section = mman__create_section(file->handle, PAGE_READONLY, 0,
                                         NULL);
        err = v.section ? mman__copy_file_pages(
                              &v, base,
                              base + MMAN_ROUND_UP(mapped, mman__page_size),
                              req->prot, 1)
                        : mman__errno_from_win32(GetLastError());
    }
    start = err ? NULL : enter(&v, base, req->len, req->prot);
    if (!start) {
        mman__view_give_back(&v);
        return mman__fail_ptr(err ? err : ENOMEM);
    }
    return start;
}

void *mman__map_file(const struct mman_request *req, int fd, uint64_t off)
{
    struct mman_file file;
    void *result;
    int err = mman__file_from_fd(fd, &file);

    if (!err)
        err = mman__file_not_regular(&file);
    if (err && err != ENODEV)
        return mman__fail_ptr(err);
    if (!err)
        mman__file_access(&file);
    /* Linux checks the access first, then the kind of file. */
    if (access_denied(req, &file))
        return mman__fail_ptr(EACCES);
    if (err)
        return mman__fail_ptr(err);
    if (req->fixed)
        return mman__fail_ptr(EINVAL); /* CE places no view (README) */
    mman__lock();
    result = req->shared ? map_shared(req, &file, off)
                         : map_private(req, &file, off);
    mman__unlock();
    return result;
}
