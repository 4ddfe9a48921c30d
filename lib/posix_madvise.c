#include "internal.h"

/* Not implemented yet: an honest failure, never a pretended success.
 * posix_madvise returns the error number instead of setting errno. */
int posix_madvise(void *addr, size_t len, int advice)
{
    (void)addr;
    (void)len;
    (void)advice;
    return ENOSYS;
}
