/* MAP_FIXED: whether a range can be taken over, as far as Win32 lets it. */
#include "internal.h"

/* POSIX says MAP_FIXED replaces whatever was mapped in the range. Windows
 * frees address space only whole reservation by whole view, and places
 * a new one only at a free 64 KiB boundary; so every view of ours in
 * [low, end) must die with the replaced range (no fragment of it outside
 * [start, end)), and nothing that is not ours may be there at all. */
/* Whether an anonymous view has no committed page outside [start, end):
 * then its other pages hold nothing and it can be cut. */
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
            return 0;
        if (info.State == MEM_COMMIT)
            return 0;
        p = (char *)info.BaseAddress + info.RegionSize;
    }
    return 1;
}

static int can_cut(const struct mman_view *v, char *start, char *end,
                   int carve)
{
    return carve && v->kind == MMAN_VIEW_ANONYMOUS &&
           empty_outside(v, start, end);
}

int mman__fixed_check(char *low, char *start, char *end, int carve)
{
    MEMORY_BASIC_INFORMATION info;
    struct mman_view *v;
    struct mman_fragment *f;
    char *p = low, *next;

    while (p < end) {
        v = mman__view_at(p);
        if (v) {
            for (f = mman__first_ending_after(v->node.start);
                 f && f->node.start < v->node.end; f = mman__next(f))
                if ((f->node.start < start || f->node.end > end) &&
                    !can_cut(v, start, end, carve))
                    return EINVAL;
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

/* POSIX lets MAP_FIXED put a file page inside memory reserved with
 * PROT_NONE; Windows cannot put a view inside a reservation, nor free
 * part of one. A reservation with nothing committed outside the new
 * mapping holds no data there, so it is released whole and reserved
 * again around [low, high), which is left free for the view; pages of
 * it in [low, high) outside the new mapping are given up. */
static int cut(struct mman_view *v, char *low, char *high)
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
    while ((f = mman__first_ending_after(low)) && f->node.start < high &&
           f->view == v)
        mman__remove(f);
    if (!mman__release(vs) ||
        (has_low && !mman__reserve(vs, (size_t)(low - vs))) ||
        (has_high && !mman__reserve(high, (size_t)(ve - high))))
        return ENOMEM; /* another thread took the room: not ours */
    if (upper) {
        for (f = mman__first_ending_after(high); f && f->view == v;
             f = mman__next(f)) {
            f->view = upper;
            v->fragments--;
            upper->fragments++;
        }
    }
    if (has_low)
        v->node.end = low;
    else
        v->node.start = high; /* no view starts in between: order kept */
    if (!has_low && !has_high)
        mman__view_forget(v);
    else if (v->fragments == 0)
        mman__view_destroy(v);
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
        if (inside && v->node.start >= low && v->node.end <= high)
            return 0; /* the rest goes with munmap */
        if (inside) {
            /* replaced whole: munmap releases it */
            if (v->node.end >= high)
                return 0;
            low = v->node.end;
            continue;
        }
        err = cut(v, low, high);
        if (err)
            return err;
    }
    return 0;
}
