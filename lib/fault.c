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

static void drop_saved(struct saved *s)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        free(s->pages[i].copy);
    free(s->pages);
}

/* POSIX leaves it unspecified whether a private mapping sees later
 * changes to its file, but a page the program wrote must keep what it
 * wrote. Windows shows a page not yet copied as WRITECOPY (any other
 * live page may hold private data: a copied page whose protection was
 * lowered looks like any other); Wine shows copied pages so too, but
 * not as shared in the working set. Dead pages are opened to be read. */
static int save_private(struct mman_view *v, struct saved *s)
{
    char *mapped_end = mman__view_mapped_end(v), *p, *e;
    struct mman_fragment *f;
    MEMORY_BASIC_INFORMATION info;
    DWORD kind;
    int ok = 1, keep;

    for (f = mman__first_ending_after(v->node.start);
         ok && f && f->node.start < mapped_end; f = mman__next(f)) {
        e = f->node.end < mapped_end ? f->node.end : mapped_end;
        for (p = f->node.start; ok && p < e; p += mman__page_size) {
            ok = mman__query(p, &info);
            kind = info.Protect & 0xff;
            keep = kind != PAGE_WRITECOPY && kind != PAGE_EXECUTE_WRITECOPY;
            if (ok && !keep)
                ok = mman__page_copied(p, &keep);
            if (ok && (kind == PAGE_NOACCESS || kind == PAGE_EXECUTE))
                ok = mman__protect(p, mman__page_size, PAGE_READONLY);
            if (ok && keep)
                ok = save_page(s, p);
        }
    }
    return ok;
}

/* Gives every page of the mapped part of view v the protection it must
 * have: none where no fragment is (unmapped pages, the head below the
 * offset), the fragment's elsewhere. The saved private pages are copied
 * back first, while a fresh view's pages are all writable. */
static int settle(struct mman_view *v, const struct saved *saved)
{
    char *p = v->node.start, *mapped_end = mman__view_mapped_end(v), *s;
    struct mman_fragment *f = mman__first_ending_after(p);
    size_t i;
    int err;

    for (i = 0; i < saved->n; i++)
        memcpy(saved->pages[i].at, saved->pages[i].copy, mman__page_size);
    for (; p < mapped_end; f = mman__next(f)) {
        s = f && f->node.start < mapped_end ? f->node.start : mapped_end;
        if (s > p && !mman__protect(p, (size_t)(s - p), PAGE_NOACCESS))
            return mman__errno_from_win32(GetLastError());
        if (s == mapped_end)
            break;
        err = mman__view_protect(v, f->node.start, f->node.end, f->prot);
        if (err)
            return err;
        p = f->node.end;
    }
    return 0;
}

/* Puts back view v's tail and, with remap, the view itself, given up
 * for a larger view that could not be made. 0 when the view's room was
 * taken meanwhile: then none of it is ours, and it must not be touched
 * or freed again; its pages are gone (they fault for good). */
static int put_back(struct mman_view *v, char *tail, int remap)
{
    if (remap && v->mapped &&
        !mman__map_view(v->section, v->view_access, v->offset, v->mapped,
                        v->node.start)) {
        v->mapped = 0;
        v->tail = NULL;
        v->gone = 1;
        return 0;
    }
    v->tail = tail ? mman__reserve(tail, (size_t)(v->node.end - tail))
                   : NULL;
    return 1;
}

/* POSIX says a mapping reaches pages the file grows into later; a
 * Windows view never grows, and without placeholders (which Wine lacks)
 * one cannot be replaced in place. So the view is unmapped and mapped
 * again, larger, at the same place, its tail shrunk; private pages are
 * copied across. For that moment its room is free, and an allocation
 * by another thread could take it; views that may grow are placed high
 * (map_file.c), away from where Windows puts what it allocates without
 * an address, so that needs an address space nearly full. On failure
 * the view is as it was, or, its room taken, gone (README). */
int mman__view_grow(struct mman_view *v)
{
    static const struct saved none = {NULL, 0};
    char *base = v->node.start, *end = v->node.end, *tail = v->tail;
    char *tail_at;
    size_t span = (size_t)(end - base), mapped, old_mapped = v->mapped;
    struct saved saved = {NULL, 0};
    HANDLE section, old_section = v->section;
    uint64_t size;

    if (!v->file || v->gone || !mman__file_size(v->file, &size))
        return EINVAL;
    mapped = size > v->offset ? (size - v->offset < span
                                     ? (size_t)(size - v->offset)
                                     : span)
                              : 0;
    if (MMAN_ROUND_UP(mapped, mman__page_size) <=
        MMAN_ROUND_UP(v->mapped, mman__page_size))
        return 0;
    /* saving may open dead pages to read them */
    if (!v->shared && v->mapped && !save_private(v, &saved))
        goto fail_settle;
    section = mman__create_section(v->file, v->section_protect, 0, NULL);
    if (!section)
        goto fail_settle;
    if (tail && !mman__release(tail)) {
        mman__close(section);
        goto fail_settle;
    }
    if (v->mapped && !mman__unmap_view(base)) {
        mman__close(section);
        put_back(v, tail, 0);
        goto fail_settle;
    }
    if (!mman__map_view(section, v->view_access, v->offset, mapped, base)) {
        mman__close(section);
        if (put_back(v, tail, 1))
            settle(v, &saved);
        goto fail;
    }
    v->section = section;
    v->mapped = mapped;
    /* A tail whose room was taken meanwhile is not ours: its pages stay
     * out of reach, as pages past end of file are. */
    tail_at = base + MMAN_ROUND_UP(mapped, mman__granularity);
    v->tail = tail_at < end ? mman__reserve(tail_at, (size_t)(end - tail_at))
                            : NULL;
    if (settle(v, &saved)) {
        if (v->tail)
            mman__release(v->tail);
        mman__unmap_view(base);
        mman__close(section);
        v->section = old_section;
        v->mapped = old_mapped;
        if (put_back(v, tail, 1))
            settle(v, &saved);
        goto fail;
    }
    if (old_section)
        mman__close(old_section);
    drop_saved(&saved);
    return 0;
fail_settle:
    settle(v, &none);
fail:
    drop_saved(&saved);
    return ENOMEM;
}

/* What prot lets a page do: on x86, as on Linux, writing and executing
 * imply reading. */
static int readable(int prot)
{
    return prot & (PROT_WRITE | PROT_EXEC) ? prot | PROT_READ : prot;
}

/* Whether the fault at addr, needing access need, can be resolved; the
 * registry is locked. */
static int resolve(char *addr, int need)
{
    struct mman_fragment *f = mman__find(addr);
    struct mman_view *v;
    MEMORY_BASIC_INFORMATION info;
    char *page;

    if (!f || (readable(f->prot) & need) != need)
        return 0;
    v = f->view;
    page = (char *)MMAN_ROUND_DOWN((uintptr_t)addr, mman__page_size);
    if (v->kind == MMAN_VIEW_FILE && page >= mman__view_mapped_end(v)) {
        if (mman__view_grow(v) || page >= mman__view_mapped_end(v))
            return 0;
        return 1; /* settled: the page has its fragment's protection */
    }
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
    /* A fault inside the library, which holds the lock, is a bug:
     * crash, rather than wait for the lock for ever. */
    if (mman__lock_is_mine())
        return EXCEPTION_CONTINUE_SEARCH;
    mman__lock();
    ok = resolve((char *)rec->ExceptionInformation[1], need);
    mman__unlock();
    return ok ? EXCEPTION_CONTINUE_EXECUTION : EXCEPTION_CONTINUE_SEARCH;
}

void mman__install_fault_handler(void)
{
    AddVectoredExceptionHandler(1, on_fault);
}
