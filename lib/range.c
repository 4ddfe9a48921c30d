/* What the range calls (mprotect, msync, mlock, madvise) share. */
#include "internal.h"

int mman__range_from(void *addr, size_t len, char **start, char **end)
{
    uintptr_t s = (uintptr_t)addr;
    size_t rounded;

    if (s % mman__page_size)
        return EINVAL;
    rounded = MMAN_ROUND_UP(len, mman__page_size);
    if (rounded < len || s + rounded < s)
        return ENOMEM;
    *start = (char *)s;
    *end = (char *)(s + rounded);
    return 0;
}

int mman__range_rounded(const void *addr, size_t len, char **start,
                        char **end)
{
    uintptr_t s = MMAN_ROUND_DOWN((uintptr_t)addr, mman__page_size);
    uintptr_t e = (uintptr_t)addr + len;

    if (e < s || MMAN_ROUND_UP(e, mman__page_size) < e)
        return EINVAL;
    *start = (char *)s;
    *end = (char *)MMAN_ROUND_UP(e, mman__page_size);
    return 0;
}

int mman__range_mapped(char *start, char *end)
{
    struct mman_fragment *f = mman__first_ending_after(start);
    char *p = start;

    for (; p < end; f = mman__next_before(f, end)) {
        if (!f || f->node.start > p)
            return 0;
        p = f->node.end;
    }
    return 1;
}
