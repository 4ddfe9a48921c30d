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

/* A private page that must survive a remap. */
struct saved_page {
    char *at;
    void *copy;
};

struct saved {
    struct saved_page *pages;
    size_t n;
};

static int save_page(struct saved *s, char *at)
{
    struct saved_page *more = realloc(s->pages, (s->n + 1) * sizeof *more);

    if (!more)
        return 0;
    s->pages = more;
    s->pages[s->n].at = at;
    s->pages[s->n].copy = malloc(mman__page_size);
    if (!s->pages[s->n].copy)
        return 0;
    memcpy(s->pages[s->n++].copy, at, mman__page_size);
    return 1;
}

static void drop_saved(struct saved *s, int restore)
{
    size_t i;

    for (i = 0; i < s->n; i++) {
        if (restore)
            memcpy(s->pages[i].at, s->pages[i].copy, mman__page_size);
        free(s->pages[i].copy);
    }
    free(s->pages);
}

/* POSIX leaves it unspecified whether a private mapping sees later
 * changes to its file, but a page the program wrote must keep what it
 * wrote. Windows shows a page not yet copied as WRITECOPY; any other
 * live page may hold private data (a copied page whose protection was
 * lowered looks like any other), so it is kept. */
static int save_private(struct mman_view *v, struct saved *s)
{
    char *mapped_end = mman__view_mapped_end(v), *p, *e;
    struct mman_fragment *f;
    MEMORY_BASIC_INFORMATION info;
    DWORD kind;

    for (f = mman__first_ending_after(v->node.start);
         f && f->node.start < mapped_end; f = mman__next(f)) {
        e = f->node.end < mapped_end ? f->node.end : mapped_end;
        for (p = f->node.start; p < e; p += mman__page_size) {
            if (!mman__query(p, &info))
                return 0;
            kind = info.Protect & 0xff;
            if (kind == PAGE_WRITECOPY || kind == PAGE_EXECUTE_WRITECOPY)
                continue;
            if ((kind == PAGE_NOACCESS || kind == PAGE_EXECUTE) &&
                !mman__protect(p, mman__page_size, PAGE_READONLY))
                return 0;
            if (!save_page(s, p))
                return 0;
        }
    }
    return 1;
}

/* POSIX says a mapping reaches pages the file grows into later; a
 * Windows view never grows. So the view is mapped again, larger, at the
 * same place, its tail shrunk; private pages are copied across. */
int mman__view_grow(struct mman_view *v)
{
    char *base = v->node.start, *end = v->node.end, *tail_at;
    size_t span = (size_t)(end - base), mapped;
    struct saved saved = {NULL, 0};
    struct mman_fragment *f;
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
    if (!v->shared && v->mapped && !save_private(v, &saved))
        goto fail;
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
    drop_saved(&saved, 1);
    /* Dead pages stay dead; live ones take their fragment's protection. */
    mman__protect(base, (size_t)(mman__view_mapped_end(v) - base),
                  PAGE_NOACCESS);
    for (f = mman__first_ending_after(base); f && f->node.start < end;
         f = mman__next(f))
        mman__view_protect(v, f->node.start, f->node.end, f->prot);
    return 0;
fail:
    drop_saved(&saved, 0);
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
