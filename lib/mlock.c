#include "internal.h"

/* POSIX lets mlock round addr down to a page, as Linux does; a range
 * with unmapped pages is ENOMEM and, here, locks nothing. */
int mlock(const void *addr, size_t len)
{
    char *start, *end;
    int err;

    mman__init();
    err = mman__range_rounded(addr, len, &start, &end);
    if (err)
        return mman__fail(err);
    if (start == end)
        return 0;
    mman__lock();
    err = mman__range_mapped(start, end) ? mman__lock_range(start, end)
                                         : ENOMEM;
    mman__unlock();
    return err ? mman__fail(err) : 0;
}
