#include "internal.h"

/* As mlock: addr rounded down, ENOMEM for unmapped pages. Pages that
 * were not locked are no error. */
int munlock(const void *addr, size_t len)
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
    err = mman__range_mapped(start, end) ? mman__unlock_range(start, end)
                                         : ENOMEM;
    mman__unlock();
    return err ? mman__fail(err) : 0;
}
