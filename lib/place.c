/* MAP_FIXED: whether a range can be taken over, as far as Win32 lets it. */
#include "internal.h"

/* POSIX says MAP_FIXED replaces whatever was mapped in the range. Windows
 * frees address space only whole reservation by whole view, and places
 * a new one only at a free 64 KiB boundary; so every view of ours in
 * [low, end) must die with the replaced range (no fragment of it outside
 * [start, end)), and nothing that is not ours may be there at all. */
/* Whether an anonymous view has no committed page outside [start, end):
 * then its other pages hold nothing and it can be cut. 1 or 0, or -1
 * if Windows would not say. */
static int empty_outside(const struct mman_view *v, char *start, char *end)
{
    MEMORY_BASIC_INFORMATION info;
    char *p = v->node.start;

    while (p < v->node.end) {
        if (p >= start && p < end) {
            p = end;
            continue;
        }
        if (!mman__query(p, &info))
            return -1;
        if (info.State == MEM_COMMIT)
            return 0;
        p = (char *)info.BaseAddress + info.RegionSize;
    }
    return 1;
}

/* 0 if view v, which has pages outside [start, end), can be cut;
 * else EINVAL, or ENOMEM if Windows would not say. */
static int cannot_cut(const struct mman_view *v, char *start, char *end,
                      int carve)
{
    int empty;

    if (!carve || v->kind != MMAN_VIEW_ANONYMOUS)
        return EINVAL;
    empty = empty_outside(v, start, end);
    return empty < 0 ? ENOMEM : empty ? 0 : EINVAL;
}

int mman__fixed_check(char *low, char *start, char *end, int carve)
{
    MEMORY_BASIC_INFORMATION info;
    struct mman_view *v;
    struct mman_fragment *f;
    char *p = low, *next;
    int err;

    while (p < end) {
        v = mman__view_at(p);
        if (v) {
            for (f = mman__first_ending_after(v->node.start);
                 f && f->node.start < v->node.end; f = mman__next(f))
                if ((f->node.start < start || f->node.end > end) &&
                    (err = cannot_cut(v, start, end, carve)) != 0)
                    return err;
            p = v->node.end;
            continue;
        }
        if (!mman__query(p, &info))
            return ENOMEM;
        next = (char *)info.BaseAddress + info.RegionSize;
        /* Address space that is not ours: never taken over. */
        if (info.State != MEM_FREE)
            return ENOMEM;
        v = mman__view_ending_after(p);
        p = v && v->node.start < next ? v->node.start : next;
    }
    return 0;
}

/* Puts the reservation of v, released, back whole after a failure
 * part-way: pages of [start, end) lost what they held, so they are
 * unmapped, as POSIX allows of a MAP_FIXED that fails. */
static int restore(struct mman_view *v, char *start, char *end)
{
    struct mman_fragment *f;
    int back = mman__reserve(v->node.start,
                             (size_t)(v->node.end - v->node.start)) != NULL;

    if (!mman__split_around(start, end)) {
        while ((f = mman__first_ending_after(start)) &&
               f->node.start < end && f->view == v)
            mman__remove(f);
    }
    if (!back) { /* another thread took the room: none of it is ours */
        while ((f = mman__first_ending_after(v->node.start)) &&
               f->view == v)
            mman__remove(f);
        mman__view_forget(v);
    } else if (v->fragments == 0) {
        mman__view_destroy(v);
    }
    return ENOMEM;
}

/* POSIX lets MAP_FIXED put a file page inside memory reserved with
 * PROT_NONE; Windows cannot put a view inside a reservation, nor free
 * part of one. A reservation with nothing committed outside the new
 * mapping [start, end) holds no data there, so it is released whole and
 * reserved again around [low, high), which is left free for the view;
 * pages of it in [low, high) outside the new mapping are given up. */
static int cut(struct mman_view *v, char *low, char *high, char *start,
               char *end)
{
    char *vs = v->node.start, *ve = v->node.end;
    struct mman_view *upper = NULL;
    struct mman_fragment *f;
    int has_low = vs < low, has_high = high < ve;

    if (mman__split_at(low) || (has_high && mman__split_at(high)))
        return ENOMEM;
    if (has_low && has_high) {
        upper = mman__view_new(MMAN_VIEW_ANONYMOUS, high,
                               (size_t)(ve - high));
        if (!upper)
            return ENOMEM;
        upper->noreserve = v->noreserve;
    }
    if (!mman__release(vs)) {
        if (upper)
            mman__view_forget(upper);
        return mman__errno_from_win32(GetLastError());
    }
    if (has_low && !mman__reserve(vs, (size_t)(low - vs))) {
        if (upper)
            mman__view_forget(upper);
        return restore(v, start, end);
    }
    if (has_high && !mman__reserve(high, (size_t)(ve - high))) {
        if (has_low)
            mman__release(vs);
        if (upper)
            mman__view_forget(upper);
        return restore(v, start, end);
    }
    while ((f = mman__first_ending_after(low)) && f->node.start < high &&
           f->view == v)
        mman__remove(f);
    if (upper) {
        for (f = mman__first_ending_after(high); f && f->view == v;
             f = mman__next(f)) {
            f->view = upper;
            v->fragments--;
            upper->fragments++;
        }
    }
    if (!has_low && !has_high) {
        mman__view_forget(v); /* while its key is still its own */
    } else {
        if (has_low)
            v->node.end = low;
        else
            v->node.start = high; /* no view starts in between */
        if (v->fragments == 0)
            mman__view_destroy(v);
    }
    if (upper && upper->fragments == 0)
        mman__view_destroy(upper);
    return 0;
}

int mman__fixed_carve(char *low, char *high, char *start, char *end)
{
    struct mman_view *v;
    int err;

    while ((v = mman__view_ending_after(low)) && v->node.start < high) {
        struct mman_fragment *f;
        int inside = 1;

        for (f = mman__first_ending_after(v->node.start);
             f && f->node.start < v->node.end; f = mman__next(f))
            if (f->node.start < start || f->node.end > end)
                inside = 0;
        if (inside) {
            /* replaced whole: munmap releases it */
            if (v->node.end >= high)
                return 0;
            low = v->node.end;
            continue;
        }
        err = cut(v, low, high, start, end);
        if (err)
            return err;
    }
    return 0;
}
