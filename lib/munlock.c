#include "internal.h"

/* Not implemented yet: an honest failure, never a pretended success. */
int munlock(const void *addr, size_t len)
{
        (void)addr;     (void)len; 
    return mman__fail(ENOSYS);
}
