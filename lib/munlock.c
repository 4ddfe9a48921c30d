#include "internal.h"

/* As mlock; pages that were not locked are no error. */
int munlock(const void *addr, size_t len)
{
    return mman__lock_call(addr, len, mman__unlock_range);
}
