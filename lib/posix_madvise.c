#include "internal.h"

/* POSIX says posix_madvise never changes the data, and returns the
 * error number instead of setting errno. POSIX_MADV_DONTNEED would
 * throw data away where MADV_DONTNEED does, so it is ignored, as glibc
 * ignores it. Only POSIX's advice is taken. */
int posix_madvise(void *addr, size_t len, int advice)
{
    switch (advice) {
    case POSIX_MADV_DONTNEED:
        return 0;
    case POSIX_MADV_NORMAL:
    case POSIX_MADV_RANDOM:
    case POSIX_MADV_SEQUENTIAL:
    case POSIX_MADV_WILLNEED:
        return mman__advise(addr, len, advice);
    default:
        return EINVAL;
    }
}
