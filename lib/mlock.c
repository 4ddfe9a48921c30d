#include "internal.h"

/* addr rounded down, ENOMEM for unmapped pages: see mman__lock_call. */
int mlock(const void *addr, size_t len)
{
    return mman__lock_call(addr, len, mman__lock_range);
}
