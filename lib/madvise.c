#include "internal.h"

/* Not implemented yet: an honest failure, never a pretended success. */
int madvise(void *addr, size_t len, int advice)
{
        (void)addr;     (void)len;     (void)advice; 
    return mman__fail(ENOSYS);
}
