/* MAP_FIXED: whether a range can be taken over, as far as Win32 lets it. */
#include "internal.h"

/* POSIX says MAP_FIXED replaces whatever was mapped in the range. Windows
 * frees address space only whole reservation by whole view, and places
 * a new one only at a free 64 KiB boundary; so every view of ours in
 * [low, end) must die with the replaced range (no fragment of it outside
 * [start, end)), and nothing that is not ours may be there at all. */
int mman__fixed_check(char *low, char *start, char *end)
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
                if (f->node.start < start || f->node.end > end)
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
