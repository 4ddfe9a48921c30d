/* The access-violation handler: brings in MAP_NORESERVE pages on first
 * touch, and pages of a file that grew after it was mapped. Every other
 * fault is left to the program. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static int protection_allows(DWORD protect, int need)
{
    protect &= 0xff;
    if (need & PROT_WRITE)
        return protect == PAGE_READWRITE || protect == PAGE_WRITECOPY ||
               protect == PAGE_EXECUTE_READWRITE ||
               protect == PAGE_EXECUTE_WRITECOPY;
    if (need & PROT_EXEC)
        return (protect & (PAGE_EXECUTE | PAGE_EXECUTE_READ |
                           PAGE_EXECUTE_READWRITE |
                           PAGE_EXECUTE_WRITECOPY)) != 0;
    return protect != PAGE_NOACCESS && protect != 0;
}

/* A private page the program wrote: it must survive a remap. */
struct saved_page {
    char *at;
    void *copy;
};

/* POSIX says a mapping reaches pages the file grows into later; a
 * Windows view never grows. So the view is mapped again, larger, at the
 * same place, its tail shrunk; private pages already written are copied
 * across. */
int mman__view_grow(struct mman_view *v)
{
    char *base = v->node.start, *end = v->node.end, *p, *tail_at;
    size_t span = (size_t)(end - base), mapped, nsaved = 0, i;
    struct saved_page *saved = NULL;
    struct mman_fragment *f;
    MEMORY_BASIC_INFORMATION info;
    HANDLE section;
    uint64_t size;

    if (!v->file || !mman__file_size(v->file, &size))
        return EINVAL;
    mapped = size > v->offset ? (size - v->offset < span
                                     ? (size_t)(size - v->offset)
                                     : span)
                              : 0;
    if (MMAN_ROUND_UP(mapped, mman__page_size) <=
        MMAN_ROUND_UP(v->mapped, mman__page_size))
        return 0;
    if (!v->shared) {
        for (p = base; p < mman__view_mapped_end(v); p += info.RegionSize) {
            if (!mman__query(p, &info))
                break;
            if ((info.Protect & 0xff) != PAGE_READWRITE &&
                (info.Protect & 0xff) != PAGE_EXECUTE_READWRITE)
                continue;
            for (i = 0; i < info.RegionSize; i += mman__page_size) {
                struct saved_page *more =
                    realloc(saved, (nsaved + 1) * sizeof *saved);

                if (!more)
                    goto fail;
                saved = more;
                saved[nsaved].at = p + i;
                saved[nsaved].copy = malloc(mman__page_size);
                if (!saved[nsaved].copy)
                    goto fail;
                memcpy(saved[nsaved++].copy, p + i, mman__page_size);
            }
        }
    }
    section = mman__create_section(v->file, v->section_protect, 0);
    if (!section)
        goto fail;
    if (v->mapped)
        mman__unmap_view(base);
    if (v->tail)
        mman__release(v->tail);
    if (!mman__map_view(section, v->view_access, v->offset, mapped, base)) {
        /* Someone took the room: put the old view back. */
        mman__close(section);
        if (v->mapped)
            mman__map_view(v->section, v->view_access, v->offset, v->mapped,
                           base);
        if (v->tail)
            v->tail = mman__reserve(v->tail, (size_t)(end - v->tail));
        goto fail;
    }
    if (v->section)
        mman__close(v->section);
    v->section = section;
    v->mapped = mapped;
    tail_at = base + MMAN_ROUND_UP(mapped, mman__granularity);
    v->tail = tail_at < end ? mman__reserve(tail_at, (size_t)(end - tail_at))
                            : NULL;
    for (i = 0; i < nsaved; i++) {
        memcpy(saved[i].at, saved[i].copy, mman__page_size);
        free(saved[i].copy);
    }
    free(saved);
    /* Dead pages stay dead; live ones take their fragment's protection. */
    mman__protect(base, (size_t)(mman__view_mapped_end(v) - base),
                  PAGE_NOACCESS);
    for (f = mman__first_ending_after(base); f && f->node.start < end;
         f = mman__next(f))
        mman__view_protect(v, f->node.start, f->node.end, f->prot);
    return 0;
fail:
    for (i = 0; i < nsaved; i++)
        free(saved[i].copy);
    free(saved);
    return ENOMEM;
}

/* Whether the fault at addr, needing access need, can be resolved; the
 * registry is locked. */
static int resolve(char *addr, int need)
{
    struct mman_fragment *f = mman__find(addr);
    struct mman_view *v;
    MEMORY_BASIC_INFORMATION info;
    char *page;

    if (!f || (f->prot & need) != need)
        return 0;
    v = f->view;
    page = (char *)MMAN_ROUND_DOWN((uintptr_t)addr, mman__page_size);
    if (v->kind == MMAN_VIEW_FILE && page >= mman__view_mapped_end(v) &&
        (mman__view_grow(v) || page >= mman__view_mapped_end(v)))
        return 0;
    if (!mman__query(page, &info))
        return 0;
    if (info.State == MEM_RESERVE && v->kind == MMAN_VIEW_ANONYMOUS)
        return mman__commit(page, mman__page_size,
                            mman__page_protection(f->prot, 0));
    /* Another thread may have brought the page in meanwhile. */
    return info.State == MEM_COMMIT && protection_allows(info.Protect, need);
}

static LONG CALLBACK on_fault(EXCEPTION_POINTERS *ep)
{
    EXCEPTION_RECORD *rec = ep->ExceptionRecord;
    int need, ok;

    if (rec->ExceptionCode != EXCEPTION_ACCESS_VIOLATION ||
        rec->NumberParameters < 2)
        return EXCEPTION_CONTINUE_SEARCH;
    switch (rec->ExceptionInformation[0]) {
    case 1:  need = PROT_WRITE; break;
    case 8:  need = PROT_EXEC; break;
    default: need = PROT_READ; break;
    }
    mman__lock();
    ok = resolve((char *)rec->ExceptionInformation[1], need);
    mman__unlock();
    return ok ? EXCEPTION_CONTINUE_EXECUTION : EXCEPTION_CONTINUE_SEARCH;
}

void mman__install_fault_handler(void)
{
    AddVectoredExceptionHandler(1, on_fault);
}
